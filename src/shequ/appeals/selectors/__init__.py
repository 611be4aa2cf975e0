"""Reads of residents' requests: categories, "me too" candidates, queues, timelines, the
public list and map, and the units' monthly rates (三率) computed from the raw events."""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, Max, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import (
    Appeal,
    AppealEvent,
    AppealExtension,
    AppealFollower,
    AppealOutcome,
    Category,
    Open311Key,
    ReplyTemplate,
    RoutingRow,
    Unit,
    key_hash_of,
)
from shequ.appeals.permissions import DISPATCHERS, unit_ids_of
from shequ.core.errors import NotFound
from shequ.core.scopes import Role, areas_q, within
from shequ.people.permissions import READERS, areas_of


def category_list(*, include_inactive: bool = False) -> QuerySet[Category]:
    """Categories a resident may choose (out-of-scope ones included, to be told where to go)."""
    queryset = Category.objects.all()
    return queryset if include_inactive else queryset.filter(is_active=True)


def category_for_service(service_code: str) -> Category | None:
    """The category a catalogue service's page opens the intake with, if any."""
    if not service_code:
        return None
    return Category.objects.filter(service_code=service_code, is_active=True).first()


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat2 - lat1) * 110_540
    return math.hypot(dx, dy)


# "Me too": open public requests of the same category within this many metres of the pin,
# received within this many days, are offered before a new one is filed.
SIMILAR_METRES = 200
SIMILAR_DAYS = 30
SIMILAR_LIMIT = 5
# Candidates read from the bounding box at most (then measured and sorted nearest first).
SIMILAR_SCAN = 500
METRES_PER_DEGREE_LAT = 110_540
METRES_PER_DEGREE_LON = 111_320


@dataclass(frozen=True)
class Similar:
    """An open request like the one being filed, and how far it is from the pin (None: no
    pin given, it is in the same community)."""

    appeal: Appeal
    metres: int | None


def similar_open(
    *,
    category_id: int,
    longitude: float | None,
    latitude: float | None,
    community_code: str = "",
    now: datetime | None = None,
    metres: int = SIMILAR_METRES,
    days: int = SIMILAR_DAYS,
    limit: int = SIMILAR_LIMIT,
) -> list[Similar]:
    """Open public requests of the same category received in the last ``days`` days, within
    ``metres`` of the pin, nearest first; without a pin, those of the same community, newest
    first. Private requests are never offered.

    With a pin, one range scan of the partial index ``appeal_similar`` (category, latitude,
    longitude, created_at of open public requests) over the pin's bounding box, then the exact
    distance of those few candidates.
    """
    since = (now or timezone.now()) - timedelta(days=days)
    base = Appeal.objects.filter(
        category_id=category_id,
        status__in=Appeal.OPEN_STATUSES,
        is_private=False,
        created_at__gte=since,
    ).select_related("category")
    if longitude is None or latitude is None:
        if not community_code:
            return []
        rows = base.filter(community_id=community_code).order_by("-created_at", "-id")[:limit]
        return [Similar(a, None) for a in rows]
    dlat = metres / METRES_PER_DEGREE_LAT
    dlon = metres / (METRES_PER_DEGREE_LON * math.cos(math.radians(latitude)))
    candidates = base.filter(
        latitude__gte=latitude - dlat,
        latitude__lte=latitude + dlat,
        longitude__gte=longitude - dlon,
        longitude__lte=longitude + dlon,
    ).order_by()[:SIMILAR_SCAN]
    measured = sorted(
        (
            (_metres(longitude, latitude, a.longitude, a.latitude), a.pk, a)
            for a in candidates
            if a.longitude is not None and a.latitude is not None
        ),
        key=lambda found: (found[0], found[1]),
    )
    return [Similar(a, round(d)) for d, _pk, a in measured if d <= metres][:limit]


def nearby_open(
    *, category_id: int, community_code: str, longitude: float | None, latitude: float | None
) -> list[Appeal]:
    """The requests of ``similar_open`` alone (for the Open311 notice)."""
    return [
        s.appeal
        for s in similar_open(
            category_id=category_id,
            longitude=longitude,
            latitude=latitude,
            community_code=community_code,
        )
    ]


# --- residents ------------------------------------------------------------------------------


def appeal_list_for_resident(*, user: Any) -> QuerySet[Appeal]:
    """The resident's own requests and those they follow, newest first."""
    followed = AppealFollower.objects.filter(user_id=user.pk).values("appeal_id")
    return (
        Appeal.objects.filter(Q(reporter_id=user.pk) | Q(pk__in=followed))
        .select_related("category", "unit")
        .order_by("-created_at", "-id")
    )


def appeal_get_public(*, appeal_id: int, user: Any = None) -> Appeal:
    """A request as anyone may see it: a public one, or one's own or followed.

    Raises: NotFound.
    """
    appeal = (
        Appeal.objects.select_related("category", "unit", "community", "community__parent")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound("appeal_not_found", _("No such request."))
    mine = getattr(user, "is_authenticated", False) and (
        appeal.reporter_id == user.pk
        or AppealFollower.objects.filter(appeal=appeal, user_id=user.pk).exists()
    )
    if appeal.is_private and not mine:
        raise NotFound("appeal_not_found", _("No such request."))
    return appeal


def is_follower(*, appeal: Appeal, user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and AppealFollower.objects.filter(appeal=appeal, user_id=user.pk).exists()
    )


PUBLIC_EVENT_KINDS = [
    AppealEvent.Kind.RECEIVED,
    AppealEvent.Kind.DISPATCHED,
    AppealEvent.Kind.SIGNED,
    AppealEvent.Kind.RETURNED,
    AppealEvent.Kind.CLOSED,
    AppealEvent.Kind.RATED,
    AppealEvent.Kind.REOPENED,
    AppealEvent.Kind.EXTENDED,
    AppealEvent.Kind.REFERRED,
    AppealEvent.Kind.RULED,
]


def timeline(*, appeal: Appeal, staff: bool = False) -> list[AppealEvent]:
    """The request's steps, oldest first; the public sees units but never who acted, nor
    the staff-only kinds (assignment, escalation, internal notes) nor any event's ``note``."""
    events = AppealEvent.objects.filter(appeal=appeal).select_related("unit")
    events = events.select_related("actor") if staff else events.filter(kind__in=PUBLIC_EVENT_KINDS)
    return list(events.order_by("at", "id"))


@dataclass(frozen=True)
class PublicFilters:
    category_id: int | None = None
    status: str = ""
    district: str = ""


def public_list(filters: PublicFilters) -> QuerySet[Appeal]:
    """Public requests (no personal data is read here), newest first."""
    queryset = Appeal.objects.filter(is_private=False).select_related(
        "category", "unit", "community"
    )
    if filters.category_id:
        queryset = queryset.filter(category_id=filters.category_id)
    if filters.status == "open":
        queryset = queryset.filter(status__in=Appeal.OPEN_STATUSES)
    elif filters.status == "closed":
        queryset = queryset.exclude(status__in=Appeal.OPEN_STATUSES)
    if filters.district and filters.district.isdigit() and len(filters.district) == 12:
        queryset = queryset.filter(within("community_id", filters.district))
    return queryset.order_by("-created_at", "-id")


def open_public_in(community_code: str) -> QuerySet[Appeal]:
    """Open public requests of one community, newest first (for its residents' home card)."""
    return (
        Appeal.objects.filter(
            community_id=community_code, status__in=Appeal.OPEN_STATUSES, is_private=False
        )
        .select_related("category")
        .order_by("-created_at", "-id")
    )


# Map coordinates are sent as whole numbers of 1/100,000 degree (about 1 m) from this origin
# (south-west of the city), which is a third of the size of the floats and faster to read.
MAP_ORIGIN = (102.0, 30.0)
MAP_SCALE = 100_000


def _map_rows(filters: PublicFilters, limit: int) -> QuerySet[Appeal, tuple[Any, ...]]:
    # The newest by number (numbers are given in order of receipt): read backwards on the
    # primary key, no sort of every public request.
    return (
        public_list(filters)
        .filter(longitude__isnull=False, latitude__isnull=False)
        .annotate(open_flag=Case(When(status__in=Appeal.OPEN_STATUSES, then=1), default=0))
        .order_by("-pk")
        .values_list("pk", "longitude", "latitude", "open_flag")[:limit]
    )


def map_points(filters: PublicFilters, *, limit: int = 100_000) -> dict[str, Any]:
    """Public requests with a pin, compact for the map: columns of equal length, ``ids``
    ascending and sent as differences from the one before, ``lon`` and ``lat`` as whole
    numbers of ``1/scale`` degree from ``origin``, ``open`` 1 or 0. The newest ``limit``."""
    west, south = MAP_ORIGIN
    ids: list[int] = []
    lons: list[int] = []
    lats: list[int] = []
    opens: list[int] = []
    previous = 0
    for pk, lon, lat, is_open in list(_map_rows(filters, limit))[::-1]:
        ids.append(pk - previous)
        previous = pk
        lons.append(round((lon - west) * MAP_SCALE))
        lats.append(round((lat - south) * MAP_SCALE))
        opens.append(is_open)
    return {
        "count": len(ids),
        "origin": [west, south],
        "scale": MAP_SCALE,
        "ids": ids,
        "lon": lons,
        "lat": lats,
        "open": opens,
    }


def map_points_json(filters: PublicFilters, *, limit: int = 100_000) -> str:
    """``map_points`` as JSON text. On PostgreSQL the database shapes the columns itself (one
    query, no Python per request: about a tenth of the time at 100,000 requests)."""
    if connection.vendor != "postgresql":
        return json.dumps(map_points(filters, limit=limit), separators=(",", ":"))
    inner, params = _map_rows(filters, limit).query.sql_with_params()
    west, south = MAP_ORIGIN
    # One sort by number (the window's); the aggregates read the rows in that order.
    sql = f"""
        SELECT json_build_object(
            'count', count(*), 'origin', json_build_array(%s::float8, %s::float8),
            'scale', %s::int,
            'ids', coalesce(array_agg(gap), '{{}}'),
            'lon', coalesce(array_agg(x), '{{}}'),
            'lat', coalesce(array_agg(y), '{{}}'),
            'open', coalesce(array_agg(is_open), '{{}}'))::text
        FROM (
            SELECT id - coalesce(lag(id) OVER (ORDER BY id), 0) AS gap,
                   round((lon - %s) * %s)::int AS x, round((lat - %s) * %s)::int AS y, is_open
            FROM ({inner}) AS rows (id, lon, lat, is_open)
            ORDER BY id
        ) AS shaped
    """  # noqa: S608 (the inner query is Django's own, with its parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [west, south, MAP_SCALE, west, MAP_SCALE, south, MAP_SCALE, *params],
        )
        (text,) = cursor.fetchone()
    return str(text)


# --- staff ----------------------------------------------------------------------------------


def _dispatch_q(user: Any) -> Q | None:
    """Requests inside the user's dispatching areas (``None``: everywhere)."""
    areas = [a for a in areas_of(user) if a.role in DISPATCHERS or a.role == Role.SYSTEM_ADMIN]
    if not areas:
        return Q(pk__in=[])
    return areas_q(areas, division_field="community_id")


def _supervise_q(user: Any) -> Q | None:
    areas = [a for a in areas_of(user) if a.role in READERS or a.role == Role.SYSTEM_ADMIN]
    if not areas:
        return Q(pk__in=[])
    return areas_q(areas, division_field="community_id")


QUEUES = {
    "dispatch": _("To dispatch"),
    "ruling": _("To rule on (审定)"),
    "unit": _("My unit's requests"),
    "assigned": _("Assigned to me"),
    "area": _("All in my area"),
}


def queue_for(*, user: Any, queue: str) -> QuerySet[Appeal]:
    """A console queue, soonest deadline (so overdue) first.

    ``dispatch``: awaiting dispatch or returned, in the dispatcher's area; ``ruling``:
    waiting for the committee's ruling (committee members only); ``unit``: open requests
    with the user's units; ``assigned``: being handled by the user as the assigned officer;
    ``area``: every request in the supervisor's area.
    """
    base = Appeal.objects.select_related("category", "unit", "community")
    if queue == "ruling":
        if not any(a.role == Role.CITY_COMMITTEE for a in areas_of(user)):
            return base.none()
        return base.filter(status=Appeal.Status.RULING).order_by("deadline_at", "id")
    if queue == "assigned":
        return base.filter(
            assignee_id=user.pk, status=Appeal.Status.IN_PROGRESS, unit_id__in=unit_ids_of(user)
        ).order_by("deadline_at", "id")
    if queue == "dispatch":
        condition = _dispatch_q(user)
        queryset = base.filter(status__in=[Appeal.Status.AWAITING_DISPATCH, Appeal.Status.RETURNED])
    elif queue == "unit":
        condition = Q(unit_id__in=unit_ids_of(user))
        queryset = base.filter(status__in=[Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS])
    else:
        condition = _supervise_q(user)
        queryset = base
    if condition is not None:
        queryset = queryset.filter(condition)
    if queue == "area":
        return queryset.order_by("-created_at", "-id")
    return queryset.order_by("deadline_at", "id")


def queue_counts(*, user: Any) -> dict[str, dict[str, int]]:
    """Per queue: how many, and how many overdue."""
    now = timezone.now()
    counts: dict[str, dict[str, int]] = {}
    for name in QUEUES:
        queryset = queue_for(user=user, queue=name)
        if name == "area":
            queryset = queryset.filter(status__in=Appeal.OPEN_STATUSES)
        counts[name] = queryset.aggregate(
            total=Count("pk"), overdue=Count("pk", filter=Q(deadline_at__lt=now))
        )
    return counts


def appeal_get_for_staff(*, user: Any, appeal_id: int) -> Appeal:
    """A request a staff member may open: in their area, to dispatch, or with their unit.

    Raises: NotFound.
    """
    queryset = Appeal.objects.select_related(
        "category", "unit", "community", "community__parent", "entered_by"
    )
    condition = Q(unit_id__in=unit_ids_of(user))
    if any(a.role == Role.CITY_COMMITTEE for a in areas_of(user)):
        condition |= Q(status=Appeal.Status.RULING)
    for extra in (_dispatch_q(user), _supervise_q(user)):
        if extra is None:
            condition = Q()
            break
        condition |= extra
    appeal = queryset.filter(condition, pk=appeal_id).first()
    if appeal is None:
        raise NotFound("appeal_not_found", _("No such request."))
    return appeal


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).select_related("department", "division", "head")


def routing_rows_live() -> QuerySet[RoutingRow]:
    return RoutingRow.objects.filter(retired_in__isnull=True).select_related(
        "category", "place", "unit"
    )


# --- Open311 GeoReport v2 -------------------------------------------------------------------

OPEN311_LIMIT = 1000


def open311_services() -> QuerySet[Category]:
    """Categories an Open311 client may file: in use and taken here."""
    return Category.objects.filter(is_active=True, out_of_scope=False)


def open311_service_get(code: str) -> Category:
    """One service (category) by its code.

    Raises: NotFound.
    """
    category = open311_services().filter(code=code).first()
    if category is None:
        raise NotFound("unknown_service", _("No service with this service_code."))
    return category


def open311_key_for(raw: str) -> Open311Key | None:
    """The active key an application sent, or None (unknown, revoked or empty)."""
    if not raw:
        return None
    return (
        Open311Key.objects.filter(key_hash=key_hash_of(raw), is_active=True)
        .select_related("unit")
        .first()
    )


def open311_key_list() -> QuerySet[Open311Key]:
    return Open311Key.objects.select_related("unit", "created_by")


def number_to_id(text: str) -> int | None:
    """``SQ00000012`` (or ``12``) → 12; None for anything else."""
    digits = text.strip().upper().removeprefix("SQ")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None


@dataclass(frozen=True)
class Open311Query:
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def open311_requests(query: Open311Query, *, limit: int = OPEN311_LIMIT) -> list[Appeal]:
    """Public requests for ``GET requests``, newest first, with ``updated`` (the time of the
    last step) and their photos. Ids, when given, override every other filter (as the
    specification says)."""
    queryset = (
        Appeal.objects.filter(is_private=False)
        .select_related("category", "unit")
        .prefetch_related("photos")
        .annotate(updated=Max("events__at"))
    )
    if query.ids:
        queryset = queryset.filter(pk__in=query.ids)
    else:
        if query.service_codes:
            queryset = queryset.filter(category__code__in=query.service_codes)
        if query.start is not None:
            queryset = queryset.filter(created_at__gte=query.start)
        if query.end is not None:
            queryset = queryset.filter(created_at__lte=query.end)
        wanted = set(query.statuses)
        if wanted == {"open"}:
            queryset = queryset.filter(status__in=Appeal.OPEN_STATUSES)
        elif wanted == {"closed"}:
            queryset = queryset.exclude(status__in=Appeal.OPEN_STATUSES)
    return list(queryset.order_by("-created_at", "-id")[:limit])


# --- more time (延期申请) -----------------------------------------------------------------------


def extension_queue_for(*, user: Any) -> QuerySet[AppealExtension]:
    """Pending requests for more time the user may decide (the dispatchers of the place),
    oldest first."""
    condition = _dispatch_q(user)
    queryset = AppealExtension.objects.filter(status=AppealExtension.Status.PENDING)
    if condition is not None:
        queryset = queryset.filter(appeal__in=Appeal.objects.filter(condition).values("pk"))
    return queryset.select_related(
        "appeal", "appeal__category", "appeal__community", "unit", "requested_by"
    ).order_by("created_at", "id")


def extension_counts(*, user: Any) -> dict[str, int]:
    """How many pending requests for more time, and on how many the deadline has passed."""
    return extension_queue_for(user=user).aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(appeal__deadline_at__lt=timezone.now()))
    )


def extensions_of(*, appeal: Appeal) -> list[AppealExtension]:
    """Every request for more time on one request, for its staff page, oldest first."""
    return list(
        AppealExtension.objects.filter(appeal=appeal)
        .select_related("unit", "requested_by", "decided_by")
        .order_by("created_at", "id")
    )


# ---------------------------------------------------------------- what requests led to

# Requests "like" one: the same category in the same community, within this many days of it.
LIKE_WITHIN = timedelta(days=365)


def requests_like(appeal: Appeal, *, limit: int = 50) -> list[Appeal]:
    """The requests a worker may link together with ``appeal``: the same category in the same
    community within a year either side, newest first."""
    return list(
        Appeal.objects.filter(
            category_id=appeal.category_id,
            community_id=appeal.community_id,
            created_at__gte=appeal.created_at - LIKE_WITHIN,
            created_at__lte=appeal.created_at + LIKE_WITHIN,
        )
        .exclude(pk=appeal.pk)
        .select_related("category")
        .order_by("-created_at", "-id")[:limit]
    )


def outcomes_of(appeal: Appeal) -> list[AppealOutcome]:
    """What the request led to, first link first."""
    return list(
        AppealOutcome.objects.filter(appeal=appeal).select_related(
            "appeal", "proposal", "project", "commitment", "commitment__approval"
        )
    )


@dataclass(frozen=True)
class Origin:
    """Where a proposal or project came from: ``requests`` linked to it, of ``categories``
    in ``community_code``, first linked ``since``; ``like_since`` requests of those
    categories in that community came in after that (did it help?)."""

    requests: int
    like_since: int
    since: datetime
    community_code: str
    category_ids: tuple[int, ...]


def origin_of(*, proposal_id: int | None = None, project_id: int | None = None) -> Origin | None:
    """Counts only (a public page shows them): no request's text or reporter."""
    if proposal_id is not None:
        links = AppealOutcome.objects.filter(proposal_id=proposal_id)
    else:
        links = AppealOutcome.objects.filter(project_id=int(project_id or 0))
    rows = list(links.values_list("appeal__category_id", "appeal__community_id", "created_at"))
    if not rows:
        return None
    categories = tuple(sorted({row[0] for row in rows}))
    community = rows[0][1]
    since = min(row[2] for row in rows)
    like_since = (
        Appeal.objects.filter(
            category_id__in=categories, community_id=community, created_at__gt=since
        )
        .exclude(outcomes__in=links)
        .count()
    )
    return Origin(
        requests=len(rows),
        like_since=like_since,
        since=since,
        community_code=community,
        category_ids=categories,
    )


@dataclass
class RequestsBehind:
    """The residents' requests that led to a piece of the fund's spending (or to a council
    decision, through its spending): how many, and the public ones to link to (a private
    request is counted, never shown)."""

    ids: set[int] = field(default_factory=set)
    public: list[Appeal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ids)

    def add(self, appeal: Appeal) -> None:
        # One request may be linked to two spending items of one decision: counted once.
        if appeal.pk not in self.ids:
            self.ids.add(appeal.pk)
            if not appeal.is_private:
                self.public.append(appeal)


def requests_behind(
    *, commitment_ids: Sequence[int] = (), approval_ids: Sequence[int] = ()
) -> tuple[dict[int, RequestsBehind], dict[int, RequestsBehind]]:
    """For the fund's public pages: the requests behind each spending item
    (``commitment_ids``) and behind each council decision (``approval_ids``: the requests
    linked to any of its spending), oldest link first. One query for both."""
    by_commitment: dict[int, RequestsBehind] = {}
    by_approval: dict[int, RequestsBehind] = {}
    if not commitment_ids and not approval_ids:
        return by_commitment, by_approval
    links = (
        AppealOutcome.objects.filter(
            Q(commitment_id__in=list(commitment_ids))
            | Q(commitment__approval_id__in=list(approval_ids))
        )
        .select_related("appeal", "appeal__category")
        .only(
            "commitment_id",
            "commitment__approval_id",
            "appeal__id",
            "appeal__is_private",
            "appeal__status",
            "appeal__category__name",
            "appeal__category__name_en",
        )
        .annotate(approval=F("commitment__approval_id"))
        .order_by("created_at", "id")
    )
    wanted_commitments, wanted_approvals = set(commitment_ids), set(approval_ids)
    for link in links:
        approval_id = link.approval
        if link.commitment_id in wanted_commitments:
            by_commitment.setdefault(link.commitment_id, RequestsBehind()).add(link.appeal)
        if approval_id in wanted_approvals:
            by_approval.setdefault(approval_id, RequestsBehind()).add(link.appeal)
    return by_commitment, by_approval


def requests_behind_prefetch() -> Prefetch:
    """For a list of spending items paginated later (the staff API): their links to
    requests fetched with the page, one query, read by ``prefetched_requests_behind``."""
    return Prefetch(
        "from_appeals",
        queryset=AppealOutcome.objects.select_related("appeal", "appeal__category").order_by(
            "created_at", "id"
        ),
    )


def prefetched_requests_behind(commitment: Any) -> RequestsBehind | None:
    """The requests behind a spending item fetched by ``requests_behind_prefetch``."""
    links = getattr(commitment, "_prefetched_objects_cache", {}).get("from_appeals")
    if links is None:
        return None
    behind = RequestsBehind()
    for link in links:
        behind.add(link.appeal)
    return behind


def attach_requests_behind(
    *, commitments: Sequence[Any] = (), decisions: Sequence[Any] = ()
) -> None:
    """Set ``requests_behind`` (a ``RequestsBehind``) on each spending item and council
    decision a fund page or the API shows."""
    by_commitment, by_approval = requests_behind(
        commitment_ids=[c.pk for c in commitments], approval_ids=[d.pk for d in decisions]
    )
    for commitment in commitments:
        commitment.requests_behind = by_commitment.get(commitment.pk, RequestsBehind())
    for decision in decisions:
        decision.requests_behind = by_approval.get(decision.pk, RequestsBehind())


# ---------------------------------------------------------------- handling inside a unit


def officer_choices(appeal: Appeal) -> list[tuple[int, str]]:
    """The officers of the request's unit, to assign it to: (user id, masked label)."""
    if appeal.unit is None:
        return []
    return member_choices(appeal.unit)


def officer_label(user: Any) -> str:
    """How an officer is shown in pickers and on staff pages: the masked real name and the
    account name (``王*明（wxm）``)."""
    from shequ.core.pii import mask_name

    name = user.get_full_name().strip()
    return f"{mask_name(name)}（{user.get_username()}）" if name else user.get_username()


def member_choices(unit: Unit) -> list[tuple[int, str]]:
    """The members of a unit: (user id, masked real name and account name)."""
    from shequ.appeals.permissions import unit_member_ids
    from shequ.people.models import User

    users = User.objects.filter(pk__in=unit_member_ids(unit)).order_by("username")
    return [(user.pk, officer_label(user)) for user in users]


def reply_templates_for(*, user: Any, unit_id: int | None = None) -> QuerySet[ReplyTemplate]:
    """Reply templates of the user's units (of one unit when ``unit_id`` is given)."""
    queryset = ReplyTemplate.objects.filter(unit_id__in=unit_ids_of(user)).select_related("unit")
    if unit_id is not None:
        queryset = queryset.filter(unit_id=unit_id)
    return queryset.order_by("unit__name", "title", "id")


def escalated_for(*, user: Any) -> QuerySet[Appeal]:
    """督办: open requests escalated as overdue that the user may open (their units',
    their dispatching or supervising area), highest level and oldest deadline first."""
    condition = Q(unit_id__in=unit_ids_of(user))
    for extra in (_dispatch_q(user), _supervise_q(user)):
        if extra is None:
            condition = Q()
            break
        condition |= extra
    return (
        Appeal.objects.filter(condition, escalation_level__gt=0, status__in=Appeal.OPEN_STATUSES)
        .select_related("category", "unit", "community")
        .order_by("-escalation_level", "deadline_at", "id")
    )


def escalated_counts(*, user: Any) -> dict[str, int]:
    """How many escalated requests the user sees, in all and at each level."""
    return escalated_for(user=user).aggregate(
        total=Count("pk"),
        unit=Count("pk", filter=Q(escalation_level=1)),
        desk=Count("pk", filter=Q(escalation_level=2)),
    )
