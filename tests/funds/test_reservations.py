"""Reservations: money of a fund held for a budgeting round, committed out of, released."""

from decimal import Decimal
from typing import Any

import pytest

from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.funds.models import Account, Commitment, LedgerTransaction, Reservation, Track
from shequ.funds.services import ledger, reservations, spending
from shequ.people.models import User
from tests.factories import NIJIAQIAO, YULIN_NORTH
from tests.funds.conftest import YEAR, approve, fund


def reserved(code: str = NIJIAQIAO) -> Decimal:
    account = Account.objects.filter(
        kind=Account.Kind.RESERVED, division_id=code, track=Track.SECURITY, year=YEAR
    ).first()
    return account.balance if account else Decimal("0.00")


def reserve(actor: User, amount: str = "100000", **extra: Any) -> Reservation:
    values: dict[str, Any] = {
        "actor": actor,
        "community_code": NIJIAQIAO,
        "track": Track.SECURITY,
        "year": YEAR,
        "amount": amount,
        "purpose": "2026年参与式预算",
    }
    values.update(extra)
    return reservations.reservation_create(**values)


def commit_from(worker: User, reservation: Reservation, amount: str, **extra: Any) -> Commitment:
    approval = extra.pop("approval", None) or approve(worker, amount=amount)
    values: dict[str, Any] = {
        "actor": worker,
        "community_code": NIJIAQIAO,
        "approval_id": approval.pk,
        "track": Track.SECURITY,
        "year": YEAR,
        "project": "口袋公园",
        "category": "facilities",
        "supplier": "待采购",
        "amount": amount,
        "reservation_id": reservation.pk,
    }
    values.update(extra)
    return spending.commitment_create(**values)


def test_a_reservation_moves_money_out_of_the_available_balance(
    allocated: User, worker: User
) -> None:
    reservation = reserve(worker)
    assert fund().balance == Decimal("20000.00")
    assert reserved() == Decimal("100000.00")
    assert reservation.transaction.kind == LedgerTransaction.Kind.RESERVE
    event = AuditEvent.objects.get(verb="funds.reserved")
    assert (event.division_code, event.changes["amount"]) == (NIJIAQIAO, [None, "100000.00"])
    assert ledger.ledger_reconcile()[1] == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "120000.01"}, "insufficient_funds"),
        ({"amount": "0"}, "amount_not_positive"),
        ({"amount": "10.005"}, "amount_too_precise"),
        ({"purpose": "  "}, "purpose_required"),
        ({"year": 2025}, "no_fund"),
        ({"track": "lottery"}, "track_invalid"),
    ],
)
def test_bad_reservations_are_refused_and_nothing_moves(
    allocated: User, worker: User, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as error:
        reserve(worker, **change)
    assert error.value.code == code
    assert fund().balance == Decimal("120000.00")
    assert not Reservation.objects.exists()
    assert reserved() == 0


def test_a_commitment_over_what_is_left_after_reservations_is_refused(
    allocated: User, worker: User
) -> None:
    reserve(worker, "100000")
    with pytest.raises(DomainError) as error:
        spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=approve(worker, amount="30000").pk,
            track=Track.SECURITY,
            year=YEAR,
            project="楼道灯",
            category="facilities",
            supplier="某公司",
            amount="30000",
        )
    assert error.value.code == "insufficient_funds"
    assert fund().balance == Decimal("20000.00")


def test_commitments_draw_from_the_reservation_and_release_returns_the_rest(
    allocated: User, worker: User
) -> None:
    reservation = reserve(worker, "100000")
    first = commit_from(worker, reservation, "60000")
    commit_from(worker, reservation, "30000", project="读书角")
    assert first.reservation_id == reservation.pk
    assert fund().balance == Decimal("20000.00")  # the available balance is untouched
    assert reserved() == Decimal("10000.00")
    with pytest.raises(DomainError) as over:
        commit_from(worker, reservation, "10000.01")
    assert over.value.code == "over_reservation"
    released = reservations.reservation_release(actor=worker, reservation_id=reservation.pk)
    assert (released.status, released.used, released.released) == (
        "released",
        Decimal("90000.00"),
        Decimal("10000.00"),
    )
    assert fund().balance == Decimal("30000.00")
    assert reserved() == 0
    with pytest.raises(DomainError) as twice:
        reservations.reservation_release(actor=worker, reservation_id=reservation.pk)
    assert twice.value.code == "reservation_released"
    with pytest.raises(DomainError) as after:
        commit_from(worker, reservation, "1")
    assert after.value.code == "reservation_released"
    assert ledger.ledger_reconcile()[1] == []
    # Closing a spending item from a reservation gives the unspent part back to the fund.
    spending.commitment_close(actor=worker, commitment_id=first.pk)
    assert fund().balance == Decimal("90000.00")
    assert ledger.ledger_reconcile()[1] == []


def test_a_reservation_of_another_community_or_fund_cannot_be_drawn(
    allocated: User, worker: User, street: User
) -> None:
    foreign = reserve(street, "1000", community_code=YULIN_NORTH)
    with pytest.raises(DomainError) as error:
        commit_from(worker, foreign, "100")
    assert error.value.code == "reservation_not_found"
    own = reserve(worker, "1000")
    with pytest.raises(DomainError) as error:
        commit_from(worker, own, "100", track=Track.INCENTIVE)
    assert error.value.code == "reservation_other_fund"
    assert not Commitment.objects.exists()


def test_reservations_are_not_reversed_but_released(allocated: User, worker: User) -> None:
    reservation = reserve(worker, "1000")
    with pytest.raises(DomainError) as error:
        ledger.transaction_reverse(
            actor=allocated, transaction_id=reservation.transaction_id, reason="错了"
        )
    assert error.value.code == "reversal_not_supported"


def test_releasing_another_areas_reservation_is_not_found(
    allocated: User, worker: User, street: User
) -> None:
    foreign = reserve(street, "1000", community_code=YULIN_NORTH)
    with pytest.raises(NotFound):
        reservations.reservation_release(actor=worker, reservation_id=foreign.pk)
    assert Reservation.objects.get(pk=foreign.pk).status == "open"


def test_reconciliation_names_a_reserved_account_that_disagrees_with_its_reservations(
    allocated: User, worker: User
) -> None:
    reservation = reserve(worker, "1000")
    Reservation.objects.filter(pk=reservation.pk).update(used=Decimal("1.00"))
    problems = ledger.ledger_reconcile()[1]
    assert len(problems) == 1
    assert problems[0].what.startswith("account ")
    assert "reserved 510107005004 security 2026" in problems[0].what
    assert problems[0].detail == "balance 1000.00 != open items 999.00"
