"""manage.py seed_participation — demo data for 倪家桥社区: a council with members, proposals
with supports, a decided meeting, a budgeting round run from opening to commitments, and an
open round the demo resident can vote in. A second run adds nothing."""

import random
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from shequ.core.errors import DomainError
from shequ.funds.selectors import balances_of
from shequ.participation.models import (
    Council,
    CouncilMember,
    Proposal,
    Round,
    RoundVoter,
    Support,
)
from shequ.participation.services import (
    answers,
    ballots,
    comments,
    councils,
    meetings,
    proposals,
    rounds,
)
from shequ.people.demo import NIJIAQIAO
from shequ.people.models import Resident, User

COUNCIL_NAME = "倪家桥社区居民议事会"
MIN_VOTERS = 60  # verified residents the demo needs for a council and a round of ballots
PROJECTS = [
    ("口袋公园改造", 120000, True),
    ("楼道加装扶手", 40000, True),
    ("社区读书角", 30000, False),
    ("老年助餐点", 80000, False),
    ("儿童游乐设施", 60000, True),
    ("垃圾分类宣传", 15000, False),
]
PROPOSALS = [
    ("小区东门加装路灯", "晚上东门太黑，老人出行不便。", "safety", "20000"),
    ("增设快递柜", "快递堆在门卫室，容易丢失。", "facilities", "15000"),
    ("周末亲子活动", "希望每月组织一次亲子手工活动。", "culture", "3000"),
]


def _thousands(amount: Decimal | int) -> Decimal:
    """Whole thousands of yuan, rounded down (round budgets and costs are whole yuan)."""
    return (Decimal(amount) / 1000).to_integral_value(rounding=ROUND_FLOOR) * 1000


def _verify_voters(worker: User, resident_user: User) -> None:
    """The demo registry is mostly unverified: the worker checks enough residents' ID
    cards at the counter (现场核验) for a council and a round of paper ballots."""
    from shequ.people.services.residents import resident_verify_in_person

    verified = (
        Resident.objects.filter(community_id=NIJIAQIAO, verification_level__gte=1)
        .exclude(user=resident_user)
        .count()
    )
    wanted = max(0, MIN_VOTERS - verified)
    candidates = Resident.objects.filter(
        community_id=NIJIAQIAO, verification_level=0, user__isnull=True
    ).order_by("id")[:wanted]
    for resident in candidates:
        try:
            resident_verify_in_person(
                actor=worker, resident_id=resident.pk, note="参与式预算纸质投票前现场核验"
            )
        except DomainError:
            continue  # e.g. no ID number on record: the next resident comes to the counter


def _registry(resident_user: User) -> list[Resident]:
    return list(
        Resident.objects.filter(community_id=NIJIAQIAO, verification_level__gte=1)
        .exclude(user=resident_user)
        .order_by("id")[:400]
    )


def ensure_demo_council(worker: User, resident_user: User) -> tuple[Council, list[CouncilMember]]:
    """The demo residents' council of 倪家桥社区: the demo resident and six verified
    neighbours, in office for the demo's whole span. Created once; ``seed_funds`` records its
    demo decisions against this register, so it may come first."""
    council = Council.objects.filter(community_id=NIJIAQIAO, name=COUNCIL_NAME).first()
    if council is not None:
        return council, list(council.members.order_by("-is_chair", "id"))
    _verify_voters(worker, resident_user)
    council = councils.council_create(
        actor=worker, community_code=NIJIAQIAO, name=COUNCIL_NAME, support_threshold=10
    )
    today = timezone.localdate()
    start, end = today - timedelta(days=200), date(today.year + 2, 12, 31)
    member_residents = [resident_user.resident, *_registry(resident_user)[:6]]
    members = [
        councils.member_add(
            actor=worker,
            council_id=council.pk,
            resident_id=r.pk,
            term_start=start,
            term_end=end,
            is_chair=i == 0,
        )
        for i, r in enumerate(member_residents)
    ]
    return council, members


class Command(BaseCommand):
    help = "Seed demo participation data for 倪家桥社区 (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The council may already be there (seed_funds registers it for its decisions).
        if Proposal.objects.filter(community_id=NIJIAQIAO, title=PROPOSALS[0][0]).exists():
            self.stdout.write("participation: demo data already present")
            return
        worker = User.objects.filter(username="worker").first()
        resident_user = User.objects.filter(username="resident").first()
        if worker is None or resident_user is None:
            self.stdout.write("participation: demo accounts missing, skipped")
            return
        with transaction.atomic():
            self._seed(worker, resident_user)
        self.stdout.write("participation: council, proposals, meetings and rounds in 倪家桥社区")

    def _fund(self) -> tuple[str, int, Decimal]:
        year = timezone.localdate().year
        rows = [r for r in balances_of(NIJIAQIAO) if r.year == year and r.track != "donation"]
        best = max(rows, key=lambda r: r.available, default=None)
        if best is None:
            return "incentive", year, Decimal(0)
        return best.track, year, best.available

    def _seed(self, worker: User, resident_user: User) -> None:
        rng = random.Random(2026)  # noqa: S311 - demo data, not security
        council, members = ensure_demo_council(worker, resident_user)
        registry = _registry(resident_user)
        for title, text, category, cost in PROPOSALS:
            proposal = proposals.proposal_create(
                actor=resident_user,
                community_code=NIJIAQIAO,
                title=title,
                description=text,
                category=category,
                estimated_cost=cost,
            )
            supporters = rng.sample(registry, min(len(registry), rng.randint(4, 14)))
            Support.objects.bulk_create(Support(proposal=proposal, resident=r) for r in supporters)
            status = Proposal.Status.ON_AGENDA if len(supporters) >= 10 else Proposal.Status.OPEN
            Proposal.objects.filter(pk=proposal.pk).update(supports=len(supporters), status=status)
        first = Proposal.objects.get(community_id=NIJIAQIAO, title=PROPOSALS[0][0])
        comments.comment_post(
            actor=worker,
            target="proposal",
            key=first.pk,
            body="社区已联系物业核实东门照明情况，下周答复。",
        )
        answers.answer_create(
            actor=worker,
            proposal_id=first.pk,
            state="evaluating",
            text="社区正在与物业核算路灯的安装费用。",
        )

        track, year, available = self._fund()
        # Up to 300,000 yuan, at most 60% of what the fund has free (the budget is reserved in
        # the ledger when the round opens); the projects' costs scale with the budget.
        budget = min(Decimal(300000), _thousands(available * Decimal("0.6")))
        if budget < 30000:
            self.stdout.write("participation: the community fund is too small, rounds skipped")
            return
        scale = budget / Decimal(300000)
        done = rounds.round_create(
            actor=worker,
            community_code=NIJIAQIAO,
            title=f"{year}年社区微更新（参与式预算）",
            budget=budget,
            fund_track=track,
            fund_year=year,
        )
        for name, price, works in PROJECTS:
            project = rounds.project_add(
                actor=worker,
                round_id=done.pk,
                title=name,
                cost=_thousands(price * scale),
                is_works=works,
            )
            rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
        for _ in range(3):
            rounds.round_advance(actor=worker, round_id=done.pk)
        done.refresh_from_db()
        ids = list(done.projects.values_list("id", flat=True))
        weights = [5, 4, 3, 3, 2, 1]
        for voter in registry[:300]:
            choice = sorted(set(rng.choices(ids, weights=weights, k=rng.randint(1, 3))))
            costs = dict(done.projects.values_list("id", "cost"))
            while sum(costs[p] for p in choice) > done.budget:
                choice.pop()
            # Demo ballots of residents without accounts: stored as paper ballots.
            ballots._record_ballot(done, voter, choice, RoundVoter.Channel.PAPER)
        rounds.round_advance(actor=worker, round_id=done.pk)
        done.refresh_from_db()
        total = sum(p.cost for p in rounds.round_winners(done))
        if not total:
            self.stdout.write("participation: no ballots in the demo round, results not decided")
            return

        meeting = meetings.meeting_schedule(
            actor=worker,
            council_id=council.pk,
            title="议事会：确认参与式预算结果",
            starts_at=timezone.now() - timedelta(hours=2),
            location="倪家桥社区党群服务中心",
        )
        meetings.meeting_open(actor=worker, meeting_id=meeting.pk)
        for member in members[:6]:
            meetings.attendance_sign_in(actor=worker, meeting_id=meeting.pk, member_id=member.pk)
        item = meetings.agenda_add(
            actor=worker, meeting_id=meeting.pk, kind="spending", title=done.title, amount=total
        )
        meetings.item_open_vote(actor=worker, item_id=item.pk)
        for member, hand in zip(members[:6], ["for"] * 5 + ["abstain"], strict=True):
            meetings.item_vote(actor=worker, item_id=item.pk, choice=hand, member_id=member.pk)
        meetings.item_close_vote(actor=worker, item_id=item.pk)
        meetings.meeting_close(
            actor=worker, meeting_id=meeting.pk, minutes_text="出席6人，赞成5票，弃权1票，通过。"
        )
        rounds.round_attach_decision(actor=worker, round_id=done.pk, item_id=item.pk)
        rounds.round_advance(actor=worker, round_id=done.pk)

        free = next(
            (r.available for r in balances_of(NIJIAQIAO) if (r.track, r.year) == (track, year)),
            Decimal(0),
        )
        open_budget = min(Decimal(50000), _thousands(free / 2))
        if open_budget < 10000:
            self.stdout.write("participation: no money left for an open round, skipped")
            return
        open_scale = open_budget / Decimal(50000)
        open_round = rounds.round_create(
            actor=worker,
            community_code=NIJIAQIAO,
            title=f"{year}年社区活动经费",
            budget=open_budget,
            rule=Round.Rule.K_APPROVAL,
            max_choices=2,
            fund_track=track,
            fund_year=year,
        )
        for name, price in (
            ("重阳节敬老活动", 20000),
            ("暑期少儿课堂", 25000),
            ("邻里美食节", 15000),
        ):
            project = rounds.project_add(
                actor=worker,
                round_id=open_round.pk,
                title=name,
                cost=_thousands(price * open_scale),
            )
            rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
        for _ in range(3):
            rounds.round_advance(actor=worker, round_id=open_round.pk)
        meetings.meeting_schedule(
            actor=worker,
            council_id=council.pk,
            title="下月议事会",
            starts_at=timezone.now() + timedelta(days=20),
            location="倪家桥社区党群服务中心",
            capacity=30,
        )
