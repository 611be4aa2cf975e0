"""Statistics the public and the committee can trust (三率 and more), read from the raw events.

Per unit and per district for any period [since, until): volume, response rate, on-time rate,
resolution rate, satisfaction rate, return (退单) and reopen rates, handling time in working
days (mean and p90), and dissatisfaction split by the cause residents gave. Every rate comes
with its Wilson 95 % interval, and a unit is ranked only with at least ``RANK_MINIMUM``
ratings: a 100 % of two ratings says little, and the interval shows how little.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

import numpy as np
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from shequ.appeals.models import (
    AppealEvent,
    AppealRating,
    DissatisfactionCause,
    Satisfaction,
    Unit,
)
from shequ.places.models import Division

RATE_FIELDS = (
    "dispatched",
    "responded",
    "closed",
    "on_time",
    "returned",
    "reopened",
    "rated",
    "resolved",
    "satisfied",
)

# Ratings a unit needs before it is ranked (with fewer, the 95 % interval spans tens of points).
RANK_MINIMUM = 10


@dataclass(frozen=True)
class Interval:
    """A Wilson score 95 % interval of a rate, in per cent to one decimal."""

    low: float
    high: float


def wilson(part: int, whole: int) -> Interval | None:
    """The Wilson score 95 % interval of ``part`` out of ``whole`` (None when nothing counted)."""
    if not whole:
        return None
    from scipy.stats import binomtest

    ci = binomtest(part, whole).proportion_ci(confidence_level=0.95, method="wilson")
    return Interval(round(100 * ci.low, 1), round(100 * ci.high, 1))


class Rates:
    """The rates (三率, 按时办结率, 退单率, 重办率) of some counts, in per cent to one decimal."""

    dispatched: int
    responded: int
    closed: int
    on_time: int
    returned: int
    reopened: int
    rated: int
    resolved: int
    satisfied: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.rated)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.closed)

    @property
    def return_rate(self) -> float | None:
        """退单率: dispatches the unit sent back."""
        return self._rate(self.returned, self.dispatched)

    @property
    def reopen_rate(self) -> float | None:
        """重办率: handled requests reopened by the resident's rating."""
        return self._rate(self.reopened, self.closed)

    def interval(self, rate: str) -> Interval | None:
        """The 95 % interval of ``rate`` (``response``, ``on_time``, ``resolution``,
        ``satisfaction``, ``return`` or ``reopen``)."""
        part, whole = {
            "response": (self.responded, self.dispatched),
            "on_time": (self.on_time, self.closed),
            "resolution": (self.resolved, self.rated),
            "satisfaction": (self.satisfied, self.rated),
            "return": (self.returned, self.dispatched),
            "reopen": (self.reopened, self.closed),
        }[rate]
        return wilson(part, whole)

    @property
    def intervals(self) -> dict[str, Interval | None]:
        return {
            name: self.interval(name)
            for name in ("response", "on_time", "resolution", "satisfaction", "return", "reopen")
        }


@dataclass(frozen=True)
class AreaRates(Rates):
    """The counts behind the rates of an area (summed from its communities' counts)."""

    dispatched: int = 0
    responded: int = 0
    closed: int = 0
    on_time: int = 0
    returned: int = 0
    reopened: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0


@dataclass(frozen=True)
class UnitRates(AreaRates):
    """One unit's (or one district's) statistics for the period."""

    unit: Unit | None = None
    district: Division | None = None
    days_mean: float | None = None
    days_p90: float | None = None
    causes: dict[str, int] = field(default_factory=dict)
    rank: int | None = None

    @property
    def name(self) -> str:
        return self.unit.name if self.unit else self.district.name if self.district else ""

    @property
    def cause_rows(self) -> list[tuple[str, int]]:
        """(cause label, count) of the unhappy ratings, most frequent first; unstated last."""
        labels = dict(DissatisfactionCause.choices)
        rows = [(str(labels[c]), n) for c, n in self.causes.items() if c in labels and n]
        rows.sort(key=lambda r: -r[1])
        if self.causes.get(""):
            rows.append((str(_("No reason given")), self.causes[""]))
        return rows


def _rate_counts(*, since: datetime, until: datetime, by: str) -> dict[Any, dict[str, int]]:
    """The counts behind the rates for [since, until), grouped by ``by`` (``unit_id`` or
    ``community_id``; the same events and ratings either way).

    响应率: dispatches to the unit answered by it (signed or returned) before the deadline;
    解决率: ratings of the unit's handling saying "fixed"; 满意率: ratings 满意 or 基本满意.
    """
    window = Q(at__gte=since, at__lt=until)
    # ``responded`` and ``working_days`` are stored on the events when the unit answers or
    # closes: no join with the requests, which at 5,000,000 cost seconds a month. Rows are
    # counted by a column of the month's index (never null), not the primary key, so
    # PostgreSQL reads the month from the index alone.
    dispatches = (
        AppealEvent.objects.filter(window, kind=AppealEvent.Kind.DISPATCHED)
        .values(by)
        .annotate(n=Count("kind"), ok=Count("kind", filter=Q(responded=True)))
        .order_by()
    )
    counts: dict[Any, dict[str, int]] = {}

    def slot(group: Any) -> dict[str, int]:
        return counts.setdefault(group, {})

    for row in dispatches:
        slot(row[by]).update(dispatched=row["n"], responded=row["ok"])
    kinds = AppealEvent.Kind
    for row in (
        AppealEvent.objects.filter(window, kind__in=[kinds.CLOSED, kinds.RETURNED, kinds.REOPENED])
        .values(by)
        .annotate(
            closed=Count("kind", filter=Q(kind=kinds.CLOSED)),
            on_time=Count("kind", filter=Q(kind=kinds.CLOSED, on_time=True)),
            returned=Count("kind", filter=Q(kind=kinds.RETURNED)),
            reopened=Count("kind", filter=Q(kind=kinds.REOPENED)),
        )
        .order_by()
    ):
        slot(row[by]).update(
            closed=row["closed"],
            on_time=row["on_time"],
            returned=row["returned"],
            reopened=row["reopened"],
        )
    for row in (
        AppealRating.objects.filter(created_at__gte=since, created_at__lt=until)
        .values(by)
        .annotate(
            rated=Count("created_at"),
            resolved=Count("created_at", filter=Q(fixed=True)),
            satisfied=Count("created_at", filter=~Q(level=Satisfaction.DISSATISFIED)),
        )
        .order_by()
    ):
        slot(row[by]).update(
            rated=row["rated"], resolved=row["resolved"], satisfied=row["satisfied"]
        )
    return {
        group: {f: found.get(f, 0) for f in RATE_FIELDS}
        for group, found in counts.items()
        if group is not None
    }


def _same(group: Any) -> Any:
    return group


def _district_of(community_code: str) -> str:
    return f"{community_code[:6]}000000"


def _cause_counts(
    *, since: datetime, until: datetime, by: str, regroup: Callable[[Any], Any] = _same
) -> dict[Any, dict[str, int]]:
    """Unhappy ratings (不满意 or not fixed) per group and cause ("" when none was given)."""
    causes: dict[Any, dict[str, int]] = {}
    for row in (
        AppealRating.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(Q(level=Satisfaction.DISSATISFIED) | Q(fixed=False))
        .values(by, "cause")
        .annotate(n=Count("created_at"))
        .order_by()
    ):
        mine = causes.setdefault(regroup(row[by]), {})
        mine[row["cause"]] = mine.get(row["cause"], 0) + row["n"]
    return causes


def _handling_days(
    *, since: datetime, until: datetime, by: str, regroup: Callable[[Any], Any] = _same
) -> dict[Any, tuple[float, float]]:
    """Mean and 90th percentile of working days from intake to each 办结 in the period, per
    group: working days after the day received up to and including the day handled, as
    counted when it was handled."""
    rows = list(
        AppealEvent.objects.filter(
            at__gte=since, at__lt=until, kind=AppealEvent.Kind.CLOSED, working_days__isnull=False
        ).values_list(by, "working_days")
    )
    rows = [(regroup(group), days) for group, days in rows if group is not None]
    if not rows:
        return {}
    keys, inverse = np.unique(np.array([r[0] for r in rows], dtype=object), return_inverse=True)
    # One sort, then each group's days are a contiguous slice.
    order = np.argsort(inverse, kind="stable")
    slices = np.split(
        np.array([r[1] for r in rows], dtype=float)[order], np.cumsum(np.bincount(inverse))[:-1]
    )
    return {
        key: (
            round(float(mine.mean()), 1),
            round(float(np.percentile(mine, 90, method="inverted_cdf")), 1),
        )
        for key, mine in zip(keys.tolist(), slices, strict=True)
    }


def _ranked(rows: list[UnitRates]) -> list[UnitRates]:
    """Rank by satisfaction rate (then resolution, then volume) the rows with enough
    ratings; the rest follow, unranked, by volume."""
    enough = [r for r in rows if r.rated >= RANK_MINIMUM]
    enough.sort(
        key=lambda r: (-(r.satisfaction_rate or 0), -(r.resolution_rate or 0), -r.dispatched)
    )
    rest = sorted((r for r in rows if r.rated < RANK_MINIMUM), key=lambda r: -r.dispatched)
    return [replace(r, rank=n) for n, r in enumerate(enough, 1)] + rest


def unit_rates(*, since: datetime, until: datetime) -> list[UnitRates]:
    """Every unit's statistics for requests dispatched / closed / rated in [since, until),
    ranked where it has ``RANK_MINIMUM`` ratings or more."""
    by = "unit_id"
    per_unit = _rate_counts(since=since, until=until, by=by)
    days = _handling_days(since=since, until=until, by=by)
    causes = _cause_counts(since=since, until=until, by=by)
    units = Unit.objects.in_bulk(list(per_unit))
    rows = [
        UnitRates(
            **cast(dict[str, Any], counts),
            unit=units[uid],
            days_mean=days.get(uid, (None, None))[0],
            days_p90=days.get(uid, (None, None))[1],
            causes=causes.get(uid, {}),
        )
        for uid, counts in per_unit.items()
        if uid in units
    ]
    return _ranked(sorted(rows, key=lambda r: (-r.dispatched, r.name)))


def district_rates(*, since: datetime, until: datetime) -> list[UnitRates]:
    """The same statistics per district, from the requests of its communities (every unit
    that handled them), in code order; not ranked (districts differ too much in size)."""
    by = "community_id"
    sums: dict[str, dict[str, int]] = {}
    for community, counts in _rate_counts(since=since, until=until, by=by).items():
        district = sums.setdefault(_district_of(community), dict.fromkeys(RATE_FIELDS, 0))
        for name, value in counts.items():
            district[name] += value
    causes = _cause_counts(since=since, until=until, by=by, regroup=_district_of)
    days = _handling_days(since=since, until=until, by=by, regroup=_district_of)
    districts = Division.objects.in_bulk(list(sums))
    return [
        UnitRates(
            **cast(dict[str, Any], counts),
            district=districts[code],
            days_mean=days.get(code, (None, None))[0],
            days_p90=days.get(code, (None, None))[1],
            causes=causes.get(code, {}),
        )
        for code, counts in sorted(sums.items())
        if code in districts
    ]


def community_rate_counts(*, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """The counts behind the rates per community of the requests, for [since, until): sum
    them over communities and read the rates with ``AreaRates(**sums)`` for any area."""
    return _rate_counts(since=since, until=until, by="community_id")
