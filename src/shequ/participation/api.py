"""Participation over the API: public reads of a community, resident actions, staff actions."""

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.participation import open_data, pabulib, selectors
from shequ.participation.models import Answer, Comment, Council, Debate, Proposal, Round
from shequ.participation.services import (
    answers,
    ballots,
    comments,
    councils,
    debates,
    proposals,
    rounds,
)
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["participation"])


class ProposalIn(Schema):
    community: str
    title: str
    description: str
    category: str
    estimated_cost: Decimal | None = None
    lon: Decimal | None = None
    lat: Decimal | None = None


class ProposalOut(Schema):
    id: int
    community_code: str
    title: str
    description: str
    category: str
    status: str
    supports: int
    estimated_cost: Decimal | None
    created_at: datetime

    @staticmethod
    def resolve_community_code(obj: Proposal) -> str:
        return obj.community_id


class HideIn(Schema):
    reason: str


class MergeIn(Schema):
    into: int
    reason: str = ""


class ProposalFollowOut(Schema):
    following: bool


class LevelIn(Schema):
    """A verification level (number or name); null: the level set for the whole system."""

    level: int | str | None = None


class RulesIn(Schema):
    rule: str
    max_choices: int = 3
    method: str
    budget: Decimal | None = None


class DatesIn(Schema):
    """The phase dates; an omitted one is cleared (send all four to keep them)."""

    collect_until: date | None = None
    review_until: date | None = None
    voting_from: datetime | None = None
    voting_until: datetime | None = None


class DatesOut(Schema):
    id: int
    phase: str
    collect_until: date | None
    review_until: date | None
    voting_from: datetime | None
    voting_until: datetime | None


class RoundProjectOut(Schema):
    """A project on a round's ballot (not a ``projects`` app project)."""

    id: int
    title: str
    cost: Decimal
    review: str


class ResultOut(Schema):
    method: str
    winners: list[int]
    voters: int
    spent: Decimal
    steps: list[dict[str, object]]


class RoundOut(Schema):
    id: int
    community_code: str
    title: str
    budget: Decimal
    phase: str
    rule: str
    max_choices: int
    method: str
    vote_level: int | None
    projects: list[RoundProjectOut]
    results: list[ResultOut]

    @staticmethod
    def resolve_community_code(obj: Round) -> str:
        return obj.community_id

    @staticmethod
    def resolve_projects(obj: Round) -> list[object]:
        return list(obj.projects.all())

    @staticmethod
    def resolve_results(obj: Round) -> list[object]:
        return list(obj.results.all()) if obj.phase in ("results", "implementation") else []


class CouncilLevelOut(Schema):
    id: int
    name: str
    support_level: int | None
    object_level: int | None


class RoundSummaryOut(Schema):
    id: int
    title: str
    budget: Decimal
    phase: str


class BallotIn(Schema):
    approvals: list[int]


class BallotOut(Schema):
    approvals: list[int]


class MeetingOut(Schema):
    id: int
    title: str
    starts_at: datetime
    location: str
    status: str


@router.get("/communities/{code}/proposals", response=list[ProposalOut])
@paginate
def list_proposals(request: HttpRequest, code: str) -> object:
    """A community's visible proposals, most supported first (public)."""
    selectors.community_get(code)
    return selectors.proposal_list_public(community_code=code)


class FoundProposalOut(ProposalOut):
    comments_count: int


class ProposalsFoundOut(Schema):
    count: int
    capped: bool
    page: int
    pages: int
    items: list[FoundProposalOut]


@router.get("/proposals", response=ProposalsFoundOut)
def find_proposals(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    category: str = "",
    area: str = "",
    sort: str = "supports",
    page: int = 1,
) -> dict[str, object]:
    """Find proposals as on the "find proposals" page (public: hidden and merged ones never):
    ``q`` words, each found through the Chinese (jieba) word index; ``status``, ``category``,
    ``area`` (a community, street or district code), ``sort`` ``supports`` / ``newest`` /
    ``discussed``; 20 a page. ``count`` stops at 1,000 (``capped`` when more match)."""
    found = selectors.proposal_search(
        selectors.ProposalQuery(
            text=q.strip()[:50], status=status, category=category, area=area.strip(), sort=sort
        )
    )
    shown = selectors.proposal_page(found, str(page))
    paginator = cast(selectors.CappedPaginator, shown.paginator)
    return {
        "count": paginator.count,
        "capped": paginator.capped,
        "page": shown.number,
        "pages": paginator.num_pages,
        "items": list(shown.object_list),
    }


@router.post("/proposals", response={201: ProposalOut}, auth=API_AUTH)
def create_proposal(request: HttpRequest, payload: ProposalIn) -> Status[Proposal]:
    proposal = proposals.proposal_create(
        actor=cast(User, request.user),
        community_code=payload.community,
        title=payload.title,
        description=payload.description,
        category=payload.category,
        estimated_cost=payload.estimated_cost,
        lon=payload.lon,
        lat=payload.lat,
    )
    return Status(201, proposal)


@router.post("/proposals/{proposal_id}/support", response=ProposalOut, auth=API_AUTH)
def support_proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    return proposals.proposal_support(actor=cast(User, request.user), proposal_id=proposal_id)


@router.post("/proposals/{proposal_id}/hide", response=ProposalOut, auth=API_AUTH)
def hide_proposal(request: HttpRequest, proposal_id: int, payload: HideIn) -> Proposal:
    """Staff moderation: hide with a reason (community workers of the area)."""
    return proposals.proposal_hide(
        actor=cast(User, request.user), proposal_id=proposal_id, reason=payload.reason
    )


@router.put("/proposals/{proposal_id}/follow", response=ProposalFollowOut, auth=API_AUTH)
def follow_proposal(request: HttpRequest, proposal_id: int) -> dict[str, bool]:
    """Follow a proposal (ID-checked residents of its community): a message on every change."""
    return {
        "following": proposals.proposal_follow(
            actor=cast(User, request.user), proposal_id=proposal_id, follow=True
        )
    }


@router.delete("/proposals/{proposal_id}/follow", response=ProposalFollowOut, auth=API_AUTH)
def unfollow_proposal(request: HttpRequest, proposal_id: int) -> dict[str, bool]:
    return {
        "following": proposals.proposal_follow(
            actor=cast(User, request.user), proposal_id=proposal_id, follow=False
        )
    }


@router.post("/proposals/{proposal_id}/merge", response=ProposalOut, auth=API_AUTH)
def merge_proposal(request: HttpRequest, proposal_id: int, payload: MergeIn) -> Proposal:
    """Staff: merge a duplicate into another proposal of the same community; returns the
    proposal it joined."""
    return proposals.proposal_merge(
        actor=cast(User, request.user),
        proposal_id=proposal_id,
        into_id=payload.into,
        reason=payload.reason,
    )


@router.get("/communities/{code}/rounds", response=list[RoundSummaryOut])
@paginate
def list_rounds(request: HttpRequest, code: str) -> object:
    selectors.community_get(code)
    return selectors.round_list_public(community_code=code)


@router.get("/rounds/{round_id}", response=RoundOut)
def get_round(request: HttpRequest, round_id: int) -> Round:
    """A round with its projects; results with the step-by-step tally once counted."""
    return selectors.round_get(round_id)


@router.put("/rounds/{round_id}/ballot", response=BallotOut, auth=API_AUTH)
def cast_ballot(request: HttpRequest, round_id: int, payload: BallotIn) -> dict[str, list[int]]:
    """Cast or change the caller's one ballot while voting is open."""
    ballot = ballots.ballot_cast(
        actor=cast(User, request.user), round_id=round_id, approvals=payload.approvals
    )
    return {"approvals": list(ballot.approvals)}


@router.post("/rounds/{round_id}/advance", response=RoundSummaryOut, auth=API_AUTH)
def advance_round(request: HttpRequest, round_id: int) -> Round:
    """Staff: move the round to its next phase."""
    return rounds.round_advance(actor=cast(User, request.user), round_id=round_id)


@router.put("/rounds/{round_id}/rules", response=RoundSummaryOut, auth=API_AUTH)
def set_round_rules(request: HttpRequest, round_id: int, payload: RulesIn) -> Round:
    """Staff: change the ballot rules; refused (``rules_frozen``) once voting has opened."""
    return rounds.round_set_rules(
        actor=cast(User, request.user),
        round_id=round_id,
        rule=payload.rule,
        max_choices=payload.max_choices,
        method=payload.method,
        budget=payload.budget,
    )


@router.put("/rounds/{round_id}/dates", response=DatesOut, auth=API_AUTH)
def set_round_dates(request: HttpRequest, round_id: int, payload: DatesIn) -> Round:
    """Staff: set or correct the phase dates until the first ballot is cast; while voting,
    voting must open no later than now (``voting_started``)."""
    return rounds.round_set_dates(
        actor=cast(User, request.user), round_id=round_id, **payload.dict()
    )


@router.get("/proposals.csv")
def export_proposals(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    category: str = "",
    area: str = "",
    sort: str = "supports",
) -> StreamingHttpResponse:
    """Open data: the proposals anyone can see, found as on the "find proposals" page (words,
    state, category, area code, order), with counts of supports and comments (CSV)."""
    found = selectors.proposal_search(
        selectors.ProposalQuery(
            text=q.strip()[:50], status=status, category=category, area=area.strip(), sort=sort
        )
    )
    response = StreamingHttpResponse(
        open_data.proposals_csv(found.iterator(chunk_size=2000)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="proposals.csv"'
    return response


class PublishedRoundOut(Schema):
    id: int
    title: str
    community_code: str
    community: str
    budget: Decimal
    voting_until: datetime | None
    pabulib_url: str
    results_csv_url: str

    @staticmethod
    def resolve_community_code(obj: Round) -> str:
        return obj.community_id

    @staticmethod
    def resolve_community(obj: Round) -> str:
        return obj.community.name

    @staticmethod
    def resolve_pabulib_url(obj: Round) -> str:
        return f"/api/v1/participation/rounds/{obj.pk}/pabulib"

    @staticmethod
    def resolve_results_csv_url(obj: Round) -> str:
        return f"/api/v1/participation/rounds/{obj.pk}/results.csv"


@router.get("/open-data/rounds", response=list[PublishedRoundOut])
@paginate
def list_published_rounds(request: HttpRequest) -> object:
    """Open data: every budgeting round whose results are out, with its downloads (public)."""
    return selectors.rounds_published(limit=10_000)


@router.get("/rounds/{round_id}/pabulib")
def export_round(request: HttpRequest, round_id: int) -> HttpResponse:
    """Open data: the round in the Pabulib format (``.pb``: META, PROJECTS, VOTES; anonymised
    ballots), once its results are published; 404 for no such round, 409 before."""
    budget_round = selectors.round_published(round_id)
    response = HttpResponse(
        pabulib.round_export(budget_round), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="round-{round_id}.pb"'
    return response


@router.get("/rounds/{round_id}/results.csv")
def export_round_results(request: HttpRequest, round_id: int) -> HttpResponse:
    """Open data: the round's projects with costs, votes and whether each counting method
    selected them (CSV, counts only), once its results are published; 404 / 409 as above."""
    budget_round = selectors.round_published(round_id)
    response = HttpResponse(
        open_data.round_results_csv(budget_round), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="round-{round_id}-results.csv"'
    return response


@router.get("/communities/{code}/meetings", response=list[MeetingOut])
@paginate
def list_meetings(request: HttpRequest, code: str) -> object:
    selectors.community_get(code)
    return selectors.meeting_list_public(community_code=code)


@router.put("/rounds/{round_id}/vote-level", response=RoundSummaryOut, auth=API_AUTH)
def set_round_vote_level(request: HttpRequest, round_id: int, payload: LevelIn) -> Round:
    """Staff: the verification level voting in the round needs (before voting opens)."""
    return rounds.round_set_vote_level(
        actor=cast(User, request.user), round_id=round_id, vote_level=payload.level
    )


@router.put("/councils/{council_id}/support-level", response=CouncilLevelOut, auth=API_AUTH)
def set_council_support_level(request: HttpRequest, council_id: int, payload: LevelIn) -> Council:
    """Staff: the verification level supporting a proposal of the council's community needs."""
    return councils.council_set_support_level(
        actor=cast(User, request.user), council_id=council_id, support_level=payload.level
    )


@router.put("/councils/{council_id}/object-level", response=CouncilLevelOut, auth=API_AUTH)
def set_council_object_level(request: HttpRequest, council_id: int, payload: LevelIn) -> Council:
    """Staff: the verification level objecting to a fund decision of the community needs."""
    return councils.council_set_object_level(
        actor=cast(User, request.user), council_id=council_id, object_level=payload.level
    )


# ---------------------------------------------------------------- deliberation


class DeliberationCommentOut(Schema):
    id: int
    parent_id: int | None
    author_label: str
    role: str
    body: str
    status: str
    hidden_reason: str
    stance: str
    up: int
    down: int
    created_at: datetime

    @staticmethod
    def resolve_body(obj: Comment) -> str:
        return "" if obj.status == Comment.Status.HIDDEN else obj.body


class DeliberationCommentIn(Schema):
    body: str
    parent_id: int | None = None
    # On a debate, a thread's first comment argues ``for`` or ``against``.
    stance: str = ""


class DeliberationAnswerIn(Schema):
    state: str
    text: str = ""
    merge_into_id: int | None = None


class DeliberationAnswerOut(Schema):
    id: int
    state: str
    text: str
    created_at: datetime


@router.get("/comments/{target}/{key}", response=list[DeliberationCommentOut])
def list_comments(request: HttpRequest, target: str, key: str) -> list[Comment]:
    """The comments on a proposal, budgeting project, agenda item or project, each thread's
    first comment followed by its replies (public; a hidden comment shows only its reason)."""
    comments.target_get(target, key)
    return [
        row
        for thread in selectors.comment_threads(target, key)
        for row in [thread.comment, *thread.replies]
    ]


@router.post("/comments/{target}/{key}", response={201: DeliberationCommentOut}, auth=API_AUTH)
def post_comment(
    request: HttpRequest, target: str, key: str, payload: DeliberationCommentIn
) -> Status[Comment]:
    comment = comments.comment_post(
        actor=cast(User, request.user),
        target=target,
        key=key,
        body=payload.body,
        parent_id=payload.parent_id,
        stance=payload.stance,
    )
    return Status(201, comment)


@router.get("/proposals/{proposal_id}/answers", response=list[DeliberationAnswerOut])
def list_answers(request: HttpRequest, proposal_id: int) -> object:
    """The community's official answers to a proposal, oldest first (public)."""
    return selectors.proposal_get_public(proposal_id).answers.all()


@router.post(
    "/proposals/{proposal_id}/answers", response={201: DeliberationAnswerOut}, auth=API_AUTH
)
def answer_proposal(
    request: HttpRequest, proposal_id: int, payload: DeliberationAnswerIn
) -> Status[Answer]:
    """Staff: answer a proposal officially; supporters and followers get a message."""
    answer = answers.answer_create(
        actor=cast(User, request.user),
        proposal_id=proposal_id,
        state=payload.state,
        text=payload.text,
        merge_into_id=payload.merge_into_id,
    )
    return Status(201, answer)


# ---------------------------------------------------------------- debates


class DebateOut(Schema):
    id: int
    community_code: str
    council_id: int | None
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    status: str
    summary: str
    closed_at: datetime | None
    arguments_for: int
    arguments_against: int

    @staticmethod
    def resolve_community_code(obj: Debate) -> str:
        return obj.community_id


class DebateIn(Schema):
    community: str
    title: str
    description: str
    closes_at: datetime
    opens_at: datetime | None = None
    council_id: int | None = None


class DebateCloseIn(Schema):
    summary: str


@router.get("/communities/{code}/debates", response=list[DebateOut])
@paginate
def list_debates(request: HttpRequest, code: str) -> object:
    """A community's debates that have opened, open ones first (public). The arguments are
    the comments on ``debate``/{id} (``GET /comments/debate/{id}``), each with its stance."""
    selectors.community_get(code)
    return selectors.debate_list_public(community_code=code)


@router.get("/debates/{debate_id}", response=DebateOut)
def get_debate(request: HttpRequest, debate_id: int) -> Debate:
    return selectors.debate_get_public(debate_id)


@router.post("/debates", response={201: DebateOut}, auth=API_AUTH)
def open_debate(request: HttpRequest, payload: DebateIn) -> Status[Debate]:
    """Staff of the community: open a debate (in the community's or its council's name).
    Residents argue with ``POST /comments/debate/{id}`` and ``stance`` ``for``/``against``."""
    actor = cast(User, request.user)
    debate = debates.debate_open(
        actor=actor,
        community_code=payload.community,
        title=payload.title,
        description=payload.description,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        council_id=payload.council_id,
    )
    return Status(201, selectors.debate_get_for(debate.pk, user=actor))


class DebateEditIn(Schema):
    title: str
    description: str
    closes_at: datetime
    opens_at: datetime | None = None
    council_id: int | None = None


@router.put("/debates/{debate_id}", response=DebateOut, auth=API_AUTH)
def edit_debate(request: HttpRequest, debate_id: int, payload: DebateEditIn) -> Debate:
    """Staff of the debate's community: correct an open debate (the question only until the
    first argument, the opening time only until it opens)."""
    actor = cast(User, request.user)
    debates.debate_edit(actor=actor, debate_id=debate_id, **payload.dict())
    return selectors.debate_get_for(debate_id, user=actor)


@router.post("/debates/{debate_id}/close", response=DebateOut, auth=API_AUTH)
def close_debate(request: HttpRequest, debate_id: int, payload: DebateCloseIn) -> Debate:
    """Staff of the debate's community: close it with a summary; those who argued are told."""
    actor = cast(User, request.user)
    debates.debate_close(actor=actor, debate_id=debate_id, summary=payload.summary)
    return selectors.debate_get_for(debate_id, user=actor)
