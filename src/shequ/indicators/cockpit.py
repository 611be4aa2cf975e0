"""What a cockpit (驾驶舱) shows: the reader's units scored against their targets, headline
indicators, alerts drawn from the values, to-dos. The committee sees the districts, a district
its streets, a street its communities, a community worker their community's card."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.scopes import Role, within
from shequ.indicators.models import Indicator, Result, Run, TreeVersion, Value
from shequ.indicators.selectors import version_current
from shequ.people.permissions import READERS, areas_of
from shequ.places.models import Division

# Alerts: an indicator whose value misses its target in a unit, read as a warning.
ALERTS = {
    "applications_escalated": _("units with overdue (escalated) applications above target"),
    "milestones_on_time": _("units with project milestones late"),
    "fund_execution": _("units whose funds sit idle (execution below target)"),
    "coverage_all": _("units with 15-minute coverage gaps"),
    "survey_satisfaction": _("units with survey satisfaction below target"),
    "followups_answered": _("units with poor ratings left unanswered"),
}


@dataclass
class Headline:
    indicator: Indicator
    mean: float | None
    met: int
    measured: int


@dataclass
class Alert:
    code: str
    label: str
    count: int


def _home_area(user: Any) -> tuple[str, str]:
    """(division code, level of the units shown) of the reader's widest area."""
    areas = [a for a in areas_of(user) if a.role in READERS or a.role == Role.SYSTEM_ADMIN]
    if any(a.is_everywhere for a in areas):
        return "510100000000", "district"
    codes = sorted((a.division_code for a in areas if a.division_code), key=lambda c: c.count("0"))
    if not codes:
        return "", ""
    code = codes[-1]
    level = Division.objects.filter(pk=code).values_list("level", flat=True).first() or ""
    below = {"city": "district", "district": "street", "street": "community"}
    return code, below.get(level, "community")


def cockpit_for(*, user: Any, run: Run | None) -> dict[str, Any]:
    code, level = _home_area(user)
    if run is None or not code:
        return {"area": None, "units": [], "headlines": [], "alerts": [], "todos": _todos(user)}
    area = Division.objects.filter(pk=code).first()
    units = list(
        Result.objects.filter(run=run, level=level)
        .filter(within("division_id", code))
        .select_related("division")
        .order_by("-score")
    )
    own = Result.objects.filter(run=run, division_id=code).first() if level != "district" else None
    version: TreeVersion = run.version
    total = version.indicators.filter(level="community").count()
    headline_indicators = list(version.indicators.filter(headline=True))
    alert_indicators = list(version.indicators.filter(code__in=list(ALERTS)))
    wanted = {i.pk: i for i in [*headline_indicators, *alert_indicators]}
    values = (
        Value.objects.filter(indicator_id__in=list(wanted), year=run.year, value__isnull=False)
        .filter(within("division_id", code))
        .values_list("indicator_id", "value")
    )
    per: dict[int, list[float]] = defaultdict(list)
    for indicator_id, value in values:
        if value is not None:
            per[indicator_id].append(value)

    def met(indicator: Indicator, value: float) -> bool:
        target = float(indicator.target)
        return value >= target if indicator.direction == "higher" else value <= target

    headlines = [
        Headline(
            indicator=i,
            mean=sum(per[i.pk]) / len(per[i.pk]) if per[i.pk] else None,
            met=sum(1 for v in per[i.pk] if met(i, v)),
            measured=len(per[i.pk]),
        )
        for i in headline_indicators
    ]
    alerts = [
        Alert(
            code=i.code, label=str(ALERTS[i.code]), count=sum(1 for v in per[i.pk] if not met(i, v))
        )
        for i in alert_indicators
    ]
    chart = {
        "names": [u.division.name for u in units],
        "scores": [u.score for u in units],
        "codes": [u.division_id for u in units],
        "points": [
            [float(u.division.longitude), float(u.division.latitude), u.score, u.division.name]
            for u in units
            if u.division.longitude is not None and u.division.latitude is not None
        ],
    }
    return {
        "area": area,
        "level": level,
        "own": own,
        "units": units,
        "indicator_total": total,
        "headlines": headlines,
        "alerts": [a for a in alerts if a.count],
        "chart": chart,
        "todos": _todos(user),
    }


def _todos(user: Any) -> list[tuple[str, str]]:
    """(text, link) of what waits for the reader."""
    from shequ.indicators.permissions import can_edit_tree, can_enter_values

    todos: list[tuple[str, str]] = []
    version = version_current()
    if can_edit_tree(user):
        if version is None:
            todos.append((_("Install the indicator tree"), "/console/indicators/tree/"))
        if TreeVersion.objects.filter(status=TreeVersion.Status.DRAFT).exists():
            todos.append(
                (
                    _("A draft version of the tree waits to be published"),
                    "/console/indicators/tree/",
                )
            )
        if not Run.objects.filter(status=Run.Status.DONE).exists():
            todos.append((_("Run the first evaluation"), "/console/indicators/runs/"))
    if version is not None and can_enter_values(user):
        entered = version.indicators.filter(source=Indicator.Source.ENTERED).count()
        if entered:
            todos.append(
                (
                    _("%(n)s indicators are entered by staff: enter or import your values")
                    % {"n": entered},
                    "/console/indicators/entry/",
                )
            )
    return todos
