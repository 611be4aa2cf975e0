"""People services: each refuses bad input clearly, changes nothing, and audits what it does."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from shequ.core.errors import DomainError, NotFound, PermissionDenied, RateLimited
from shequ.core.models import AuditEvent
from shequ.core.pii import PIIKind, blind_index
from shequ.core.scopes import Role
from shequ.people.models import OneTimeCode, Resident, StaffRole, User, VerificationLevel
from shequ.people.services.accounts import user_register
from shequ.people.services.passwords import password_reset_send_code, password_reset_with_code
from shequ.people.services.residents import (
    resident_check_id,
    resident_reveal_pii,
    resident_verify_by_authority,
    resident_verify_in_person,
)
from shequ.people.services.staff import staff_role_grant, staff_role_revoke
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    make_resident,
    make_staff,
    make_user,
    valid_id_number,
)

pytestmark = pytest.mark.usefixtures("chengdu")


def _register(username: str = "xiaoli", phone: str = "13800138000") -> User:
    return user_register(username=username, password="tianfu-2026!", phone=phone)


def test_registration_creates_an_account_at_the_first_level_and_audits_it() -> None:
    user = _register()
    assert user.verification_level == VerificationLevel.REGISTERED
    assert user.check_password("tianfu-2026!")
    assert str(user.phone) == "138****8000"
    assert AuditEvent.objects.filter(verb="user.register", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("username", "phone", "password", "code"),
    [
        ("ab", "13800138000", "tianfu-2026!", "username_length"),
        ("bad name!", "13800138000", "tianfu-2026!", "username_characters"),
        ("13800138000", "13800138000", "tianfu-2026!", "username_digits"),
        ("xiaoli2", "1380013800", "tianfu-2026!", "phone_format"),
        ("xiaoli2", "13800138001", "123", "weak_password"),
    ],
)
def test_registration_refuses_bad_input_and_creates_nothing(
    username: str, phone: str, password: str, code: str
) -> None:
    before = User.objects.count()
    with pytest.raises(DomainError) as caught:
        user_register(username=username, password=password, phone=phone)
    assert caught.value.code == code
    assert User.objects.count() == before


def test_registration_refuses_a_taken_username_or_phone() -> None:
    _register()
    with pytest.raises(DomainError) as caught:
        _register(username="XIAOLI", phone="13800138009")
    assert caught.value.code == "username_taken"
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        _register(username="other", phone="+86 138 0013 8000")
    assert caught.value.code == "phone_taken"
    assert str(caught.value) == "该手机号已注册。"


def test_id_check_raises_the_level_and_stores_only_ciphertext() -> None:
    user = _register()
    id_number = valid_id_number(region="510107")
    resident = resident_check_id(
        user=user, real_name="李晓雨", id_number=id_number, community_code=NIJIAQIAO
    )
    assert resident.verification_level == VerificationLevel.ID_CHECKED
    assert resident.id_number_index == blind_index(PIIKind.ID_NUMBER, id_number)
    assert str(resident.id_number) == id_number[:4] + "*" * 10 + id_number[-4:]
    assert resident.birth_date is not None
    assert resident.sex in ("M", "F")
    event = AuditEvent.objects.get(verb="resident.check_id")
    assert event.division_code == NIJIAQIAO
    assert id_number not in str(event.changes)


@pytest.mark.parametrize(
    ("name", "id_number", "community", "code"),
    [
        ("李晓雨", "51010719900307", NIJIAQIAO, "id_length"),
        ("李晓雨", "51010719900230001X", NIJIAQIAO, "id_birth_date"),
        ("李晓雨", "99010719900307001X", NIJIAQIAO, "id_region"),
        ("", None, NIJIAQIAO, "name_required"),
        ("李" * 31, None, NIJIAQIAO, "name_too_long"),
        ("<b>李</b>", None, NIJIAQIAO, "name_characters"),
        ("李晓雨", None, "510107005999", "unknown_community"),
        ("李晓雨", None, "510107005000", "unknown_community"),
    ],
)
def test_id_check_refuses_bad_input_and_changes_nothing(
    name: str, id_number: str | None, community: str, code: str
) -> None:
    user = _register()
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        resident_check_id(
            user=user,
            real_name=name,
            id_number=id_number or valid_id_number(),
            community_code=community,
        )
    assert caught.value.code == code
    assert not Resident.objects.filter(user=user).exists()
    assert AuditEvent.objects.count() == events


def test_one_id_number_one_account() -> None:
    id_number = valid_id_number()
    resident_check_id(
        user=_register(), real_name="李晓雨", id_number=id_number, community_code=NIJIAQIAO
    )
    second = _register(username="impostor", phone="13800138111")
    with pytest.raises(DomainError) as caught:
        resident_check_id(
            user=second, real_name="李晓雨", id_number=id_number.lower(), community_code=NIJIAQIAO
        )
    assert caught.value.code == "id_not_confirmed"
    assert (
        Resident.objects.filter(id_number_index=blind_index(PIIKind.ID_NUMBER, id_number)).count()
        == 1
    )


def test_id_check_links_an_existing_registry_record_when_the_name_agrees() -> None:
    id_number = valid_id_number()
    record = make_resident(
        SHUIJINGFANG, name="王芳", id_number=id_number, level=VerificationLevel.REGISTERED
    )
    with pytest.raises(DomainError) as caught:
        resident_check_id(
            user=_register(), real_name="王小芳", id_number=id_number, community_code=NIJIAQIAO
        )
    assert caught.value.code == "id_not_confirmed"
    user = User.objects.get(username="xiaoli")
    linked = resident_check_id(
        user=user, real_name="王芳", id_number=id_number, community_code=NIJIAQIAO
    )
    assert linked.pk == record.pk
    assert linked.user == user
    assert linked.community_id == SHUIJINGFANG  # the registry keeps the home community


def test_in_person_verification_is_scoped_and_audited() -> None:
    resident = make_resident(NIJIAQIAO)
    outsider = make_staff("outsider", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        resident_verify_in_person(actor=outsider, resident_id=resident.pk)
    auditor = make_staff("auditor_w", Role.AUDITOR, WUHOU)
    with pytest.raises(PermissionDenied):
        resident_verify_in_person(actor=auditor, resident_id=resident.pk)
    resident.refresh_from_db()
    assert resident.verification_level == VerificationLevel.ID_CHECKED
    worker = make_staff("worker_n", Role.COMMUNITY_WORKER, NIJIAQIAO)
    resident_verify_in_person(actor=worker, resident_id=resident.pk, note="身份证原件")
    resident.refresh_from_db()
    assert resident.verification_level == VerificationLevel.IN_PERSON
    assert resident.verified_by == worker
    event = AuditEvent.objects.get(verb="resident.verify_in_person")
    assert event.actor == worker
    assert event.reason == "身份证原件"
    assert resident.history.count() >= 2  # row history beside the audit trail


def test_authority_verification_through_the_pluggable_verifier(authority: type) -> None:
    user = _register()
    id_number = valid_id_number()
    resident = resident_check_id(
        user=user, real_name="李晓雨", id_number=id_number, community_code=NIJIAQIAO
    )
    with pytest.raises(DomainError) as caught:
        resident_verify_by_authority(actor=user, resident=resident)
    assert caught.value.code == "verifier_no_match"
    resident.refresh_from_db()
    assert resident.verification_level == VerificationLevel.ID_CHECKED
    failed = AuditEvent.objects.get(verb="resident.verify_by_authority")
    assert failed.changes["matched"] is False
    authority.known.add(("李晓雨", id_number))  # type: ignore[attr-defined]
    resident_verify_by_authority(actor=user, resident=resident)
    resident.refresh_from_db()
    assert resident.verification_level == VerificationLevel.AUTHORITY


def test_authority_verification_is_unavailable_without_a_configured_verifier() -> None:
    user = _register()
    resident = resident_check_id(
        user=user, real_name="李晓雨", id_number=valid_id_number(), community_code=NIJIAQIAO
    )
    with pytest.raises(DomainError) as caught:
        resident_verify_by_authority(actor=user, resident=resident)
    assert caught.value.code == "verifier_unavailable"


def test_reveal_needs_permission_and_a_reason_and_is_audited(settings: object) -> None:
    id_number = valid_id_number()
    resident = make_resident(NIJIAQIAO, id_number=id_number)
    worker = make_staff("worker_r", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(DomainError) as caught:
        resident_reveal_pii(actor=worker, resident_id=resident.pk, field="id_number", reason=" ")
    assert caught.value.code == "reason_required"
    auditor = make_staff("auditor_r", Role.AUDITOR, WUHOU)
    with pytest.raises(PermissionDenied):
        resident_reveal_pii(
            actor=auditor, resident_id=resident.pk, field="id_number", reason="核对低保申请"
        )
    outsider = make_staff("outsider_r", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        resident_reveal_pii(
            actor=outsider, resident_id=resident.pk, field="id_number", reason="核对低保申请"
        )
    assert not AuditEvent.objects.filter(verb="pii.reveal").exists()
    value = resident_reveal_pii(
        actor=worker, resident_id=resident.pk, field="id_number", reason="核对低保申请"
    )
    assert value == id_number
    event = AuditEvent.objects.get(verb="pii.reveal")
    assert event.reason == "核对低保申请"
    assert event.changes == {"field": "id_number"}


def test_reveal_is_rate_limited(settings: pytest.FixtureRequest) -> None:
    settings.SHEQU_PII_REVEALS_PER_HOUR = 2  # type: ignore[attr-defined]
    resident = make_resident(NIJIAQIAO)
    worker = make_staff("worker_l", Role.COMMUNITY_WORKER, NIJIAQIAO)
    for _ in range(2):
        resident_reveal_pii(actor=worker, resident_id=resident.pk, field="phone", reason="电话回访")
    with pytest.raises(RateLimited):
        resident_reveal_pii(actor=worker, resident_id=resident.pk, field="phone", reason="电话回访")
    assert AuditEvent.objects.filter(verb="pii.reveal").count() == 2


def test_password_reset_by_sms_code(
    sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    user = _register()
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_send_code(phone="13800138000")
    assert len(sms_outbox) == 1
    phone, text = sms_outbox[0]
    code = "".join(ch for ch in text if ch.isdigit())[:6]
    assert phone == "13800138000"
    assert len(code) == 6
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(DomainError) as caught:
        password_reset_with_code(phone="13800138000", code=wrong, new_password="new-tianfu-2026")
    assert caught.value.code == "code_invalid"
    assert OneTimeCode.objects.get(user=user).attempts == 1
    password_reset_with_code(phone="13800138000", code=code, new_password="new-tianfu-2026")
    user.refresh_from_db()
    assert user.check_password("new-tianfu-2026")
    with pytest.raises(DomainError):  # a code works once
        password_reset_with_code(phone="13800138000", code=code, new_password="third-tianfu-2026")
    assert AuditEvent.objects.filter(verb="user.password_reset").count() == 1


def test_password_reset_does_not_tell_whether_an_account_exists(
    sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_send_code(phone="13700000000")
    assert sms_outbox == []
    with pytest.raises(DomainError) as caught:
        password_reset_with_code(phone="13700000000", code="123456", new_password="new-tianfu-2026")
    assert caught.value.code == "code_invalid"


def test_expired_codes_and_too_many_attempts_are_refused(
    sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    _register()
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_send_code(phone="13800138000")
    code = "".join(ch for ch in sms_outbox[0][1] if ch.isdigit())[:6]
    OneTimeCode.objects.update(attempts=5)
    with pytest.raises(DomainError):
        password_reset_with_code(phone="13800138000", code=code, new_password="new-tianfu-2026")
    OneTimeCode.objects.update(attempts=0, expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError):
        password_reset_with_code(phone="13800138000", code=code, new_password="new-tianfu-2026")


def test_only_system_admins_grant_roles_and_scopes_are_checked() -> None:
    admin = make_staff("root_admin", Role.SYSTEM_ADMIN)
    target = make_user("newworker")
    worker = make_staff("worker_g", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(PermissionDenied):
        staff_role_grant(
            actor=worker, user=target, role=Role.COMMUNITY_WORKER, division_code=NIJIAQIAO
        )
    with pytest.raises(DomainError) as caught:
        staff_role_grant(
            actor=admin, user=target, role=Role.COMMUNITY_WORKER, division_code="510107999999"
        )
    assert caught.value.code == "unknown_division"
    assert not StaffRole.objects.filter(user=target).exists()
    role = staff_role_grant(
        actor=admin, user=target, role=Role.COMMUNITY_WORKER, division_code=NIJIAQIAO
    )
    assert AuditEvent.objects.filter(verb="staff_role.grant", object_id=str(target.pk)).exists()
    staff_role_revoke(actor=admin, staff_role_id=role.pk)
    role.refresh_from_db()
    assert role.is_active is False
    assert AuditEvent.objects.filter(verb="staff_role.revoke").exists()


def test_a_role_must_match_the_level_of_its_division() -> None:
    admin = make_staff("admin_lv", Role.SYSTEM_ADMIN)
    target = make_user("wrong_level")
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        staff_role_grant(actor=admin, user=target, role=Role.COMMUNITY_WORKER, division_code=WUHOU)
    assert caught.value.code == "wrong_division_level"
    assert "武侯区" in str(caught.value)
    assert not StaffRole.objects.filter(user=target).exists()
