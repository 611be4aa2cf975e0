from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.casework.models import Application, Status
from shequ.casework.services.applications import application_submit
from shequ.casework.services.definitions import current_form
from shequ.core.scopes import Role
from tests.casework.conftest import pdf, png, residence_answers
from tests.factories import make_staff


def test_resident_applies_with_upload_and_sees_progress(
    client: Client, applicant, residence_permit
) -> None:
    client.force_login(applicant)
    form_page = client.get(f"/casework/apply/{residence_permit.pk}/")
    assert 'type="file"' in form_page.content.decode()
    response = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "photo": png(), "proof": pdf()},
    )
    application = Application.objects.get()
    assert response.status_code == 302
    detail = client.get(f"/casework/{application.pk}/").content.decode()
    assert application.reference in detail
    assert client.get(f"/casework/documents/{application.documents.first().pk}/").status_code == 200


def test_apply_page_shows_field_errors_in_chinese(
    client: Client, applicant, residence_permit
) -> None:
    client.force_login(applicant)
    response = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "address": "", "photo": pdf("a.pdf")},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-address"' in html
    assert 'data-testid="error-photo"' in html
    assert 'data-testid="error-proof"' in html
    assert Application.objects.count() == 0


def test_another_resident_gets_404(client: Client, applicant, residence_permit) -> None:
    application = application_submit(
        actor=applicant,
        service_id=residence_permit.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    from tests.factories import make_user

    client.force_login(make_user("stranger"))
    assert client.get(f"/casework/{application.pk}/").status_code == 404
    assert client.get(f"/api/v1/casework/mine/{application.pk}").status_code == 404
    document = application.documents.first()
    assert client.get(f"/casework/documents/{document.pk}/").status_code == 404


def test_queue_has_constant_queries_and_bulk_accepts(
    client: Client,
    applicant,
    police,
    residence_permit,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    def apply_once() -> Application:
        return application_submit(
            actor=applicant,
            service_id=residence_permit.pk,
            data=residence_answers(),
            files={"photo": png(), "proof": pdf()},
        )

    apps = [apply_once() for _ in range(2)]
    client.force_login(police)
    client.get("/console/casework/")
    few = _queries(client, "/console/casework/?status=submitted")
    apps += [apply_once() for _ in range(4)]
    with django_assert_num_queries(few):
        html = client.get("/console/casework/?status=submitted").content.decode()
    assert html.count('data-testid="application-row"') == 6
    response = client.post(
        "/console/casework/bulk/", {"ids": [a.pk for a in apps], "action": "accept"}
    )
    assert response.status_code == 302
    assert Application.objects.filter(status=Status.ACCEPTED).count() == 6


def test_staff_handle_to_completion_in_console(
    client: Client, applicant, police, residence_permit
) -> None:
    application = application_submit(
        actor=applicant,
        service_id=residence_permit.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    client.force_login(police)
    for action in ("accept", "approve", "complete"):
        client.post(f"/console/casework/{application.pk}/act/", {"action": action})
    assert Application.objects.get(pk=application.pk).status == Status.COMPLETED
    civil = make_staff("civil3", Role.DEPARTMENT_STAFF, "minzheng")
    client.force_login(civil)
    assert client.get(f"/console/casework/{application.pk}/").status_code == 404


def test_api_staff_queue_and_action_scoping(
    client: Client,
    applicant,
    police,
    residence_permit,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    application = application_submit(
        actor=applicant,
        service_id=residence_permit.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    client.force_login(police)
    few = _queries(client, "/api/v1/casework/queue?status=submitted")
    for _ in range(3):
        application_submit(
            actor=applicant,
            service_id=residence_permit.pk,
            data=residence_answers(),
            files={"photo": png(), "proof": pdf()},
        )
    with django_assert_num_queries(few):
        body = client.get("/api/v1/casework/queue?status=submitted&limit=1").json()
    assert [item["id"] for item in body["items"]] == [application.pk]
    response = client.post(
        f"/api/v1/casework/queue/{application.pk}/actions",
        {"action": "reject"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "note"
    client.force_login(make_staff("civil4", Role.DEPARTMENT_STAFF, "minzheng"))
    response = client.post(
        f"/api/v1/casework/queue/{application.pk}/actions",
        {"action": "accept"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_api_submit_multipart(client: Client, applicant, residence_permit) -> None:
    client.force_login(applicant)
    response = client.post(
        f"/api/v1/casework/services/{residence_permit.pk}/applications",
        {**residence_answers(), "photo": png(), "proof": pdf()},
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted"


def test_form_builder_publishes_a_new_version(client: Client, police, residence_permit) -> None:
    client.force_login(police)
    before = current_form(residence_permit)
    assert before is not None
    response = client.post(
        f"/console/casework/forms/{residence_permit.pk}/add/?type=text",
        {"type": "text", "label": "备注地址"},
    )
    assert response.status_code == 302
    response = client.post(f"/console/casework/forms/{residence_permit.pk}/publish/")
    assert response.status_code == 302
    latest = current_form(residence_permit)
    assert latest is not None
    assert latest.version == before.version + 1
    assert latest.fields[-1]["label"] == "备注地址"
    # The JSON page is an administrator's import/export, never the department's.
    url = f"/console/casework/forms/{residence_permit.pk}/import/"
    assert client.get(url).status_code == 403
    client.force_login(make_staff("admin", Role.SYSTEM_ADMIN))
    response = client.post(url, {"fields_json": "not json", "documents_json": "[]"})
    assert response.status_code == 400


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_resident_lists_keep_a_constant_query_count(
    client: Client, applicant, residence_permit
) -> None:
    def apply_once() -> None:
        application_submit(
            actor=applicant,
            service_id=residence_permit.pk,
            data=residence_answers(),
            files={"photo": png(), "proof": pdf()},
        )

    apply_once()
    client.force_login(applicant)
    before = [_queries(client, "/casework/"), _queries(client, "/api/v1/casework/mine")]
    for _ in range(4):
        apply_once()
    assert [_queries(client, "/casework/"), _queries(client, "/api/v1/casework/mine")] == before
