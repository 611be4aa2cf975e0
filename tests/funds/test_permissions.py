"""Who may record a council decision, reserve a round's budget and commit (the matrix)."""

from typing import Any

import pytest

from shequ.core.errors import NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import ApprovalRecord, Commitment, Reservation, Track
from shequ.funds.services import reservations, spending
from shequ.people.models import User
from tests.factories import (
    CITY,
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    YULIN_NORTH,
    make_staff,
    make_user,
)
from tests.funds.conftest import YEAR, approve

# (role, scope) → may record the decision / reserve for 倪家桥社区; may commit from its fund.
MATRIX = [
    ("worker", Role.COMMUNITY_WORKER, NIJIAQIAO, True, True),
    ("street", Role.STREET_OFFICER, YULIN, True, False),
    ("district", Role.DISTRICT_OFFICER, WUHOU, True, False),
    ("admin", Role.SYSTEM_ADMIN, None, True, True),
    ("committee", Role.CITY_COMMITTEE, CITY, False, False),
    ("auditor_city", Role.AUDITOR, CITY, False, False),
    ("auditor_wuhou", Role.AUDITOR, WUHOU, False, False),
    ("worker_next_door", Role.COMMUNITY_WORKER, YULIN_NORTH, False, False),
    ("street_elsewhere", Role.STREET_OFFICER, SHUIJINGFANG[:9] + "000", False, False),
    ("district_elsewhere", Role.DISTRICT_OFFICER, JINJIANG, False, False),
    ("department", Role.DEPARTMENT_STAFF, "minzheng", False, False),
]


def _actor(name: str, role: str | None, scope: str | None) -> User:
    return make_user(name) if role is None else make_staff(f"m_{name}", role, scope)


@pytest.mark.parametrize(("name", "role", "scope", "decides", "_commits"), MATRIX)
def test_who_may_record_a_council_decision(
    chengdu: None, name: str, role: str, scope: str | None, decides: bool, _commits: bool
) -> None:
    actor = _actor(name, role, scope)
    if decides:
        record = approve(actor)
        assert record.created_by_id == actor.pk
        event = AuditEvent.objects.get(verb="funds.decision_recorded")
        assert (event.actor_id, event.division_code) == (actor.pk, NIJIAQIAO)
    else:
        with pytest.raises(NotFound):
            approve(actor)
        assert not ApprovalRecord.objects.exists()


@pytest.mark.parametrize(("name", "role", "scope", "decides", "commits"), MATRIX)
def test_who_may_reserve_and_commit(
    allocated: User,
    worker: User,
    name: str,
    role: str,
    scope: str | None,
    decides: bool,
    commits: bool,
) -> None:
    actor = worker if name == "worker" else _actor(name, role, scope)
    approval = approve(worker, amount="2000")
    reserve: dict[str, Any] = {
        "community_code": NIJIAQIAO,
        "track": Track.SECURITY,
        "year": YEAR,
        "amount": "1000",
        "purpose": "参与式预算",
    }
    commit: dict[str, Any] = {
        "community_code": NIJIAQIAO,
        "approval_id": approval.pk,
        "track": Track.SECURITY,
        "year": YEAR,
        "project": "口袋公园",
        "category": "facilities",
        "supplier": "待采购",
        "amount": "500",
    }
    if decides:
        reservation = reservations.reservation_create(actor=actor, **reserve)
        drawn = spending.commitment_create(actor=actor, reservation_id=reservation.pk, **commit)
        assert drawn.reservation_id == reservation.pk
        reservations.reservation_release(actor=actor, reservation_id=reservation.pk)
    else:
        with pytest.raises(NotFound):
            reservations.reservation_create(actor=actor, **reserve)
        assert not Reservation.objects.exists()
    if commits:
        assert spending.commitment_create(actor=actor, **commit).reservation_id is None
    else:
        with pytest.raises(NotFound):
            spending.commitment_create(actor=actor, **commit)
    assert Commitment.objects.count() == int(decides) + int(commits)


def test_a_resident_without_a_role_records_nothing(chengdu: None) -> None:
    with pytest.raises(NotFound):
        approve(make_user("just_a_resident"))
    assert not ApprovalRecord.objects.exists()
