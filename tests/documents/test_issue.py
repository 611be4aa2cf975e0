"""Staff issue a completed case's result document; the PDF says what it certifies and who
issued it, carries its number and the verification address, and never a full ID number."""

import hashlib

import pytest
from django.test import Client

from shequ.casework.models import Status
from shequ.casework.services.applications import application_act, application_submit
from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.documents.models import IssuedDocument
from shequ.documents.services import document_issue_for_application
from shequ.notices.models import Message
from tests.documents.conftest import completed_case, pdf, pdf_text, png, residence_answers
from tests.factories import make_staff


def test_staff_issue_the_result_document_of_a_closed_case(
    client: Client, applicant, police, residence_permit, templates, settings
) -> None:
    settings.SITE_URL = "https://shequ.example.cn"
    application = completed_case(applicant, police, residence_permit)
    client.force_login(police)
    page = client.get(f"/console/casework/{application.pk}/").content.decode()
    assert 'data-testid="issue-document"' in page
    response = client.post(f"/console/documents/issue/{application.pk}/")
    assert response.status_code == 302
    document = IssuedDocument.objects.get()
    data = document.file.read()
    assert hashlib.sha256(data).hexdigest() == document.sha256
    text = pdf_text(data)
    assert document.number in text
    assert f"https://shequ.example.cn/verify/{document.number}/" in text
    assert "李*" in text
    assert "李四" not in text
    id_number = applicant.resident.id_number.reveal()
    assert id_number not in text
    assert applicant.resident.id_number.masked in text
    assert "居住证办理结果证明" in text
    assert application.department.name in text
    assert document.holder_id == applicant.pk
    assert AuditEvent.objects.filter(verb="document.issue", object_id=str(document.pk)).exists()
    assert Message.objects.filter(user=applicant, url="/documents/").exists()
    page = client.get(f"/console/casework/{application.pk}/").content.decode()
    assert document.number in page
    assert 'data-testid="issue-document"' not in page


def test_a_second_document_for_the_same_case_is_refused(
    applicant, police, residence_permit, templates
) -> None:
    application = completed_case(applicant, police, residence_permit)
    document_issue_for_application(actor=police, application_id=application.pk)
    with pytest.raises(DomainError) as error:
        document_issue_for_application(actor=police, application_id=application.pk)
    assert error.value.code == "already_issued"
    assert IssuedDocument.objects.count() == 1


def test_an_open_case_issues_nothing_and_says_why_in_chinese(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    application = application_submit(
        actor=applicant,
        service_id=residence_permit.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    application_act(actor=police, application_id=application.pk, action="accept")
    client.force_login(police)
    response = client.post(f"/console/documents/issue/{application.pk}/", follow=True)
    assert "办结后" in response.content.decode()
    assert IssuedDocument.objects.count() == 0
    assert application.status != Status.COMPLETED


def test_another_departments_staff_cannot_issue(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    application = completed_case(applicant, police, residence_permit)
    client.force_login(make_staff("civil", Role.DEPARTMENT_STAFF, "minzheng"))
    assert client.post(f"/console/documents/issue/{application.pk}/").status_code == 404
    assert IssuedDocument.objects.count() == 0


def test_a_service_without_a_result_document_offers_no_button(
    client: Client, applicant, police, residence_permit
) -> None:
    application = completed_case(applicant, police, residence_permit)
    client.force_login(police)
    page = client.get(f"/console/casework/{application.pk}/").content.decode()
    assert 'data-testid="issue-document"' not in page
    response = client.post(f"/console/documents/issue/{application.pk}/", follow=True)
    assert "不出具" in response.content.decode()
    assert IssuedDocument.objects.count() == 0
