"""A department decides on its own which of its services issue a result document and what it
certifies — a page in the console, not a seeder — and staff can then issue it."""

from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.documents.models import IssuedDocument, ResultTemplate
from tests.documents.conftest import completed_case, pdf_text
from tests.factories import make_staff


def test_the_department_sets_up_its_result_document_and_staff_issue_it(
    client: Client, applicant, police, residence_permit
) -> None:
    client.force_login(police)
    edit = client.get(f"/console/catalogue/{residence_permit.pk}/").content.decode()
    assert 'data-testid="result-document"' in edit
    url = f"/console/documents/services/{residence_permit.pk}/"
    assert "不出具文书" in client.get(url).content.decode()
    refused = client.post(url, {"action": "save", "kind": "receipt", "title": "", "statement": "x"})
    assert refused.status_code == 400
    assert not ResultTemplate.objects.exists()
    saved = client.post(
        url,
        {
            "action": "save",
            "kind": "proof",
            "title": "居住证签注证明",
            "statement": "已在平台办结“{service}”事项。",
        },
    )
    assert saved.status_code == 302
    assert AuditEvent.objects.filter(verb="result_template.set").count() == 1
    application = completed_case(applicant, police, residence_permit)
    client.post(f"/console/documents/issue/{application.pk}/")
    document = IssuedDocument.objects.get()
    text = pdf_text(document.file.read())
    assert "居住证签注证明" in text
    assert residence_permit.name in text

    client.post(url, {"action": "remove"})
    assert not ResultTemplate.objects.exists()
    # What was issued stays valid.
    assert client.get(f"/verify/{document.number}/").status_code == 200


def test_another_department_cannot_decide_for_the_service(client: Client, residence_permit) -> None:
    client.force_login(make_staff("civil2", Role.DEPARTMENT_STAFF, "minzheng"))
    response = client.post(
        f"/console/documents/services/{residence_permit.pk}/",
        {"action": "save", "kind": "proof", "title": "假证明", "statement": "假"},
    )
    assert response.status_code in (403, 404)
    assert not ResultTemplate.objects.exists()
