"""A budgeting round's money in the ledger: reserved when the round opens, winners committed
out of the reservation, the unspent rest released when the round ends."""

from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Account, ApprovalRecord, Commitment, Reservation
from shequ.funds.services.ledger import ledger_reconcile
from shequ.participation.models import AgendaItem, Round
from shequ.participation.services import ballots, meetings, rounds
from tests.factories import CITY, NIJIAQIAO, WUHOU, YULIN, make_staff
from tests.participation.conftest import (
    Place,
    council_decides,
    fund_community,
    open_meeting,
    voting_round,
)


def balance(kind: str, year: int | None = None) -> Decimal:
    account = Account.objects.filter(
        kind=kind,
        division_id=NIJIAQIAO,
        track="incentive",
        year=year or timezone.localdate().year,
    ).first()
    return account.balance if account else Decimal("0.00")


def round_reservation(budget_round: Round) -> Q:
    assert budget_round.reservation_id is not None
    return Q(pk=budget_round.reservation_id)


def new_round(place: Place, budget: str, title: str = "微更新", **extra: object) -> Round:
    return rounds.round_create(
        actor=place.worker,
        community_code=NIJIAQIAO,
        title=title,
        budget=budget,
        **extra,  # type: ignore[arg-type]
    )


def test_opening_a_round_reserves_its_budget_in_the_ledger(place: Place) -> None:
    fund_community(NIJIAQIAO, Decimal("500000"))
    budget_round = new_round(place, "100000")
    assert balance("reserved") == 0
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    budget_round.refresh_from_db()
    reservation = Reservation.objects.get(round_reservation(budget_round))
    assert (reservation.amount, reservation.status, reservation.purpose) == (
        Decimal("100000.00"),
        "open",
        "微更新",
    )
    assert balance("fund") == Decimal("400000.00")
    assert balance("reserved") == Decimal("100000.00")
    assert AuditEvent.objects.filter(verb="funds.reserved", division_code=NIJIAQIAO).exists()
    assert ledger_reconcile()[1] == []


def test_a_second_round_over_the_free_balance_is_refused(place: Place) -> None:
    fund_community(NIJIAQIAO, Decimal("150000"))
    first = new_round(place, "100000", "第一轮")
    rounds.round_advance(actor=place.worker, round_id=first.pk)
    second = new_round(place, "60000", "第二轮")
    with pytest.raises(DomainError) as error:
        rounds.round_advance(actor=place.worker, round_id=second.pk)
    assert error.value.code == "insufficient_funds"
    second.refresh_from_db()
    assert (second.phase, second.reservation_id) == (Round.Phase.DRAFT, None)
    assert Reservation.objects.count() == 1
    assert balance("fund") == Decimal("50000.00")
    # Exactly what is still free can be reserved.
    third = new_round(place, "50000", "第三轮")
    rounds.round_advance(actor=place.worker, round_id=third.pk)
    assert balance("fund") == 0
    assert balance("reserved") == Decimal("150000.00")


@pytest.mark.parametrize(
    ("amount", "year", "code"),
    [("5000", 2001, "no_fund"), ("799.99", None, "insufficient_funds")],
)
def test_a_round_cannot_open_without_money_in_the_fund(
    place: Place, amount: str, year: int | None, code: str
) -> None:
    fund_community(NIJIAQIAO, Decimal(amount))
    budget_round = new_round(place, "800", fund_year=year)
    with pytest.raises(DomainError) as error:
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    assert error.value.code == code
    budget_round.refresh_from_db()
    assert budget_round.phase == Round.Phase.DRAFT
    assert not Reservation.objects.exists()


def test_results_become_commitments_drawn_from_the_reservation_and_the_rest_is_released(
    place: Place,
) -> None:
    budget_round = voting_round(place)  # 500,000 in the fund, a round of 100,000
    assert balance("fund") == Decimal("400000.00")
    a, b, c = budget_round.projects.order_by("id")
    for user, choice in zip(
        place.residents, [[a.pk], [a.pk], [b.pk, c.pk], [c.pk], [c.pk]], strict=False
    ):
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=choice)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    budget_round.refresh_from_db()
    winners = rounds.round_winners(budget_round)
    spent = sum((p.cost for p in winners), Decimal(0))
    assert Decimal(0) < spent < budget_round.budget  # 口袋公园 + 读书角 = 90,000
    item = council_decides(place, title="参与式预算结果", amount=spent)
    rounds.round_attach_decision(actor=place.worker, round_id=budget_round.pk, item_id=item.pk)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)

    reservation = Reservation.objects.get(round_reservation(budget_round))
    commitments = Commitment.objects.filter(community_id=NIJIAQIAO)
    assert {c.reservation_id for c in commitments} == {reservation.pk}
    assert {c.approval_id for c in commitments} == {item.approval_record_id}
    assert sum(c.amount for c in commitments) == spent
    assert (reservation.status, reservation.used, reservation.released) == (
        "released",
        spent,
        budget_round.budget - spent,
    )
    assert balance("reserved") == 0
    assert balance("commitment") == spent
    assert balance("fund") == Decimal("500000.00") - spent
    assert AuditEvent.objects.filter(verb="funds.reservation_released").count() == 1
    checked, problems = ledger_reconcile()
    assert problems == []
    assert checked == Account.objects.count()


# ------------------------------------------------------------------ quorum and who decides


@pytest.mark.parametrize(("present", "quorate"), [(2, True), (1, False)])
def test_two_of_three_members_is_a_quorum_and_the_decision_reaches_the_funds(
    place: Place, present: int, quorate: bool
) -> None:
    """The council's 2/3 and the funds rule agree exactly: 2 of 3 signed in decide."""
    assert len(place.members) == 3
    if not quorate:
        with pytest.raises(DomainError) as error:
            council_decides(place, title="买椅子", amount="500", present=present)
        assert error.value.code == "no_quorum"
        assert not ApprovalRecord.objects.exists()
        return
    item = council_decides(place, title="买椅子", amount="500", present=present, votes_for=2)
    assert item.status == AgendaItem.Status.PASSED
    record = ApprovalRecord.objects.get(id=item.approval_record_id or 0)
    assert (record.members_total, record.members_present, record.votes_for) == (3, 2, 2)


def test_two_of_three_with_one_against_is_a_quorum_but_not_a_majority(place: Place) -> None:
    item = council_decides(place, title="买椅子", amount="500", present=2, votes_for=1)
    assert (item.status, item.approval_record_id) == (AgendaItem.Status.REJECTED, None)


def _vote_in_progress(place: Place) -> AgendaItem:
    meeting_id = open_meeting(place, present=2)
    item = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="spending", title="路灯", amount="8000"
    )
    meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    for user in place.residents[:2]:
        meetings.item_vote(actor=user, item_id=item.pk, choice="for")
    return item


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.STREET_OFFICER, YULIN), (Role.DISTRICT_OFFICER, WUHOU)],
)
def test_a_street_or_district_officer_closes_the_vote_and_records_the_decision(
    place: Place, role: str, scope: str
) -> None:
    officer = make_staff("officer", role, scope)
    item = _vote_in_progress(place)
    decided = meetings.item_close_vote(actor=officer, item_id=item.pk)
    record = ApprovalRecord.objects.get(id=decided.approval_record_id or 0)
    assert (record.source, record.created_by_id, record.amount) == (
        "participation",
        officer.pk,
        Decimal("8000.00"),
    )
    assert AuditEvent.objects.filter(verb="funds.decision_recorded", actor=officer).exists()


@pytest.mark.parametrize(
    ("role", "scope", "error"),
    [
        (Role.CITY_COMMITTEE, CITY, PermissionDenied),
        (Role.AUDITOR, WUHOU, NotFound),
        (Role.STREET_OFFICER, "510104017000", NotFound),
    ],
)
def test_others_cannot_close_a_spending_vote(
    place: Place, role: str, scope: str, error: type[Exception]
) -> None:
    item = _vote_in_progress(place)
    with pytest.raises(error):
        meetings.item_close_vote(actor=make_staff("other", role, scope), item_id=item.pk)
    item.refresh_from_db()
    assert (item.status, item.approval_record_id) == (AgendaItem.Status.VOTING, None)
    assert not ApprovalRecord.objects.exists()


def test_a_street_officer_runs_a_round_to_commitments(place: Place) -> None:
    street = make_staff("street_yl", Role.STREET_OFFICER, YULIN)
    fund_community(NIJIAQIAO, Decimal("200000"))
    budget_round = rounds.round_create(
        actor=street, community_code=NIJIAQIAO, title="街道统筹", budget="50000"
    )
    for title, cost in (("路灯", 30000), ("座椅", 10000)):
        project = rounds.project_add(actor=street, round_id=budget_round.pk, title=title, cost=cost)
        rounds.project_review(actor=street, project_id=project.pk, feasible=True)
    for _ in range(3):
        rounds.round_advance(actor=street, round_id=budget_round.pk)
    ids = list(budget_round.projects.values_list("id", flat=True))
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=ids)
    rounds.round_advance(actor=street, round_id=budget_round.pk)
    item = council_decides(place, title="街道统筹结果", amount="40000")
    rounds.round_attach_decision(actor=street, round_id=budget_round.pk, item_id=item.pk)
    rounds.round_advance(actor=street, round_id=budget_round.pk)
    assert Commitment.objects.filter(created_by=street).count() == 2
    assert balance("fund") == Decimal("160000.00")
    assert ledger_reconcile()[1] == []
