"""Reads of resident participation: public lists of a community, and staff lists scoped to
the user's areas."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role, within
from shequ.participation import comment_reads, search
from shequ.participation.models import (
    AgendaItem,
    Comment,
    Council,
    CouncilMember,
    Debate,
    ItemVote,
    ItemVoter,
    Meeting,
    Proposal,
    ProposalPhoto,
    Round,
    RoundProject,
    RoundResult,
)
from shequ.participation.permissions import ORGANISERS
from shequ.people.permissions import areas_of
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division

OPEN_STATUSES = (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA)
PUBLIC_STATUSES = [Proposal.Status.OPEN, Proposal.Status.ON_AGENDA, Proposal.Status.DECIDED]

# The comment reads live in comment_reads; views and the API reach them through here.
Thread = comment_reads.Thread
CommentPage = comment_reads.CommentPage
comment_page = comment_reads.comment_page
comment_threads = comment_reads.comment_threads
my_comment_votes = comment_reads.my_comment_votes
comment_queue = comment_reads.comment_queue
comment_reports = comment_reads.comment_reports
comment_get_public = comment_reads.comment_get_public


def community_get(code: str) -> Division:
    """Raises: NotFound for anything that is not a community."""
    division = Division.objects.filter(pk=code, level=Division.Level.COMMUNITY).first()
    if division is None:
        raise NotFound("community_not_found", _("No such community."))
    return division


def proposal_list_public(*, community_code: str) -> QuerySet[Proposal]:
    """Visible proposals of a community, most supported first (hidden and merged left out)."""
    return Proposal.objects.filter(community_id=community_code, status__in=PUBLIC_STATUSES)


def proposal_get_public(proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.filter(pk=proposal_id)
        .exclude(status=Proposal.Status.HIDDEN)
        .select_related("community", "merged_into")
        .first()
    )
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    return proposal


def proposal_list_for(*, user: Any, status: str = "") -> QuerySet[Proposal]:
    """Every proposal (hidden ones too) inside the staff user's areas."""
    queryset = scope_queryset(
        Proposal.objects.select_related("community"), user, division_field="community_id"
    )
    return queryset.filter(status=status) if status else queryset


def round_list_public(*, community_code: str) -> QuerySet[Round]:
    return Round.objects.filter(community_id=community_code).exclude(phase=Round.Phase.DRAFT)


def round_list_for(*, user: Any) -> QuerySet[Round]:
    return scope_queryset(
        Round.objects.select_related("community"), user, division_field="community_id"
    )


def round_get(round_id: int, *, user: Any = None, staff: bool = False) -> Round:
    """A round with its projects and results. Public: not while being prepared.
    Staff: only inside their areas. Raises: NotFound."""
    queryset = Round.objects.select_related("community").prefetch_related(
        Prefetch("projects", queryset=RoundProject.objects.order_by("id")),
        Prefetch("results", queryset=RoundResult.objects.order_by("method")),
    )
    if staff:
        queryset = scope_queryset(queryset, user, division_field="community_id")
    else:
        queryset = queryset.exclude(phase=Round.Phase.DRAFT)
    budget_round = queryset.filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    return budget_round


PUBLISHED_PHASES = (Round.Phase.RESULTS, Round.Phase.IMPLEMENTATION)


class ResultsNotPublished(DomainError):
    """The round exists but its results are not out yet: nothing to export (409)."""

    status = 409


def round_published(round_id: int) -> Round:
    """A round whose results are published, for its open data (Pabulib, results CSV).

    Raises: NotFound (no such round, or still being prepared); ResultsNotPublished
    ``results_not_published`` while it collects, reviews or votes."""
    budget_round = round_get(round_id)
    if budget_round.phase not in PUBLISHED_PHASES:
        raise ResultsNotPublished(
            "results_not_published",
            _("The results of this budgeting round are not published yet: its open data comes "
              "once they are."),
        )  # fmt: skip
    return budget_round


def rounds_published(*, limit: int = 200) -> QuerySet[Round]:
    """Rounds whose results are out, most recently closed first, for the open-data page."""
    return (
        Round.objects.filter(phase__in=PUBLISHED_PHASES)
        .select_related("community")
        .order_by("-voting_until", "-id")[:limit]
    )


# ---------------------------------------------------------------- the council register


def residents_council(community_code: str) -> Council | None:
    """The community's residents' council (the first one), if it has one."""
    return (
        Council.objects.filter(community_id=community_code, kind=Council.Kind.COUNCIL)
        .order_by("id")
        .first()
    )


def register_size(community_code: str, on: date) -> int:
    """How many members of the community's residents' council are in office on ``on``
    (0 when the community has registered no council)."""
    council = residents_council(community_code)
    if council is None:
        return 0
    return council.members.filter(term_start__lte=on, term_end__gte=on).count()


@dataclass(frozen=True)
class HeldMeeting:
    """What the register and the sign-in say of a council meeting that was held."""

    meeting_id: int
    community_code: str
    title: str
    held_on: date
    in_office: int
    present: int


def _held() -> QuerySet[Meeting]:
    return Meeting.objects.filter(status__in=[Meeting.Status.OPEN, Meeting.Status.CLOSED]).annotate(
        signed_in=Count("attendance")
    )


def _as_held(meeting: Meeting) -> HeldMeeting:
    return HeldMeeting(
        meeting_id=meeting.pk,
        community_code=meeting.community_id,
        title=meeting.title,
        # A meeting opened before its scheduled start was held that day.
        held_on=min(timezone.localdate(meeting.starts_at), timezone.localdate()),
        in_office=meeting.members_total,
        present=meeting.signed_in,  # type: ignore[attr-defined]
    )


def meetings_held(community_code: str, *, limit: int = 50) -> list[HeldMeeting]:
    """The community's council meetings that were opened (in session or closed), newest
    first, with the members in office when each opened and the members who signed in."""
    rows = _held().filter(community_id=community_code).order_by("-starts_at", "-id")[:limit]
    return [_as_held(m) for m in rows]


def meeting_held(community_code: str, meeting_id: int) -> HeldMeeting | None:
    """One held meeting of the community (None for another community's, or one not held)."""
    found = _held().filter(community_id=community_code, pk=meeting_id).first()
    return _as_held(found) if found is not None else None


# Where a round's ballot stands at a moment: the phase and the voting dates together.
NOT_VOTING, NOT_YET, OPEN, CLOSED = "not_voting", "not_yet", "open", "closed"


def voting_status(budget_round: Round, *, now: datetime | None = None) -> str:
    """``open`` only when the round is in its voting phase *and* inside its voting dates;
    ``not_yet`` before ``voting_from``, ``closed`` from ``voting_until`` on, ``not_voting``
    in any other phase. The ballot page and the ballot services read the same answer."""
    if budget_round.phase != Round.Phase.VOTING:
        return NOT_VOTING
    now = now or timezone.now()
    if budget_round.voting_from is not None and now < budget_round.voting_from:
        return NOT_YET
    if budget_round.voting_until is not None and now >= budget_round.voting_until:
        return CLOSED
    return OPEN


def meeting_list_public(*, community_code: str) -> QuerySet[Meeting]:
    return Meeting.objects.filter(community_id=community_code).select_related("council")


def meeting_list_for(*, user: Any) -> QuerySet[Meeting]:
    return scope_queryset(
        Meeting.objects.select_related("council", "community"), user, division_field="community_id"
    )


def meeting_get(meeting_id: int, *, user: Any = None, staff: bool = False) -> Meeting:
    queryset = Meeting.objects.select_related("council", "community").prefetch_related(
        Prefetch("items", queryset=AgendaItem.objects.select_related("proposal"))
    )
    if staff:
        queryset = scope_queryset(queryset, user, division_field="community_id")
    meeting = queryset.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    return meeting


# ---------------------------------------------------------------- console (staff)

MAX_COMMUNITY_CHOICES = 300


def communities_for(user: Any) -> tuple[list[Division], bool]:
    """The communities whose councils and rounds the user may run, and whether there are too
    many to list (city-wide roles): then the console asks for a community code instead."""
    condition = Q(pk__in=[])
    for area in areas_of(user):
        if area.role not in ORGANISERS and area.role != Role.SYSTEM_ADMIN:
            continue
        if area.is_everywhere:
            return [], True
        if area.division_code:
            condition |= within("code", area.division_code)
    queryset = Division.objects.filter(condition, level=Division.Level.COMMUNITY).order_by("code")
    found = list(queryset[: MAX_COMMUNITY_CHOICES + 1])
    if len(found) > MAX_COMMUNITY_CHOICES:
        return [], True
    return found, False


def community_for_staff(code: str, *, user: Any) -> Division:
    """A community inside the staff user's areas. Raises: NotFound."""
    division = scope_queryset(
        Division.objects.filter(pk=code, level=Division.Level.COMMUNITY),
        user,
        division_field="code",
    ).first()
    if division is None:
        raise NotFound("community_not_found", _("No such community."))
    return division


def council_list(*, community_code: str) -> QuerySet[Council]:
    return Council.objects.filter(community_id=community_code).order_by("id")


def council_get(council_id: int, *, user: Any) -> Council:
    """A council inside the staff user's areas. Raises: NotFound."""
    council = (
        scope_queryset(
            Council.objects.select_related("community"), user, division_field="community_id"
        )
        .filter(pk=council_id)
        .first()
    )
    if council is None:
        raise NotFound("council_not_found", _("No such council."))
    return council


def member_list(council: Council) -> QuerySet[CouncilMember]:
    return council.members.select_related("resident").order_by("-term_end", "-is_chair", "id")


def proposal_get_for(proposal_id: int, *, user: Any) -> Proposal:
    proposal = (
        scope_queryset(
            Proposal.objects.select_related("community"), user, division_field="community_id"
        )
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    return proposal


def proposal_choices(*, community_code: str, exclude: int | None = None) -> QuerySet[Proposal]:
    """Visible proposals of a community, for picking one (agenda, project, merge target)."""
    queryset = Proposal.objects.filter(community_id=community_code, status__in=PUBLIC_STATUSES)
    return queryset.exclude(pk=exclude) if exclude else queryset


def agenda_rows(meeting: Meeting, present: list[CouncilMember]) -> list[dict[str, Any]]:
    """The agenda for the console: each item with how many members have voted and, while an
    open vote runs, every member present with the choice recorded for them so far (a show of
    hands). How anyone voted in a secret vote is never read here."""
    items = list(meeting.items.all())
    voted = dict(
        ItemVoter.objects.filter(item__meeting=meeting)
        .values("item_id")
        .annotate(n=Count("id"))
        .values_list("item_id", "n")
    )
    shown = {
        (vote.item_id, vote.member_id): vote.get_choice_display()
        for vote in ItemVote.objects.filter(item__meeting=meeting, member__isnull=False)
    }
    return [
        {
            "item": item,
            "voted": voted.get(item.pk, 0),
            "hands": [(m, shown.get((item.pk, m.pk), "")) for m in present]
            if item.status == AgendaItem.Status.VOTING and not item.secret
            else [],
        }
        for item in items
    ]


def passed_spending_items(*, community_code: str) -> QuerySet[AgendaItem]:
    """Spending items the community's council passed, newest first (to confirm a round)."""
    return (
        AgendaItem.objects.filter(
            meeting__community_id=community_code,
            kind=AgendaItem.Kind.SPENDING,
            status=AgendaItem.Status.PASSED,
        )
        .select_related("meeting")
        .order_by("-decided_at", "-id")
    )


def project_get(project_id: int, *, user: Any) -> RoundProject:
    project = (
        scope_queryset(
            RoundProject.objects.select_related("round", "round__community"),
            user,
            division_field="round__community_id",
        )
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    return project


def photo_get_public(photo_id: int) -> ProposalPhoto:
    """A photo of a proposal the public may see (not hidden). Raises: NotFound."""
    photo = (
        ProposalPhoto.objects.filter(pk=photo_id)
        .exclude(proposal__status=Proposal.Status.HIDDEN)
        .first()
    )
    if photo is None:
        raise NotFound("photo_not_found", _("No such photo."))
    return photo


def works_project_prefill(budget_round: Round, project: RoundProject) -> str:
    """Query string that pre-fills the five-major-actions registration of a winning work."""
    proposal = project.proposal
    description = gettext("Winner of the participatory budgeting round “%(round)s”: %(cost)s yuan.")
    values = {
        "name": project.title,
        "communities": budget_round.community_id,
        "year": str(budget_round.fund_year),
        "description": (description % {"round": budget_round.title, "cost": project.cost})[:2000],
    }
    if proposal is not None and proposal.lon is not None and proposal.lat is not None:
        values["location"] = json.dumps(
            {"type": "Point", "coordinates": [float(proposal.lon), float(proposal.lat)]}
        )
    return urlencode(values)


# ---------------------------------------------------------------- a proposal's page

DEFAULT_SUPPORT_THRESHOLD = 10


def support_threshold(community_code: str) -> int:
    """Supports a proposal of the community needs to reach the council's agenda."""
    council = residents_council(community_code)
    return council.support_threshold if council is not None else DEFAULT_SUPPORT_THRESHOLD


def author_label(proposal: Proposal) -> str:
    """The author as the public sees them: the resident's name masked (王*明), never the
    account name or a number."""
    from shequ.core.pii import mask_name
    from shequ.people.models import Resident

    name = (
        Resident.objects.filter(user_id=proposal.author_id)
        .values_list("real_name", flat=True)
        .first()
    )
    return mask_name(name) if name else gettext("A resident")


@dataclass(frozen=True)
class SupportProgress:
    supports: int
    threshold: int
    percent: int
    reached: bool


def support_progress(proposal: Proposal) -> SupportProgress:
    threshold = support_threshold(proposal.community_id)
    percent = min(100, proposal.supports * 100 // threshold) if threshold else 100
    return SupportProgress(
        supports=proposal.supports,
        threshold=threshold,
        percent=percent,
        reached=proposal.supports >= threshold,
    )


def may_support(proposal: Proposal, user: Any) -> bool:
    """Whether the page offers 附议: not to the author, not once supported, not when the
    proposal no longer collects support."""
    from shequ.participation.models import Support

    if proposal.status not in (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA):
        return False
    if not getattr(user, "is_authenticated", False):
        return True  # the button leads to the log-in page
    if proposal.author_id == user.pk:
        return False
    return not Support.objects.filter(proposal=proposal, resident__user_id=user.pk).exists()


# ---------------------------------------------------------------- a ballot people understand


def ballot_rule_text(budget_round: Round) -> str:
    """The round's rule and counting method in one plain sentence."""
    greedy = budget_round.method == Round.Method.GREEDY
    if budget_round.rule == Round.Rule.K_APPROVAL:
        if greedy:
            text = gettext(
                "Each person chooses at most %(k)s projects; the projects with the most votes "
                "are funded one after another while the budget lasts."
            )
        else:
            text = gettext(
                "Each person chooses at most %(k)s projects; counted by the Method of Equal "
                "Shares: every voter holds an equal share of the budget."
            )
    elif greedy:
        text = gettext(
            "Each person chooses any projects costing together at most the budget of "
            "%(budget)s yuan; the projects with the most votes are funded one after another "
            "while the budget lasts."
        )
    else:
        text = gettext(
            "Each person chooses any projects costing together at most the budget of "
            "%(budget)s yuan; counted by the Method of Equal Shares: every voter holds an equal "
            "share of the budget."
        )
    return text % {"k": budget_round.max_choices, "budget": f"{budget_round.budget:.0f}"}


@dataclass(frozen=True)
class BallotProject:
    project: RoundProject
    photo: ProposalPhoto | None


def ballot_projects(budget_round: Round) -> list[BallotProject]:
    """The feasible projects of a round with the first photo of the proposal each came from."""
    projects = [p for p in budget_round.projects.all() if p.review == RoundProject.Review.FEASIBLE]
    proposal_ids = [p.proposal_id for p in projects if p.proposal_id]
    first: dict[int, ProposalPhoto] = {}
    for photo in ProposalPhoto.objects.filter(proposal_id__in=proposal_ids).order_by(
        "proposal_id", "position"
    ):
        first.setdefault(photo.proposal_id, photo)
    return [BallotProject(p, first.get(p.proposal_id) if p.proposal_id else None) for p in projects]


def voters_so_far(budget_round: Round) -> int:
    from shequ.participation.models import RoundVoter

    return RoundVoter.objects.filter(round=budget_round).count()


# ---------------------------------------------------------------- finding proposals

SORTS = {
    "supports": ["-supports", "-id"],
    "newest": ["-created_at", "-id"],
    "discussed": ["-comments_count", "-id"],
}


@dataclass(frozen=True)
class ProposalQuery:
    text: str = ""
    status: str = ""
    category: str = ""
    area: str = ""
    sort: str = "supports"


def proposal_search(query: ProposalQuery) -> QuerySet[Proposal]:
    """Proposals anyone may see (hidden and merged ones never) matching the words (every
    word, through the jieba index: ``participation.search``), state, category and area (a
    community, street or district code), most supported, newest or most discussed first."""
    queryset = (
        Proposal.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("community")
        .defer("search_tokens")
    )
    words = search.word_filter(query.text)
    if words is not None:
        queryset = queryset.filter(words)
    if query.status in Proposal.Status.values:
        queryset = queryset.filter(status=query.status)
    if query.category in Proposal.Category.values:
        queryset = queryset.filter(category=query.category)
    if query.area.isdigit() and len(query.area) == 12:
        queryset = queryset.filter(within("community_id", query.area))
    return queryset.order_by(*SORTS.get(query.sort, SORTS["supports"]))


# "Find proposals" counts at most this many matches (counting 100,000 rows for every search
# is what made it slow); past it the page says so and pages through the first ones.
FOUND_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts no further than ``cap`` rows (``capped`` when there are more)."""

    cap = FOUND_CAP

    @cached_property
    def counted(self) -> int:
        rows = cast(QuerySet[Proposal], self.object_list)
        return rows.order_by()[: self.cap + 1].count()  # unordered: stops at cap + 1

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap


def proposal_page(found: QuerySet[Proposal], number: str | None, *, per_page: int = 20) -> Page:
    """The page ``number`` of the proposals found (the first for anything not a page number)."""
    return CappedPaginator(found, per_page).get_page(number)


def area_choices() -> list[tuple[str, str]]:
    """Districts of the city, for the area filter."""
    return list(
        Division.objects.filter(level=Division.Level.DISTRICT)
        .order_by("code")
        .values_list("code", "name")
    )


def proposal_points(queryset: QuerySet[Proposal], *, limit: int = 2000) -> list[dict[str, Any]]:
    """The proposals with a map point, for the map (id, title, lon, lat, supports)."""
    rows = queryset.filter(lon__isnull=False, lat__isnull=False).values_list(
        "id", "title", "lon", "lat", "supports"
    )[:limit]
    return [
        {"id": pk, "title": title, "lon": float(lon), "lat": float(lat), "supports": n}
        for pk, title, lon, lat, n in rows
        if lon is not None and lat is not None
    ]


def division_name(code: str) -> str:
    return Division.objects.filter(pk=code).values_list("name", flat=True).first() or ""


@dataclass(frozen=True)
class Seats:
    capacity: int | None
    registered: int
    waiting: int
    mine: str  # "", "registered" or "waiting"


def meeting_seats(meeting: Meeting, *, user: Any) -> Seats:
    from shequ.participation.models import Registration

    counts = dict(
        Registration.objects.filter(meeting=meeting)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    mine = ""
    if getattr(user, "is_authenticated", False):
        mine = (
            Registration.objects.filter(meeting=meeting, user_id=user.pk)
            .values_list("status", flat=True)
            .first()
            or ""
        )
    return Seats(
        capacity=meeting.capacity,
        registered=counts.get("registered", 0),
        waiting=counts.get("waiting", 0),
        mine=mine,
    )


# ---------------------------------------------------------------- debates


def _with_argument_counts(queryset: QuerySet[Debate]) -> QuerySet[Debate]:
    """Each debate with how many visible arguments it has for and against (one query)."""
    from django.db.models import CharField, OuterRef, Subquery
    from django.db.models.functions import Cast, Coalesce

    def count(stance: str) -> Any:
        rows = (
            Comment.objects.filter(
                target=Comment.Target.DEBATE,
                target_key=Cast(OuterRef("pk"), output_field=CharField()),
                parent__isnull=True,
                stance=stance,
                status=Comment.Status.VISIBLE,
            )
            .order_by()
            .values("target_key")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(rows), 0)

    return queryset.annotate(
        arguments_for=count(Comment.Stance.FOR), arguments_against=count(Comment.Stance.AGAINST)
    )


def debate_list_public(*, community_code: str) -> QuerySet[Debate]:
    """A community's debates that have opened, open ones first, newest first."""
    return _with_argument_counts(
        Debate.objects.filter(community_id=community_code, opens_at__lte=timezone.now())
        .select_related("council")
        .order_by("-status", "-opens_at", "-id")
    )


def debate_get_public(debate_id: int) -> Debate:
    """Raises: NotFound for a debate that does not exist or has not opened yet."""
    debate = (
        _with_argument_counts(Debate.objects.select_related("council", "community"))
        .filter(pk=debate_id, opens_at__lte=timezone.now())
        .first()
    )
    if debate is None:
        raise NotFound("debate_not_found", _("No such debate."))
    return debate


def debate_accepts_arguments(debate: Debate) -> bool:
    return debate.status == Debate.Status.OPEN and debate.opens_at <= timezone.now() < (
        debate.closes_at
    )


def debate_list_for(*, community_code: str) -> QuerySet[Debate]:
    """Every debate of a community for its staff (also those not opened yet)."""
    return _with_argument_counts(
        Debate.objects.filter(community_id=community_code)
        .select_related("council")
        .order_by("-status", "-opens_at", "-id")
    )


def debate_get_for(debate_id: int, *, user: Any) -> Debate:
    """A debate inside the staff user's areas. Raises: NotFound."""
    debate = (
        scope_queryset(
            _with_argument_counts(Debate.objects.select_related("council", "community")),
            user,
            division_field="community_id",
        )
        .filter(pk=debate_id)
        .first()
    )
    if debate is None:
        raise NotFound("debate_not_found", _("No such debate in your area."))
    return debate
