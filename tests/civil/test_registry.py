import pytest
from django.test import Client

from shequ.civil.models import Kind, Membership, Organisation
from shequ.civil.services.members import invitation_accept, invitation_send
from shequ.civil.services.registry import (
    inspection_record,
    organisation_register,
    rating_record,
)
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.people.models import User, VerificationLevel
from tests.civil.conftest import YULIN, code_with_check, org_data, verified_user
from tests.factories import NIJIAQIAO, login_verified


def test_register_keeps_numbers_sealed_and_shows_them_masked(
    organisation: Organisation, district_officer: User
) -> None:
    organisation.refresh_from_db()
    assert str(organisation.legal_rep_name) == "李*"
    assert str(organisation.legal_rep_phone) == "139****5678"
    assert str(organisation.bank_account) == "***************0123"
    assert AuditEvent.objects.filter(verb="civil.organisation_register").count() == 1


def test_a_wrong_check_character_changes_nothing(district_officer: User) -> None:
    with pytest.raises(DomainError) as caught:
        organisation_register(
            actor=district_officer, data=org_data(credit_code="52510107MJ00123450")
        )
    assert caught.value.code == "credit_code_check"
    assert not Organisation.objects.exists()


def test_a_village_collective_code_is_accepted(district_officer: User) -> None:
    org = organisation_register(
        actor=district_officer,
        data=org_data(
            name="某村股份经济合作联合社", credit_code=code_with_check("N2510107MF0000012")
        ),
    )
    assert org.credit_code is not None
    assert org.credit_code.startswith("N2")


def test_a_street_files_community_based_groups_but_not_registered_ones(
    street_officer: User,
) -> None:
    filed = organisation_register(
        actor=street_officer,
        data=org_data(
            name="倪家桥社区睦邻互助队",
            kind=Kind.COMMUNITY_BASED,
            credit_code="",
            authority_code=YULIN,
        ),
    )
    assert filed.credit_code is None
    with pytest.raises(NotFound):
        organisation_register(actor=street_officer, data=org_data(authority_code=YULIN))


def test_grades_and_inspections(organisation: Organisation, district_officer: User) -> None:
    rating = rating_record(
        actor=district_officer, organisation_id=organisation.pk, grade=4, year=2024, score=820
    )
    assert rating.get_grade_display() == "4A"
    assert rating.expires_on.isoformat() == "2029-12-31"
    with pytest.raises(DomainError) as caught:
        rating_record(actor=district_officer, organisation_id=organisation.pk, grade=6, year=2024)
    assert caught.value.code == "grade_invalid"
    inspection_record(
        actor=district_officer, organisation_id=organisation.pk, year=2024, result="passed"
    )
    assert organisation.inspections.get().result == "passed"


def test_staff_accept_an_invitation_with_a_verified_identity(
    organisation: Organisation, district_officer: User
) -> None:
    member = verified_user("org_admin")
    assert member.phone is not None
    invitation = invitation_send(
        actor=district_officer,
        organisation_id=organisation.pk,
        phone=member.phone.reveal(),
        role="admin",
    )
    membership = invitation_accept(actor=member, invitation_id=invitation.pk)
    assert membership.role == Membership.Role.ADMIN
    # The admin invites a colleague whose identity is only self-declared: refused until verified.
    colleague = verified_user("org_staff", level=VerificationLevel.ID_CHECKED)
    assert colleague.phone is not None
    second = invitation_send(
        actor=member, organisation_id=organisation.pk, phone=colleague.phone.reveal(), role="staff"
    )
    with pytest.raises(DomainError) as caught:
        invitation_accept(actor=colleague, invitation_id=second.pk)
    assert caught.value.code == "identity_not_verified"
    # Someone else cannot take the invitation.
    with pytest.raises(NotFound):
        invitation_accept(actor=member, invitation_id=second.pk)


def test_console_pages_register_and_show_masked(
    client: Client, district_officer: User, django_assert_max_num_queries: object
) -> None:
    client.force_login(district_officer)
    login_verified(client, district_officer)
    response = client.post(
        "/console/civil/new/",
        {
            "name": "成都市武侯区乐龄服务中心",
            "kind": "service_institution",
            "credit_code": code_with_check("52510107MJ0099999"),
            "authority": "510107000000",
            "legal_rep_name": "赵六",
            "legal_rep_phone": "13800001111",
            "staff_count": "3",
            "volunteer_count": "20",
            "service_areas": [NIJIAQIAO],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "/console/civil/" in response["Location"], response["Location"]
    org = Organisation.objects.get(name="成都市武侯区乐龄服务中心")
    page = client.get(f"/console/civil/{org.pk}/").content.decode()
    assert "138****1111" in page
    assert "13800001111" not in page
    bad = client.post(
        "/console/civil/new/",
        {
            "name": "错误代码",
            "kind": "service_institution",
            "credit_code": "52510107MJ00999990",
            "authority": "510107000000",
            "legal_rep_name": "赵六",
            "staff_count": "0",
            "volunteer_count": "0",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert bad.status_code == 400
    assert "校验" in bad.content.decode()
    public = Client().get(f"/civil/{org.pk}/").content.decode()
    assert "赵*" in public
    assert "138****" not in public
    assert Client().get("/civil/").status_code == 200
    api = Client().get("/api/v1/civil/organisations").json()
    assert api["items"][0]["legal_representative"] == "赵*"


def test_demo_seeding_is_idempotent(district_officer: User) -> None:
    from shequ.civil.demo import seed_civil

    district_officer.username = "district"
    district_officer.save()
    assert seed_civil() == 3
    assert seed_civil() == 0
    assert Organisation.objects.filter(credit_code__isnull=True).count() == 1
