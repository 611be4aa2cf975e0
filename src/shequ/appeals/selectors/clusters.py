"""Reads of problem clusters (问题簇) and recurrence (复发): the neighbours a new request
joins at intake, a cluster's public summary, the staff list, and the recurrence rate per
unit and per district for a period (with its Wilson 95 % interval)."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import (
    Appeal,
    AppealCluster,
    AppealFollower,
    AppealFollowup,
    AppealOutcome,
    Unit,
)
from shequ.appeals.selectors import METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON, _metres
from shequ.appeals.selectors.rates import Interval, wilson
from shequ.core.errors import NotFound
from shequ.core.scopes import Role, areas_q
from shequ.funds.models import Commitment
from shequ.people.permissions import READERS, areas_of
from shequ.places.models import Division

# Requests of one category within this many metres of each other (or of one community when
# either has no pin), each received within this many days of an earlier one, are one problem.
CLUSTER_METRES = 100
CLUSTER_DAYS = 90
# Neighbours read at most at one intake (the nearest and newest are what matter).
CLUSTER_SCAN = 500
# What clustering reads of a neighbour (not its description, up to 2,000 characters).
NEIGHBOUR_FIELDS = (
    *("id", "category_id", "community_id", "status", "created_at", "closed_at"),
    *("latitude", "longitude", "cluster", "cluster__id", "cluster__last_at"),
)
# A handled request is "fixed" for recurrence once it is closed (办结) or rated fixed.
HANDLED = (Appeal.Status.CLOSED, Appeal.Status.RATED)
# What a page of clusters is shaped into (summaries, or an API row).
Shaped = TypeVar("Shaped")
Other = TypeVar("Other")


def cluster_neighbours(
    *,
    category_id: int,
    community_code: str,
    longitude: float | None,
    latitude: float | None,
    before: datetime,
    exclude_id: int | None = None,
) -> list[Appeal]:
    """Requests of the same category received in the ``CLUSTER_DAYS`` days up to ``before``
    within ``CLUSTER_METRES`` of the pin; requests without a pin count when they are of the
    same community (and, without a pin, every request of the community counts).

    One query: the bounding box of the pin on the index ``appeal_cluster`` (category,
    latitude, longitude, created_at), or the community on ``appeal_cluster_place``; the exact
    distance is checked after. Newest first."""
    since = before - timedelta(days=CLUSTER_DAYS)
    base = Appeal.objects.filter(
        category_id=category_id, created_at__gte=since, created_at__lte=before
    )
    if exclude_id is not None:
        base = base.exclude(pk=exclude_id)
    if longitude is None or latitude is None:
        where = Q(community_id=community_code)
    else:
        dlat = CLUSTER_METRES / METRES_PER_DEGREE_LAT
        dlon = CLUSTER_METRES / (METRES_PER_DEGREE_LON * math.cos(math.radians(latitude)))
        where = Q(
            latitude__gte=latitude - dlat,
            latitude__lte=latitude + dlat,
            longitude__gte=longitude - dlon,
            longitude__lte=longitude + dlon,
        ) | Q(community_id=community_code, latitude__isnull=True)
    rows = list(
        base.filter(where)
        .select_related("cluster")
        .only(*NEIGHBOUR_FIELDS)
        .order_by("-created_at", "-id")[:CLUSTER_SCAN]
    )
    if longitude is None or latitude is None:
        return rows
    return [
        a
        for a in rows
        if a.latitude is None
        or a.longitude is None
        or _metres(longitude, latitude, a.longitude, a.latitude) <= CLUSTER_METRES
    ]


@dataclass(frozen=True)
class ClusterSummary:
    """What anyone may read of a cluster: counts only, never a reporter."""

    cluster: AppealCluster
    requests: int
    followers: int
    open: int
    handled: int
    recurrences: int
    first_at: datetime
    last_at: datetime

    @property
    def reports(self) -> int:
        """Times the problem was reported: every request and every "me too"."""
        return self.requests + self.followers


def _summaries(clusters: list[AppealCluster]) -> dict[int, ClusterSummary]:
    ids = [c.pk for c in clusters]
    if not ids:
        return {}
    counts = {
        row["cluster_id"]: row
        for row in Appeal.objects.filter(cluster_id__in=ids)
        .values("cluster_id")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(status__in=Appeal.OPEN_STATUSES)),
            recurrences=Count("pk", filter=Q(recurrence_of__isnull=False)),
            first=Min("created_at"),
            last=Max("created_at"),
        )
        .order_by()
    }
    follows = dict(
        AppealFollower.objects.filter(appeal__cluster_id__in=ids)
        .values("appeal__cluster_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("appeal__cluster_id", "n")
    )
    result = {}
    for cluster in clusters:
        row = counts.get(cluster.pk)
        if row is None:
            continue
        result[cluster.pk] = ClusterSummary(
            cluster=cluster,
            requests=row["n"],
            followers=follows.get(cluster.pk, 0),
            open=row["open"],
            handled=row["n"] - row["open"],
            recurrences=row["recurrences"],
            first_at=row["first"],
            last_at=row["last"],
        )
    return result


def cluster_summary(cluster_id: int | None) -> ClusterSummary | None:
    """The counts of one cluster (None: the request is in no cluster)."""
    if cluster_id is None:
        return None
    cluster = AppealCluster.objects.select_related("category", "community").filter(pk=cluster_id)
    return _summaries(list(cluster)).get(cluster_id)


@dataclass(frozen=True)
class ClusterOutcome:
    """What a cluster's requests led to: ``linked`` of them link to the proposal or project
    (first on ``since``), and ``since_count`` requests of the cluster came in after that."""

    outcome: AppealOutcome
    linked: int
    since: datetime
    since_count: int


def cluster_outcomes(cluster_id: int | None) -> list[ClusterOutcome]:
    """Every proposal or project the cluster's requests are linked to, with how many requests
    led to it and how many of the cluster came in since the first link."""
    if cluster_id is None:
        return []
    links = list(
        AppealOutcome.objects.filter(appeal__cluster_id=cluster_id)
        .select_related("proposal", "project", "commitment", "commitment__approval")
        .order_by("created_at", "id")
    )
    grouped: dict[tuple[int | None, int | None, int | None], list[AppealOutcome]] = {}
    for link in links:
        key = (link.proposal_id, link.project_id, link.commitment_id)
        grouped.setdefault(key, []).append(link)
    if not grouped:
        return []
    received = list(
        Appeal.objects.filter(cluster_id=cluster_id).values_list("created_at", flat=True)
    )
    result = []
    for group in grouped.values():
        since = group[0].created_at
        result.append(
            ClusterOutcome(
                outcome=group[0],
                linked=len(group),
                since=since,
                since_count=sum(1 for at in received if at > since),
            )
        )
    return result


def spending_choices(community_code: str) -> QuerySet[Commitment]:
    """The spending items of a community's fund (public in its disclosure), newest first:
    what its requests may have led to."""
    return (
        Commitment.objects.filter(community_id=community_code)
        .select_related("approval")
        .order_by("-created_at", "-id")
    )


def cluster_members(cluster: AppealCluster) -> QuerySet[Appeal]:
    """The cluster's requests, newest first (staff: with every field)."""
    return (
        Appeal.objects.filter(cluster=cluster)
        .select_related("category", "unit", "community")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Complainant:
    """Someone who reported the problem or said "me too" (staff only): an account's name,
    or a hotline or app caller's name (never the number)."""

    name: str
    requests: int
    follows: int


def cluster_complainants(cluster: AppealCluster) -> list[Complainant]:
    """Every person who complained about the problem: reporters (accounts and callers) and
    followers, those with the most reports first."""
    people: dict[Any, list[Any]] = {}
    for user_id, username, caller, pk in Appeal.objects.filter(cluster=cluster).values_list(
        "reporter_id", "reporter__username", "caller_name", "pk"
    ):
        key = ("user", user_id) if user_id else ("call", pk)
        name = username if user_id else (caller or str(_("Caller without an account")))
        people.setdefault(key, [name, 0, 0])[1] += 1
    for user_id, username in AppealFollower.objects.filter(appeal__cluster=cluster).values_list(
        "user_id", "user__username"
    ):
        people.setdefault(("user", user_id), [username, 0, 0])[2] += 1
    rows = [Complainant(name, n, f) for name, n, f in people.values()]
    return sorted(rows, key=lambda c: (-(c.requests + c.follows), c.name))


def _area_q(user: Any) -> Q | None:
    areas = [a for a in areas_of(user) if a.role in READERS or a.role == Role.SYSTEM_ADMIN]
    if not areas:
        return Q(pk__in=[])
    return areas_q(areas, division_field="community_id")


class ClusterSummaries(Sequence[Shaped]):
    """Clusters as summaries (or in the ``shape`` a caller asks for), counted and sliced in
    the database: a page (the console's paginator, the API's) reads only its own clusters'
    counts."""

    def __init__(
        self, queryset: QuerySet[AppealCluster], shape: Callable[[ClusterSummary], Shaped]
    ) -> None:
        self.queryset = queryset
        self.shape = shape

    def shaped(self, shape: Callable[[ClusterSummary], Other]) -> "ClusterSummaries[Other]":
        return ClusterSummaries(self.queryset, shape)

    def __len__(self) -> int:
        return self.queryset.count()

    @overload
    def __getitem__(self, index: int) -> Shaped: ...

    @overload
    def __getitem__(self, index: slice) -> list[Shaped]: ...

    def __getitem__(self, index: int | slice) -> Shaped | list[Shaped]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        clusters = list(self.queryset[index])
        summaries = _summaries(clusters)
        return [self.shape(summaries[c.pk]) for c in clusters if c.pk in summaries]


def clusters_for_staff(*, user: Any) -> ClusterSummaries[ClusterSummary]:
    """Clusters of the staff member's area, newest request first, with their counts."""
    queryset = AppealCluster.objects.select_related("category", "community")
    condition = _area_q(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return ClusterSummaries(queryset.order_by("-last_at", "-id"), lambda summary: summary)


def cluster_get_for_staff(*, user: Any, cluster_id: int) -> AppealCluster:
    """A cluster of the staff member's area.

    Raises: NotFound."""
    queryset = AppealCluster.objects.select_related("category", "community")
    condition = _area_q(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    cluster = queryset.filter(pk=cluster_id).first()
    if cluster is None:
        raise NotFound("cluster_not_found", _("No such problem cluster in your area."))
    return cluster


# --------------------------------------------------------------------------- recurrence


@dataclass(frozen=True)
class Recurrence:
    """复发率 of a unit or a district for a period: of the requests ``received``, how many
    were ``recurrences`` (received after an earlier request of their cluster was handled)."""

    name: str
    code: str | None
    received: int
    recurrences: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.recurrences / self.received, 1) if self.received else None

    @property
    def interval(self) -> Interval | None:
        return wilson(self.recurrences, self.received)


def _counts(since: datetime, until: datetime, by: str) -> list[dict[str, Any]]:
    return list(
        Appeal.objects.filter(created_at__gte=since, created_at__lt=until)
        .values(by)
        .annotate(n=Count("pk"), again=Count("pk", filter=Q(recurrence_of__isnull=False)))
        .order_by()
    )


def unit_recurrence(*, since: datetime, until: datetime) -> list[Recurrence]:
    """Per unit now handling the request (the unit routing gives that place and category),
    requests received in [since, until) and recurrences among them; most recurrences first."""
    rows = [r for r in _counts(since, until, "unit_id") if r["unit_id"] is not None]
    units = Unit.objects.in_bulk([r["unit_id"] for r in rows])
    result = [
        Recurrence(units[r["unit_id"]].name, None, r["n"], r["again"])
        for r in rows
        if r["unit_id"] in units
    ]
    return sorted(result, key=lambda r: (-r.recurrences, -r.received, r.name))


def district_recurrence(*, since: datetime, until: datetime) -> list[Recurrence]:
    """The same per district of the requests' communities, in code order."""
    sums: dict[str, list[int]] = {}
    for row in _counts(since, until, "community_id"):
        mine = sums.setdefault(row["community_id"][:6] + "000000", [0, 0])
        mine[0] += row["n"]
        mine[1] += row["again"]
    districts = Division.objects.in_bulk(list(sums))
    return [
        Recurrence(districts[code].name, code, n, again)
        for code, (n, again) in sorted(sums.items())
        if code in districts
    ]


# --------------------------------------------------------------------------- follow-ups


def followup_get(*, followup_id: int, user: Any) -> AppealFollowup:
    """A follow-up questionnaire, for its reporter only.

    Raises: NotFound (missing, or someone else's)."""
    followup = (
        AppealFollowup.objects.select_related(
            "appeal", "appeal__category", "appeal__community", "recurrence"
        )
        .filter(pk=followup_id)
        .first()
    )
    if followup is None or not getattr(user, "is_authenticated", False):
        raise NotFound("followup_not_found", _("No such follow-up."))
    if followup.reporter_id != user.pk:
        raise NotFound("followup_not_found", _("No such follow-up."))
    return followup


# --------------------------------------------------------------------------- corrections


def clusters_neighbouring(cluster: AppealCluster) -> Q:
    """Clusters a staff member may merge ``cluster`` with: the same category, in the same
    community or a neighbouring one (a community of the same street), other than itself."""
    return Q(
        category_id=cluster.category_id,
        community__code__startswith=cluster.community_id[:9],
    ) & ~Q(pk=cluster.pk)


# Candidates listed at most on a cluster's page (the newest request first).
MERGE_CHOICES = 50


def cluster_merge_choices(*, user: Any, cluster: AppealCluster) -> list[ClusterSummary]:
    """The clusters ``cluster`` may be merged with, with their counts: the same category, the
    same or a neighbouring community (same street), the user's area and editable by them,
    newest request first."""
    from shequ.appeals.permissions import may_link_outcome

    queryset = AppealCluster.objects.select_related("category", "community").filter(
        clusters_neighbouring(cluster)
    )
    condition = _area_q(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    clusters = [
        c
        for c in queryset.order_by("-last_at", "-id")[:MERGE_CHOICES]
        if may_link_outcome(user, c.community_id)
    ]
    summaries = _summaries(clusters)
    return [summaries[c.pk] for c in clusters if c.pk in summaries]
