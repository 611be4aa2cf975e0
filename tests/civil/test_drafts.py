"""Drafts and the required-documents checklist: a draft is the organisation's only, submission
is refused with the list of missing documents, files are checked by their content."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from shequ.civil import selectors
from shequ.civil.models import Application, Call, Expert, Organisation
from shequ.civil.services import applications, calls
from shequ.core.errors import DomainError, NotFound
from shequ.people.models import User
from tests.civil.conftest import CLOSES, DURING, OPENS, PDF, WUHOU, minutes, verified_user
from tests.factories import NIJIAQIAO, make_user

DOCS = ["实施方案", "预算表"]


@pytest.fixture
def checklist_call(district_officer: User) -> Call:
    return calls.call_create(
        actor=district_officer,
        title="2026年武侯区为老服务购买",
        kind=Call.Kind.COMMUNITY_MAKING,
        division_code=WUHOU,
        field="elderly",
        budget="200000",
        max_award="100000",
        year=2026,
        opens_at=OPENS,
        closes_at=CLOSES,
        criteria=[calls.CriterionData("方案", 100)],
        required_documents=[*DOCS, " ", "实施方案"],
    )


def pdf(name: str = "fangan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def proposal() -> applications.Proposal:
    return applications.Proposal(
        title="倪家桥长者食堂",
        summary="每周服务300人次。",
        amount="90000",
        budget_lines=[{"item": "人员", "amount": "100000"}],
        self_funding="10000",
        community_code=NIJIAQIAO,
    )


def draft(call: Call, user: User, org: Organisation) -> Application:
    return applications.draft_save(
        actor=user,
        call_id=call.pk,
        organisation_id=org.pk,
        proposal=proposal(),
        council_minutes=minutes(),
        now=DURING,
    )


def test_the_checklist_is_cleaned(checklist_call: Call) -> None:
    assert checklist_call.required_documents == DOCS


def test_a_draft_without_documents_is_refused_with_the_list_and_stays_a_draft(
    checklist_call: Call, applicant: User, graded: Organisation
) -> None:
    saved = draft(checklist_call, applicant, graded)
    assert saved.status == Application.Status.DRAFT
    applications.document_attach(
        actor=applicant, application_id=saved.pk, name="实施方案", upload=pdf()
    )
    with pytest.raises(DomainError) as caught:
        applications.draft_submit(actor=applicant, application_id=saved.pk, now=DURING)
    assert caught.value.code == "documents_missing"
    with translation.override("zh-hans"):
        message = str(caught.value)
    assert "预算表" in message
    assert "实施方案" not in message
    saved.refresh_from_db()
    assert saved.status == Application.Status.DRAFT
    applications.document_attach(
        actor=applicant, application_id=saved.pk, name="预算表", upload=pdf("yusuan.pdf")
    )
    done = applications.draft_submit(actor=applicant, application_id=saved.pk, now=DURING)
    assert done.status == Application.Status.SUBMITTED
    assert sorted(done.documents.values_list("name", flat=True)) == sorted(DOCS)


@pytest.mark.parametrize(
    ("name", "upload", "code"),
    [
        ("实施方案", SimpleUploadedFile("fangan.pdf", b"MZ\x90\x00"), "file_type_not_allowed"),
        ("实施方案", SimpleUploadedFile("fangan.exe", PDF), "file_type_not_allowed"),
        ("营业执照", pdf(), "document_unknown"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_attached(
    checklist_call: Call,
    applicant: User,
    graded: Organisation,
    name: str,
    upload: SimpleUploadedFile,
    code: str,
) -> None:
    saved = draft(checklist_call, applicant, graded)
    with pytest.raises(DomainError) as caught:
        applications.document_attach(
            actor=applicant, application_id=saved.pk, name=name, upload=upload
        )
    assert caught.value.code == code
    assert not saved.documents.exists()


def test_one_step_submission_needs_every_document(
    checklist_call: Call, applicant: User, graded: Organisation
) -> None:
    values = proposal()
    arguments = {
        "actor": applicant,
        "call_id": checklist_call.pk,
        "organisation_id": graded.pk,
        "title": values.title,
        "summary": values.summary,
        "amount": values.amount,
        "budget_lines": values.budget_lines,
        "self_funding": values.self_funding,
        "community_code": NIJIAQIAO,
        "council_minutes": minutes(),
        "now": DURING,
    }
    with pytest.raises(DomainError) as caught:
        applications.application_submit(**arguments, documents={"实施方案": pdf()})
    assert caught.value.code == "documents_missing"
    assert not checklist_call.applications.exists()
    arguments["council_minutes"] = minutes()
    done = applications.application_submit(
        **arguments, documents={"实施方案": pdf(), "预算表": pdf("b.pdf")}
    )
    assert done.documents.count() == 2


def test_a_draft_is_the_organisations_only_and_closes_at_the_deadline(
    checklist_call: Call, applicant: User, graded: Organisation, district_officer: User
) -> None:
    saved = draft(checklist_call, applicant, graded)
    document = applications.document_attach(
        actor=applicant, application_id=saved.pk, name="实施方案", upload=pdf()
    )
    outsider = verified_user("outsider")
    with pytest.raises(NotFound):
        applications.draft_submit(actor=outsider, application_id=saved.pk, now=DURING)
    with pytest.raises(DomainError) as caught:
        applications.draft_submit(
            actor=applicant, application_id=saved.pk, now=CLOSES + timedelta(minutes=1)
        )
    assert caught.value.code == "call_closed"
    # Invisible to reviewers: the review assigns no one, the console and files hide it.
    expert = make_user("drafts_expert")
    Expert.objects.create(user=expert, display_name="专家")
    assert calls.review_start(actor=district_officer, call_id=checklist_call.pk) == 0
    officer = Client()
    officer.force_login(district_officer)
    assert officer.get(f"/console/civil/applications/{saved.pk}/").status_code == 404
    assert officer.get(f"/civil/documents/{document.pk}/").status_code == 404
    assert selectors.call_breakdown(checklist_call) == []
    member = Client()
    member.force_login(applicant)
    assert member.get(f"/civil/documents/{document.pk}/").status_code == 200


def test_the_pages_save_a_draft_and_name_what_is_missing(
    checklist_call: Call, applicant: User, graded: Organisation, time_machine: object
) -> None:
    time_machine.move_to(DURING)  # type: ignore[attr-defined]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(applicant)
    form = {
        "organisation": graded.pk,
        "community": NIJIAQIAO,
        "title": "倪家桥长者食堂",
        "summary": "每周服务300人次。",
        "amount": "90000",
        "self_funding": "10000",
        "b1_item": "人员",
        "b1_amount": "100000",
    }
    saved = client.post(
        f"/civil/calls/{checklist_call.pk}/apply/",
        {**form, "action": "draft", "council_minutes": minutes(), "doc0": pdf()},
    )
    assert saved.status_code == 302
    draft_row = Application.objects.get()
    assert draft_row.status == Application.Status.DRAFT
    page = client.get(f"/civil/applications/{draft_row.pk}/draft/").content.decode()
    assert "预算表" in page
    refused = client.post(
        f"/civil/applications/{draft_row.pk}/draft/", {**form, "action": "submit"}
    )
    assert refused.status_code == 400
    assert "预算表" in refused.content.decode()
    draft_row.refresh_from_db()
    assert draft_row.status == Application.Status.DRAFT
    done = client.post(
        f"/civil/applications/{draft_row.pk}/draft/",
        {**form, "action": "submit", "doc1": pdf("b.pdf")},
    )
    assert done.status_code == 302
    draft_row.refresh_from_db()
    assert draft_row.status == Application.Status.SUBMITTED


def test_the_api_saves_attaches_and_submits(
    checklist_call: Call, applicant: User, graded: Organisation, time_machine: object
) -> None:
    time_machine.move_to(DURING)  # type: ignore[attr-defined]
    client = Client()
    client.force_login(applicant)
    created = client.post(
        "/api/v1/civil/applications",
        {
            "call_id": checklist_call.pk,
            "organisation_id": graded.pk,
            "title": "倪家桥长者食堂",
            "summary": "每周服务300人次。",
            "amount": "90000",
            "self_funding": "10000",
            "budget_lines": [{"item": "人员", "amount": "100000"}],
            "community_code": NIJIAQIAO,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["missing_documents"] == DOCS
    refused = client.post(f"/api/v1/civil/applications/{body['id']}/submit")
    assert refused.status_code == 400
    assert refused.json()["code"] == "minutes_required"
    for name in DOCS:
        attached = client.post(
            f"/api/v1/civil/applications/{body['id']}/documents", {"name": name, "file": pdf()}
        )
        assert attached.status_code == 201, attached.content
    assert attached.json()["missing_documents"] == []
