"""The public verification page, the resident's wallet and who may download a document."""

from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.documents.models import IssuedDocument
from shequ.documents.numbers import format_number
from shequ.documents.services import document_issue_for_application
from tests.documents.conftest import completed_case
from tests.factories import make_resident, make_staff, make_user


def _issued(applicant, police, service) -> IssuedDocument:
    application = completed_case(applicant, police, service)
    return document_issue_for_application(actor=police, application_id=application.pk)


def test_anyone_can_verify_a_valid_document_without_seeing_personal_numbers(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    document = _issued(applicant, police, residence_permit)
    response = client.get(f"/verify/{document.number}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "有效" in html
    assert "已撤销" not in html
    assert "李*" in html
    assert "李四" not in html
    assert document.sha256 in html
    assert document.issuer_name in html
    assert applicant.resident.id_number.reveal() not in html
    assert applicant.resident.id_number.masked not in html
    assert "public" in response["Cache-Control"]


def test_the_number_form_accepts_how_people_type_it(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    document = _issued(applicant, police, residence_permit)
    typed = document.number.lower().replace("-", " ")
    response = client.get("/verify/", {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{document.number}/"
    assert client.get("/verify/").status_code == 200


def test_an_unknown_number_says_so_in_chinese_with_404(client: Client, db: None) -> None:
    response = client.get(f"/verify/{format_number(2026, '7K3MQ9XA')}/")
    assert response.status_code == 404
    assert "查无此文书" in response.content.decode()


def test_a_malformed_number_is_refused_clearly(client: Client, db: None) -> None:
    response = client.get("/verify/CD-2026-ABC/")
    assert response.status_code == 404
    assert "查无此文书" in response.content.decode()
    response = client.get("/verify/", {"number": "CD-2026-7K3M-Q9XA-0"})
    assert response.status_code == 400
    assert "文书编号格式不正确" in response.content.decode()


def test_too_many_checks_from_one_address_are_refused(client: Client, db: None, settings) -> None:
    settings.SHEQU_VERIFY_RATE_PER_MINUTE = 3
    number = format_number(2026, "7K3MQ9XA")
    statuses = [client.get(f"/verify/{number}/").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert "请一分钟后再试" in client.get(f"/verify/{number}/").content.decode()


def test_a_revoked_document_shows_revoked_at_once(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    document = _issued(applicant, police, residence_permit)
    assert "有效" in client.get(f"/verify/{document.number}/").content.decode()
    client.force_login(police)
    back = f"/console/casework/{document.source_id}/"
    response = client.post(
        f"/console/documents/{document.pk}/revoke/", {"reason": "信息有误，重新出具", "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    client.logout()
    html = client.get(f"/verify/{document.number}/").content.decode()
    assert "已撤销" in html
    assert "信息有误，重新出具" in html
    assert AuditEvent.objects.filter(verb="document.revoke").count() == 1


def test_revoking_needs_a_reason_and_the_issuer(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    document = _issued(applicant, police, residence_permit)
    client.force_login(police)
    response = client.post(
        f"/console/documents/{document.pk}/revoke/", {"reason": " "}, follow=True
    )
    assert "必填" in response.content.decode() or "请" in response.content.decode()
    client.force_login(make_staff("civil", Role.DEPARTMENT_STAFF, "minzheng"))
    response = client.post(f"/console/documents/{document.pk}/revoke/", {"reason": "冒名顶替"})
    assert response.status_code == 403
    assert "只有出具单位" in response.content.decode()
    document.refresh_from_db()
    assert not document.revoked


def test_the_wallet_lists_documents_and_materials_and_downloads_for_the_holder(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    document = _issued(applicant, police, residence_permit)
    client.force_login(applicant)
    html = client.get("/documents/").content.decode()
    assert "我的证照" in html
    assert document.number in html
    assert "近期免冠照片" in html
    assert "photo.png" in html
    response = client.get(f"/documents/{document.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"  # type: ignore[attr-defined]


def test_someone_elses_document_cannot_be_downloaded(
    client: Client, applicant, police, residence_permit, templates
) -> None:
    document = _issued(applicant, police, residence_permit)
    stranger = make_user("stranger")
    make_resident(user=stranger, name="赵五")
    client.force_login(stranger)
    response = client.get(f"/documents/{document.pk}/pdf/")
    assert response.status_code == 403
    assert "只有文书持有人或出具单位可以下载" in response.content.decode()
    assert document.number not in client.get("/documents/").content.decode()
    assert client.get("/documents/999999/pdf/").status_code == 404
    client.force_login(police)
    assert client.get(f"/documents/{document.pk}/pdf/").status_code == 200


def test_the_wallet_needs_a_login(client: Client, db: None) -> None:
    assert client.get("/documents/").status_code == 302
