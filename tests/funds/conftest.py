"""Funds fixtures: a district formula for 武侯区 and its posted allocation."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shequ.core.scopes import Role
from shequ.funds.models import Account, ApprovalRecord, Track
from shequ.funds.services import allocation, decisions
from shequ.participation.models import Council, CouncilMember
from shequ.people.models import User
from tests.factories import CITY, NIJIAQIAO, WUHOU, YULIN, make_resident, make_staff

YEAR = 2026
FORMULA = {
    "base_urban": "100000",
    "base_rural": "80000",
    "per_household": "10",
    "per_resident": "2.5",
    "floor": "120000",
    "cap": "300000",
    "city_share": "50",
}


def receipt(name: str = "invoice.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 receipt", content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def district_officer(chengdu: None) -> User:
    return make_staff("fin_wuhou", Role.DISTRICT_OFFICER, WUHOU)


@pytest.fixture
def committee(chengdu: None) -> User:
    return make_staff("committee1", Role.CITY_COMMITTEE, CITY)


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def street(chengdu: None) -> User:
    return make_staff("street_yl", Role.STREET_OFFICER, YULIN)


@pytest.fixture
def allocated(district_officer: User) -> User:
    """武侯区's allocation of YEAR posted (security fund only)."""
    allocation.formula_save(actor=district_officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    allocation.allocation_post(actor=district_officer, year=YEAR, district_code=WUHOU)
    return district_officer


def fund(code: str = NIJIAQIAO, track: str = Track.SECURITY, year: int = YEAR) -> Account:
    return Account.objects.get(kind=Account.Kind.FUND, division_id=code, track=track, year=year)


def council_register(community: str = NIJIAQIAO, members: int = 15) -> Council:
    """The community's residents' council with ``members`` members in office 2025-2031."""
    council = Council.objects.create(community_id=community, name="居民议事会")
    for i in range(members):
        CouncilMember.objects.create(
            council=council,
            resident=make_resident(community, name=f"成员{i}"),
            term_start=date(2025, 1, 1),
            term_end=date(2031, 12, 31),
        )
    return council


def approve(
    actor: Any,
    *,
    amount: str = "50000",
    community: str = NIJIAQIAO,
    window_closed: bool = False,
    **extra: Any,
) -> ApprovalRecord:
    """A council decision recorded now, or, with ``window_closed``, recorded eight days ago so
    that its seven-day objection window has closed and it may be paid. The community's council
    register is made on first use with ``members_total`` members (default 15)."""
    if window_closed:
        with time_machine.travel(timezone.now() - timedelta(days=8), tick=False):
            return approve(actor, amount=amount, community=community, **extra)
    values: dict[str, Any] = {
        "subject": "楼道灯改造",
        "amount": amount,
        "meeting_date": date(2026, 3, 1),
        "members_total": 15,
        "members_present": 12,
        "votes_for": 10,
        "votes_against": 1,
        "votes_abstain": 1,
    }
    values.update(extra)
    if not Council.objects.filter(community_id=community).exists():
        council_register(community, values["members_total"] or 0)
    return decisions.approval_record_create(actor=actor, community_code=community, **values)


def money(value: str) -> Decimal:
    return Decimal(value)
