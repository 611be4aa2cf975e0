"""Builders for test data: valid ID numbers, users with roles, residents."""

import time
from datetime import date
from itertools import count
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.pii import PIIKind, PIIValue, blind_index
from shequ.core.scopes import Role
from shequ.people.identity import id_check_character
from shequ.people.models import Department, Resident, StaffRole, User, VerificationLevel

NIJIAQIAO = "510107005004"  # 倪家桥社区 (玉林街道, 武侯区)
YULIN_NORTH = "510107005001"  # 玉林北路社区, same street
YULIN = "510107005000"
WUHOU = "510107000000"
SHUIJINGFANG = "510104017001"  # 水井坊社区 (锦官驿街道, 锦江区)
JINJIANG = "510104000000"
CITY = "510100000000"

_sequence = count(100)


def valid_id_number(
    region: str = "510107",
    born: date = date(1990, 3, 7),
    sequence: int | None = None,
    sex: str = "M",
) -> str:
    seq = next(_sequence) if sequence is None else sequence
    seq = seq * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_character(first17)


def unique_phone() -> str:
    return f"139{next(_sequence):08d}"


def make_user(
    username: str, *, password: str = "correct-horse-42", phone: str | None = None, **extra: Any
) -> User:
    phone = phone or unique_phone()
    user = User(
        username=username,
        phone=PIIValue(PIIKind.PHONE, plain=phone),
        phone_index=blind_index(PIIKind.PHONE, phone),
        **extra,
    )
    user.set_password(password)
    user.save()
    return user


def make_staff(username: str, role: str, scope: str | None = None) -> User:
    user = make_user(username)
    division = scope if role not in (Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN) else None
    department = None
    if role == Role.DEPARTMENT_STAFF:
        department, _ = Department.objects.get_or_create(
            code=scope or "minzheng", defaults={"name": f"部门{scope}", "short_name": "部门"}
        )
    StaffRole.objects.create(user=user, role=role, division_id=division, department=department)
    return user


def make_resident(
    community: str = NIJIAQIAO,
    *,
    name: str = "张三",
    user: User | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    level: int = VerificationLevel.ID_CHECKED,
) -> Resident:
    id_number = id_number or valid_id_number(region=community[:6])
    phone = phone or unique_phone()
    return Resident.objects.create(
        user=user,
        real_name=name,
        id_number=PIIValue(PIIKind.ID_NUMBER, plain=id_number),
        id_number_index=blind_index(PIIKind.ID_NUMBER, id_number),
        phone=PIIValue(PIIKind.PHONE, plain=phone),
        phone_index=blind_index(PIIKind.PHONE, phone),
        birth_date=date(1990, 3, 7),
        sex="M",
        community_id=community,
        verification_level=level,
    )


def login_verified(client: Client, user: User) -> TOTPDevice:
    """Mark ``client``'s session as having passed the second factor, as a real staff log-in
    does after the authenticator code (tests that are not about signing in start there)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the staff member's authenticator app shows now (or ``steps_ahead`` later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol_second_factor(client: Client, username: str) -> list[str]:
    """Right after a staff member's password step: set up the authenticator through the
    pages, as its app would answer. Returns the recovery codes shown."""
    assert client.get("/accounts/two-factor/").status_code == 200
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post("/accounts/two-factor/", {"code": totp_code(device)})
    assert response.status_code == 200
    return list(response.context["codes"])
