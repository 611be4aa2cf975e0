"""Requests over the API: categories (public), intake by a signed-in resident or an app with
``api:write``, one's own requests, public requests (no personal data); staff ask for more
time and the supervising desk decides."""

from datetime import datetime
from decimal import Decimal
from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.appeals import selectors
from shequ.appeals.forms import PeriodForm
from shequ.appeals.models import (
    Appeal,
    AppealEvent,
    AppealExtension,
    AppealFollowup,
    AppealOutcome,
    Category,
    ReplyTemplate,
    Unit,
)
from shequ.appeals.selectors import clusters as cluster_selectors
from shequ.appeals.selectors import rates as rate_selectors
from shequ.appeals.selectors.clusters import ClusterSummary, followup_get
from shequ.appeals.selectors.rates import UnitRates
from shequ.appeals.services.arbitration import appeal_refer, appeal_rule
from shequ.appeals.services.assignment import appeal_assign, may_assign, unit_head_set
from shequ.appeals.services.cluster_edits import cluster_detach, cluster_merge
from shequ.appeals.services.cluster_links import cluster_link
from shequ.appeals.services.extensions import extension_ask, extension_decide
from shequ.appeals.services.followups import followup_answer
from shequ.appeals.services.intake import appeal_follow, appeal_submit, similar_check
from shequ.appeals.services.outcomes import appeals_link
from shequ.appeals.services.replies import appeal_note_add, reply_template_add
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["appeals"], auth=API_AUTH)


class AppealCategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    nature: str
    deadline_class: str
    out_of_scope: bool
    redirect_text: str


class AppealIn(Schema):
    category_id: int
    description: str
    community: str
    longitude: float | None = None
    latitude: float | None = None
    address: str = ""
    is_private: bool = False


class AppealOut(Schema):
    id: int
    number: str
    category: str
    nature: str
    status: str
    status_label: str
    community: str
    longitude: float | None
    latitude: float | None
    unit: str | None
    routing_reason: str
    created_at: datetime
    deadline_at: datetime
    reply: str

    @staticmethod
    def resolve_category(obj: Appeal) -> str:
        return obj.category.name

    @staticmethod
    def resolve_status_label(obj: Appeal) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_community(obj: Appeal) -> str:
        return obj.community_id

    @staticmethod
    def resolve_unit(obj: Appeal) -> str | None:
        return obj.unit.name if obj.unit else None


@router.get("/categories", response=list[AppealCategoryOut], auth=None)
def categories(request: HttpRequest) -> list[Category]:
    """Categories a request may have; out-of-scope ones say where to go instead."""
    return list(selectors.category_list())


class AppealSimilarOut(Schema):
    id: int
    number: str
    category: str
    status: str
    status_label: str
    description: str
    longitude: float | None
    latitude: float | None
    created_at: datetime
    distance_m: int | None


@router.get("/similar", response=list[AppealSimilarOut], auth=None)
def similar(request: HttpRequest, category: int, lat: str, lng: str) -> list[dict[str, object]]:
    """ "Me too" before filing: open public requests of ``category`` received in the last
    30 days within 200 m of the pin (``lat``, ``lng``, WGS-84 degrees), nearest first. Follow
    one (``POST /{id}/follow``) instead of filing the same problem again."""
    found = similar_check(category_id=category, longitude=lng, latitude=lat)
    return [
        {
            "id": s.appeal.pk,
            "number": s.appeal.number,
            "category": s.appeal.category.name,
            "status": s.appeal.status,
            "status_label": str(s.appeal.get_status_display()),
            "description": s.appeal.description,
            "longitude": s.appeal.longitude,
            "latitude": s.appeal.latitude,
            "created_at": s.appeal.created_at,
            "distance_m": s.metres,
        }
        for s in found
    ]


class AppealFollowOut(Schema):
    appeal: AppealOut
    already: bool


@router.post("/{appeal_id}/follow", response=AppealFollowOut)
def follow(request: HttpRequest, appeal_id: int) -> dict[str, object]:
    """ "Me too" (我也遇到了): follow an open public request instead of filing it again; the
    caller hears of every public change. Following twice changes nothing (``already``)."""
    user = cast(User, request.user)
    appeal = selectors.appeal_get_public(appeal_id=appeal_id, user=user)
    already = appeal.reporter_id == user.pk or selectors.is_follower(appeal=appeal, user=user)
    appeal_follow(actor=user, appeal_id=appeal_id, ip=client_ip(request))
    return {
        "appeal": selectors.appeal_get_public(appeal_id=appeal_id, user=user),
        "already": already,
    }


@router.post("", response={201: AppealOut})
def submit(request: HttpRequest, payload: AppealIn) -> Status[Appeal]:
    """File a request; it is routed and dispatched at once (see ``routing_reason``)."""
    appeal = appeal_submit(
        actor=cast(User, request.user),
        category_id=payload.category_id,
        description=payload.description,
        community_code=payload.community,
        longitude=payload.longitude,
        latitude=payload.latitude,
        address=payload.address,
        is_private=payload.is_private,
        channel=Appeal.Channel.API,
        ip=client_ip(request),
    )
    # The reporter's own request, with its category, community and unit in hand.
    return Status(201, appeal)


@router.get("/mine", response=list[AppealOut])
@paginate
def mine(request: HttpRequest) -> object:
    """The caller's own and followed requests, newest first."""
    return selectors.appeal_list_for_resident(user=request.user)


@router.get("/public", response=list[AppealOut], auth=None)
@paginate
def public(
    request: HttpRequest, category: int | None = None, status: str = "", district: str = ""
) -> object:
    """Public requests (no personal data), newest first."""
    return selectors.public_list(
        selectors.PublicFilters(category_id=category, status=status, district=district)
    )


@router.get("/public/{appeal_id}", response=AppealOut, auth=None)
def public_one(request: HttpRequest, appeal_id: int) -> Appeal:
    return selectors.appeal_get_public(appeal_id=appeal_id, user=request.user)


class ExtensionIn(Schema):
    new_deadline: str
    reason: str


class ExtensionDecisionIn(Schema):
    approve: bool
    reason: str


class ExtensionOut(Schema):
    id: int
    appeal_id: int
    number: str
    unit: str
    status: str
    status_label: str
    old_deadline: datetime
    new_deadline: datetime
    reason: str
    decision_reason: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_number(obj: AppealExtension) -> str:
        return obj.appeal.number

    @staticmethod
    def resolve_unit(obj: AppealExtension) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_status_label(obj: AppealExtension) -> str:
        return str(obj.get_status_display())


@router.get("/extensions", response=list[ExtensionOut])
@paginate
def extensions(request: HttpRequest) -> object:
    """Pending requests for more time the caller decides (the dispatchers of the place),
    oldest first."""
    return selectors.extension_queue_for(user=request.user)


@router.post("/{appeal_id}/extensions", response={201: ExtensionOut})
def extension_create(
    request: HttpRequest, appeal_id: int, payload: ExtensionIn
) -> Status[AppealExtension]:
    """The unit handling the request asks for a later deadline (ISO date and time) with a
    reason; one may wait at a time."""
    extension = extension_ask(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        new_deadline=payload.new_deadline,
        reason=payload.reason,
        ip=client_ip(request),
    )
    return Status(201, extension)


@router.post("/extensions/{extension_id}/decision", response=ExtensionOut)
def extension_decision(
    request: HttpRequest, extension_id: int, payload: ExtensionDecisionIn
) -> AppealExtension:
    """The supervising desk grants (``approve``) or refuses more time, with a reason; granted,
    the request's deadline moves."""
    return extension_decide(
        actor=cast(User, request.user),
        extension_id=extension_id,
        approve=payload.approve,
        reason=payload.reason,
        ip=client_ip(request),
    )


class OutcomeIn(Schema):
    proposal_id: int | None = None
    project_id: int | None = None
    commitment_id: int | None = None
    also: list[int] = []


class OutcomeOut(Schema):
    appeal_id: int
    number: str
    proposal_id: int | None
    project_id: int | None
    commitment_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_number(obj: AppealOutcome) -> str:
        return obj.appeal.number


@router.post("/{appeal_id}/outcomes", response={201: list[OutcomeOut]})
def outcome_create(
    request: HttpRequest, appeal_id: int, payload: OutcomeIn
) -> Status[list[AppealOutcome]]:
    """The community's staff link the request and the requests ``also`` (same community) to
    one proposal or one project of that community; the residents who asked are told. Returns
    the links made (requests already linked to it are left out)."""
    made = appeals_link(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        also=payload.also,
        proposal_id=payload.proposal_id,
        project_id=payload.project_id,
        commitment_id=payload.commitment_id,
        ip=client_ip(request),
    )
    return Status(201, made)


@router.get("/public/{appeal_id}/outcomes", response=list[OutcomeOut], auth=None)
def public_outcomes(request: HttpRequest, appeal_id: int) -> list[AppealOutcome]:
    """What a public request led to."""
    appeal = selectors.appeal_get_public(appeal_id=appeal_id, user=request.user)
    return selectors.outcomes_of(appeal)


# ---------------------------------------------------------------- handling (staff)


class StaffAppealOut(AppealOut):
    """A request as its staff see it: with the ruling and the escalation level."""

    escalation_level: int
    ruling_unit: str | None
    ruling: str
    assigned_to_me: bool

    @staticmethod
    def resolve_ruling_unit(obj: Appeal) -> str | None:
        return obj.ruling_unit.name if obj.ruling_unit_id and obj.ruling_unit else None

    @staticmethod
    def resolve_assigned_to_me(obj: Appeal, context: dict[str, object]) -> bool:
        request = context["request"]
        return obj.assignee_id == getattr(getattr(request, "user", None), "pk", None)


class ReferIn(Schema):
    note: str


class RulingIn(Schema):
    unit_id: int
    ruling: str


class AssignIn(Schema):
    officer_id: int
    note: str = ""


class OfficerOut(Schema):
    id: int
    label: str


class NoteIn(Schema):
    text: str


class NoteOut(Schema):
    id: int
    note: str
    at: datetime


class UnitOut(Schema):
    id: int
    name: str
    kind: str


@router.get("/units", response=list[UnitOut])
def units(request: HttpRequest) -> object:
    """Active responsible units, for dispatching and ruling (``unit_id``)."""
    return list(selectors.unit_list())


class UnitHeadIn(Schema):
    head_id: int | None = None


class UnitHeadOut(Schema):
    id: int
    name: str
    head: str | None

    @staticmethod
    def resolve_head(obj: Unit) -> str | None:
        return selectors.officer_label(obj.head) if obj.head else None


@router.post("/units/{unit_id}/head", response=UnitHeadOut)
def unit_head(request: HttpRequest, unit_id: int, payload: UnitHeadIn) -> Unit:
    """The city committee names a unit's head (one of its members; ``null`` clears it)."""
    return unit_head_set(
        actor=cast(User, request.user),
        unit_id=unit_id,
        head_id=payload.head_id,
        ip=client_ip(request),
    )


class ReplyTemplateIn(Schema):
    unit_id: int
    title: str
    text: str


class ReplyTemplateOut(Schema):
    id: int
    unit_id: int
    title: str
    text: str


def _staff_one(request: HttpRequest, appeal_id: int) -> Appeal:
    return selectors.appeal_get_for_staff(user=request.user, appeal_id=appeal_id)


@router.post("/{appeal_id}/arbitration", response=StaffAppealOut)
def arbitration_refer(request: HttpRequest, appeal_id: int, payload: ReferIn) -> Appeal:
    """A dispatcher sends a request waiting for (re-)dispatch to the city committee's ruling
    (审定) instead, with an internal note. A request returned twice goes there by itself."""
    appeal_refer(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        note=payload.note,
        ip=client_ip(request),
    )
    return _staff_one(request, appeal_id)


@router.get("/arbitration", response=list[StaffAppealOut])
@paginate
def arbitration_queue(request: HttpRequest) -> object:
    """Requests waiting for the committee's ruling (committee members; empty for others),
    soonest deadline first."""
    return selectors.queue_for(user=request.user, queue="ruling").select_related("ruling_unit")


@router.post("/{appeal_id}/ruling", response=StaffAppealOut)
def arbitration_rule(request: HttpRequest, appeal_id: int, payload: RulingIn) -> Appeal:
    """A committee member names the unit that handles the request (one of ``GET units``)
    with a written ruling; it is dispatched there and cannot be returned. The public sees the
    unit, not the ruling."""
    appeal_rule(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        unit_id=payload.unit_id,
        ruling=payload.ruling,
        ip=client_ip(request),
    )
    return _staff_one(request, appeal_id)


@router.get("/{appeal_id}/officers", response=list[OfficerOut])
def officers(request: HttpRequest, appeal_id: int) -> list[dict[str, object]]:
    """The officers the caller may assign the request to (names masked); empty when the
    caller may not assign it."""
    appeal = _staff_one(request, appeal_id)
    if not may_assign(request.user, appeal):
        return []
    return [{"id": pk, "label": label} for pk, label in selectors.officer_choices(appeal)]


@router.post("/{appeal_id}/assignment", response=StaffAppealOut)
def assign(request: HttpRequest, appeal_id: int, payload: AssignIn) -> Appeal:
    """The unit's head, or whoever signed for the request, assigns (or reassigns) it to an
    officer of the unit; the officer is told."""
    appeal_assign(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        officer_id=payload.officer_id,
        note=payload.note,
        ip=client_ip(request),
    )
    return _staff_one(request, appeal_id)


@router.get("/assigned", response=list[StaffAppealOut])
@paginate
def assigned(request: HttpRequest) -> object:
    """指派给我: requests being handled by the caller as the assigned officer."""
    return selectors.queue_for(user=request.user, queue="assigned")


@router.get("/escalated", response=list[StaffAppealOut])
@paginate
def escalated(request: HttpRequest) -> object:
    """超期督办: open requests escalated as overdue that the caller may open
    (``escalation_level`` 1: the unit was told, 2: the supervising desk too)."""
    return selectors.escalated_for(user=request.user).select_related("ruling_unit")


@router.post("/{appeal_id}/notes", response={201: NoteOut})
def note_add(request: HttpRequest, appeal_id: int, payload: NoteIn) -> Status[AppealEvent]:
    """An internal note on a request (staff only: never on the public page or API)."""
    event = appeal_note_add(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        text=payload.text,
        ip=client_ip(request),
    )
    return Status(201, event)


@router.get("/reply-templates", response=list[ReplyTemplateOut])
def reply_templates(request: HttpRequest) -> list[ReplyTemplate]:
    """The reply templates of the caller's units."""
    return list(selectors.reply_templates_for(user=request.user))


@router.post("/reply-templates", response={201: ReplyTemplateOut})
def reply_template_create(request: HttpRequest, payload: ReplyTemplateIn) -> Status[ReplyTemplate]:
    """A member of a unit saves a reply text for the unit."""
    template = reply_template_add(
        actor=cast(User, request.user),
        unit_id=payload.unit_id,
        title=payload.title,
        text=payload.text,
        ip=client_ip(request),
    )
    return Status(201, template)


class IntervalOut(Schema):
    low: float
    high: float


class RatesOut(Schema):
    """One unit's or district's statistics for the period (rates in per cent)."""

    name: str
    code: str | None
    rank: int | None
    dispatched: int
    responded: int
    closed: int
    on_time: int
    returned: int
    reopened: int
    rated: int
    resolved: int
    satisfied: int
    response_rate: float | None
    on_time_rate: float | None
    return_rate: float | None
    reopen_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    intervals: dict[str, IntervalOut | None]
    days_mean: float | None
    days_p90: float | None
    causes: dict[str, int]

    @staticmethod
    def resolve_code(obj: UnitRates) -> str | None:
        return obj.district.code if obj.district else None


class RecurrenceOut(Schema):
    """复发率: of the requests received in the period, those received after an earlier
    request of their cluster was handled (per cent, with its Wilson 95 % interval)."""

    name: str
    code: str | None
    received: int
    recurrences: int
    rate: float | None
    interval: IntervalOut | None


class StatisticsOut(Schema):
    period: str
    rank_minimum: int
    units: list[RatesOut]
    districts: list[RatesOut]
    recurrence_units: list[RecurrenceOut]
    recurrence_districts: list[RecurrenceOut]


@router.get("/statistics", response=StatisticsOut, auth=None)
def statistics(
    request: HttpRequest, month: str = "", start: str = "", end: str = ""
) -> dict[str, object]:
    """Every unit's and district's statistics for ``month`` (YYYY-MM) or the days ``start``
    to ``end`` (inclusive, at most three years); this month when neither is given. Each rate
    has its Wilson 95 % interval; units are ranked only with enough ratings (``rank_minimum``).
    ``causes``: unhappy ratings by the reason given ("" = none given). ``recurrence_*``:
    requests received in the period that came back after an earlier one of the same problem
    (cluster) was handled, per unit now handling them and per district."""
    form = PeriodForm({"month": month, "start": start, "end": end})
    if not form.is_valid():
        message = next(iter(form.errors.values()))[0]
        raise DomainError("bad_period", str(message), field=next(iter(form.errors)))
    since, until, period = form.bounds()
    return {
        "period": period,
        "rank_minimum": rate_selectors.RANK_MINIMUM,
        "units": rate_selectors.unit_rates(since=since, until=until),
        "districts": rate_selectors.district_rates(since=since, until=until),
        "recurrence_units": cluster_selectors.unit_recurrence(since=since, until=until),
        "recurrence_districts": cluster_selectors.district_recurrence(since=since, until=until),
    }


class ClusterOutcomeOut(Schema):
    proposal_id: int | None
    project_id: int | None
    commitment_id: int | None
    title: str
    amount: Decimal | None
    linked: int
    since: datetime
    since_count: int


class ClusterOut(Schema):
    """A problem cluster (counts only; no reporter)."""

    id: int
    category: str
    community: str
    longitude: float | None
    latitude: float | None
    requests: int
    followers: int
    reports: int
    open: int
    handled: int
    recurrences: int
    first_at: datetime
    last_at: datetime
    outcomes: list[ClusterOutcomeOut]


def _cluster_out(summary: ClusterSummary) -> dict[str, object]:
    cluster = summary.cluster
    return {
        "id": cluster.pk,
        "category": cluster.category.name,
        "community": cluster.community_id,
        "longitude": cluster.longitude,
        "latitude": cluster.latitude,
        "requests": summary.requests,
        "followers": summary.followers,
        "reports": summary.reports,
        "open": summary.open,
        "handled": summary.handled,
        "recurrences": summary.recurrences,
        "first_at": summary.first_at,
        "last_at": summary.last_at,
        "outcomes": [
            {
                "proposal_id": c.outcome.proposal_id,
                "project_id": c.outcome.project_id,
                "commitment_id": c.outcome.commitment_id,
                "title": c.outcome.proposal.title
                if c.outcome.proposal
                else c.outcome.project.name
                if c.outcome.project
                else c.outcome.commitment.project
                if c.outcome.commitment
                else "",
                "amount": c.outcome.commitment.amount if c.outcome.commitment else None,
                "linked": c.linked,
                "since": c.since,
                "since_count": c.since_count,
            }
            for c in cluster_selectors.cluster_outcomes(cluster.pk)
        ],
    }


@router.get("/public/{appeal_id}/cluster", response={200: ClusterOut, 204: None}, auth=None)
def public_cluster(request: HttpRequest, appeal_id: int) -> object:
    """The problem cluster of a public request ("同一问题已有 N 次反映"): how many requests and
    "me too", open and handled, recurrences, and what the cluster led to with the requests
    received since. 204 when the request is in no cluster."""
    appeal = selectors.appeal_get_public(appeal_id=appeal_id, user=request.user)
    summary = cluster_selectors.cluster_summary(appeal.cluster_id)
    if summary is None:
        return Status(204, None)
    return _cluster_out(summary)


@router.get("/clusters", response=list[ClusterOut])
@paginate
def clusters(request: HttpRequest) -> object:
    """Staff: the problem clusters of the caller's area, the newest request first."""
    return cluster_selectors.clusters_for_staff(user=request.user).shaped(_cluster_out)


class ClusterLinkIn(Schema):
    proposal_id: int | None = None
    project_id: int | None = None
    commitment_id: int | None = None


@router.post("/clusters/{cluster_id}/outcomes", response={201: list[OutcomeOut]})
def cluster_outcome_create(
    request: HttpRequest, cluster_id: int, payload: ClusterLinkIn
) -> Status[list[AppealOutcome]]:
    """The community's staff link every request of the cluster (of its community) to one
    proposal or project of that community at once; errors as ``POST {id}/outcomes``."""
    made = cluster_link(
        actor=cast(User, request.user),
        cluster_id=cluster_id,
        proposal_id=payload.proposal_id,
        project_id=payload.project_id,
        commitment_id=payload.commitment_id,
        ip=client_ip(request),
    )
    return Status(201, made)


class ClusterMergeIn(Schema):
    other_id: int


@router.post("/clusters/{cluster_id}/merge", response=ClusterOut)
def cluster_merge_endpoint(
    request: HttpRequest, cluster_id: int, payload: ClusterMergeIn
) -> dict[str, object]:
    """The community's staff merge the cluster ``other_id`` (one of ``GET
    clusters/{id}/merge-choices``: same category, same community or one of the same street)
    into this one; the merged cluster with its counts. Errors: ``cluster_not_found`` (404),
    ``merge_choose``, ``merge_self``, ``merge_other_category``, ``merge_other_area``."""
    kept = cluster_merge(
        actor=cast(User, request.user),
        cluster_id=cluster_id,
        other_id=payload.other_id,
        ip=client_ip(request),
    )
    summary = cluster_selectors.cluster_summary(kept.pk)
    if summary is None:
        raise NotFound("cluster_not_found", gettext_lazy("No such problem cluster in your area."))
    return _cluster_out(summary)


@router.get("/clusters/{cluster_id}/merge-choices", response=list[ClusterOut])
def cluster_merge_choices(request: HttpRequest, cluster_id: int) -> list[dict[str, object]]:
    """The clusters this one may be merged with (the caller's area), newest request first."""
    found = cluster_selectors.cluster_get_for_staff(user=request.user, cluster_id=cluster_id)
    return [
        _cluster_out(c)
        for c in cluster_selectors.cluster_merge_choices(user=request.user, cluster=found)
    ]


class ClusterDetachIn(Schema):
    new_cluster: bool = False


class ClusterDetachOut(Schema):
    appeal_id: int
    cluster_id: int | None


@router.post("/{appeal_id}/cluster/detach", response=ClusterDetachOut)
def cluster_detach_endpoint(
    request: HttpRequest, appeal_id: int, payload: ClusterDetachIn
) -> dict[str, object]:
    """The community's staff take a request out of its cluster (alone, or into a new cluster
    of its own with ``new_cluster``). Errors: ``appeal_not_found`` (404), ``not_clustered``."""
    target = cluster_detach(
        actor=cast(User, request.user),
        appeal_id=appeal_id,
        new_cluster=payload.new_cluster,
        ip=client_ip(request),
    )
    return {"appeal_id": appeal_id, "cluster_id": target.pk if target else None}


class FollowupIn(Schema):
    still_fixed: bool
    comment: str = ""


class FollowupOut(Schema):
    id: int
    appeal_id: int
    number: str
    sent_at: datetime
    answered_at: datetime | None
    still_fixed: bool | None
    comment: str
    recurrence_id: int | None

    @staticmethod
    def resolve_number(obj: AppealFollowup) -> str:
        return obj.appeal.number


@router.get("/followups/{followup_id}", response=FollowupOut)
def followup_one(request: HttpRequest, followup_id: int) -> AppealFollowup:
    """A follow-up questionnaire (回访) of the caller's request."""
    return followup_get(followup_id=followup_id, user=request.user)


@router.post("/followups/{followup_id}/answer", response=FollowupOut)
def followup_reply(request: HttpRequest, followup_id: int, payload: FollowupIn) -> AppealFollowup:
    """The reporter answers "is the problem still fixed?" once (``already_answered`` 409
    after). ``false`` files a new request at the same place, linked as a recurrence
    (``recurrence_id``)."""
    return followup_answer(
        actor=cast(User, request.user),
        followup_id=followup_id,
        still_fixed=payload.still_fixed,
        comment=payload.comment,
        ip=client_ip(request),
    )
