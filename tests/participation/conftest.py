"""Fixtures: a community with verified residents, a worker, a council and a funded account."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from shequ.core.scopes import Role
from shequ.funds.models import Account, LedgerTransaction, Posting
from shequ.participation.models import AgendaItem, Council, CouncilMember, Round
from shequ.participation.services import councils, meetings, rounds
from shequ.people.models import User, VerificationLevel
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user


def fund_community(
    code: str, amount: Decimal, *, track: str = "incentive", year: int | None = None
) -> None:
    """Put money into a community fund as a balanced ledger entry (test set-up only)."""
    with transaction.atomic():
        _fund(code, amount, track, year)


def _fund(code: str, amount: Decimal, track: str, year: int | None) -> None:
    year = year or timezone.localdate().year
    pool, _ = Account.objects.get_or_create(
        kind=Account.Kind.DISTRICT_POOL, division_id=code[:6] + "000000", track=track, year=year
    )
    fund, _ = Account.objects.get_or_create(
        kind=Account.Kind.FUND, division_id=code, track=track, year=year
    )
    entry = LedgerTransaction.objects.create(
        kind=LedgerTransaction.Kind.ALLOCATION, division_id=code, year=year, memo="test"
    )
    Posting.objects.bulk_create(
        [
            Posting(transaction=entry, account=pool, amount=-amount),
            Posting(transaction=entry, account=fund, amount=amount),
        ]
    )
    Account.objects.filter(pk=pool.pk).update(balance=pool.balance - amount)
    Account.objects.filter(pk=fund.pk).update(balance=fund.balance + amount)


@dataclass
class Place:
    worker: User
    other_worker: User
    residents: list[User]
    outsider: User
    unverified: User
    council: Council
    members: list[CouncilMember]


def resident_user(
    name: str, community: str = NIJIAQIAO, level: int = VerificationLevel.REGISTRY_MATCHED
) -> User:
    user = make_user(name)
    make_resident(community, user=user, name=name, level=level)
    return user


@pytest.fixture
def place(chengdu: None) -> Place:
    return make_place()


def make_place() -> Place:
    """A worker of 倪家桥社区 and one of 水井坊社区, six verified residents, an outsider, an
    unverified resident, and a council (threshold 3) whose first three residents sit on it."""
    worker = make_staff("pw", Role.COMMUNITY_WORKER, NIJIAQIAO)
    other = make_staff("pw_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    residents = [resident_user(f"r{i}") for i in range(6)]
    outsider = resident_user("outsider", SHUIJINGFANG)
    unverified = resident_user("unverified", level=0)
    council = councils.council_create(
        actor=worker, community_code=NIJIAQIAO, name="倪家桥社区居民议事会", support_threshold=3
    )
    today = timezone.localdate()
    members = [
        councils.member_add(
            actor=worker,
            council_id=council.pk,
            resident_id=u.resident.pk,
            term_start=today - timedelta(days=30),
            term_end=date(today.year + 3, 1, 1),
            is_chair=i == 0,
        )
        for i, u in enumerate(residents[:3])
    ]
    return Place(worker, other, residents, outsider, unverified, council, members)


def voting_round(
    place: Place,
    *,
    rule: str = Round.Rule.APPROVAL_BUDGET,
    k: int = 2,
    vote_level: int | str | None = None,
) -> Round:
    """A round of 100,000 yuan with three reviewed projects, in its voting phase."""
    fund_community(NIJIAQIAO, Decimal("500000"))
    budget_round = rounds.round_create(
        actor=place.worker,
        community_code=NIJIAQIAO,
        title="2026年微更新",
        budget="100000",
        rule=rule,
        max_choices=k,
        vote_level=vote_level,
    )
    for title, cost in (("口袋公园", 60000), ("加装扶手", 40000), ("读书角", 30000)):
        project = rounds.project_add(
            actor=place.worker, round_id=budget_round.pk, title=title, cost=cost
        )
        rounds.project_review(actor=place.worker, project_id=project.pk, feasible=True)
    for _ in range(3):
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    budget_round.refresh_from_db()
    assert budget_round.phase == Round.Phase.VOTING
    return budget_round


def open_meeting(place: Place, *, present: int) -> int:
    meeting = meetings.meeting_schedule(
        actor=place.worker,
        council_id=place.council.pk,
        title="三月议事会",
        starts_at=timezone.now(),
    )
    meetings.meeting_open(actor=place.worker, meeting_id=meeting.pk)
    for user in place.residents[:present]:
        meetings.attendance_sign_in(actor=user, meeting_id=meeting.pk, token=meeting.checkin_token)
    return meeting.pk


def council_decides(
    place: Place, *, title: str, amount: object, present: int = 3, votes_for: int = 3
) -> AgendaItem:
    """A council meeting with ``present`` members signed in passes a spending item."""
    meeting_id = open_meeting(place, present=present)
    item = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="spending", title=title, amount=str(amount)
    )
    meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    for index, user in enumerate(place.residents[:present]):
        choice = "for" if index < votes_for else "against"
        meetings.item_vote(actor=user, item_id=item.pk, choice=choice)
    return meetings.item_close_vote(actor=place.worker, item_id=item.pk)
