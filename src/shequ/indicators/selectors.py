"""Reads of the indicators app, scoped to the reader's areas."""

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from typing import Any

from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import NotFound
from shequ.core.scopes import areas_q
from shequ.indicators.models import Indicator, Period, Result, Run, TreeVersion, Value
from shequ.indicators.permissions import can_view_division
from shequ.indicators.sources import SOURCES
from shequ.people.permissions import READERS, areas_of
from shequ.places.models import Division


def version_current() -> TreeVersion | None:
    """The published version (the newest one when there are several)."""
    return (
        TreeVersion.objects.filter(status=TreeVersion.Status.PUBLISHED).order_by("-number").first()
    )


def version_list() -> QuerySet[TreeVersion]:
    return TreeVersion.objects.order_by("-number")


def version_get(version_id: int) -> TreeVersion:
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("Not found."))
    return version


@dataclass
class TreeRow:
    dimension: Any
    subs: list[tuple[Any, list[Indicator]]]


def tree_of(version: TreeVersion) -> list[TreeRow]:
    """Dimensions → sub-dimensions → indicators, in order (three queries)."""
    nodes = list(version.nodes.all())
    indicators = list(version.indicators.all())
    rows = []
    for dimension in [n for n in nodes if n.parent_id is None]:
        subs = [
            (sub, [i for i in indicators if i.node_id == sub.pk])
            for sub in nodes
            if sub.parent_id == dimension.pk
        ]
        rows.append(TreeRow(dimension=dimension, subs=subs))
    return rows


def run_latest(version: TreeVersion | None = None, year: int | None = None) -> Run | None:
    runs = Run.objects.filter(status=Run.Status.DONE).select_related("version")
    if version is not None:
        runs = runs.filter(version=version)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-year", "-id").first()


def run_get(run_id: int) -> Run:
    run = Run.objects.select_related("version").filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found", _("Not found."))
    return run


def run_list() -> QuerySet[Run]:
    return Run.objects.select_related("version").order_by("-id")


def _scoped(queryset: QuerySet[Any], user: Any, field: str) -> QuerySet[Any]:
    areas = [a for a in areas_of(user) if a.role in READERS or a.role == "system_admin"]
    condition = areas_q(areas, division_field=field)
    return queryset if condition is None else queryset.filter(condition)


def results_for(*, user: Any, run: Run, level: str, within: str | None = None) -> QuerySet[Result]:
    """Results of one level inside the reader's areas (and inside ``within``), best first."""
    results = _scoped(
        Result.objects.filter(run=run, level=level).select_related("division"),
        user,
        "division_id",
    )
    if within:
        from shequ.core.scopes import within as within_q

        results = results.filter(within_q("division_id", within))
    # Ranked units first, best first, on every database (SQLite sorts NULL first).
    return results.order_by(F("city_rank").asc(nulls_last=True), "division_id")


def result_get_for(*, user: Any, run: Run, code: str) -> Result:
    if not can_view_division(user, code):
        raise NotFound("not_found", _("Not found."))
    result = Result.objects.filter(run=run, division_id=code).select_related("division").first()
    if result is None:
        raise NotFound("not_found", _("Not found."))
    return result


def results_history_for(*, user: Any, code: str) -> list[Result]:
    """The unit's result in the newest run of each year (its trend)."""
    if not can_view_division(user, code):
        raise NotFound("not_found", _("Not found."))
    latest: dict[int, Result] = {}
    for result in (
        Result.objects.filter(division_id=code, run__status=Run.Status.DONE)
        .select_related("run")
        .order_by("run__year", "run_id")
    ):
        latest[result.run.year] = result
    return [latest[y] for y in sorted(latest)]


@dataclass
class ValueRow:
    indicator: Indicator
    value: Value | None
    met: bool | None


def values_of(*, run: Run, code: str) -> list[ValueRow]:
    """Each indicator of the run's version with the unit's value and 达标."""
    indicators = list(run.version.indicators.select_related("node").all())
    values = {
        v.indicator_id: v
        for v in Value.objects.filter(
            indicator__in=indicators, division_id=code, year=run.year
        ).select_related("computation")
    }
    rows = []
    for indicator in indicators:
        value = values.get(indicator.pk)
        met = None
        if value is not None and value.value is not None:
            target = float(indicator.target)
            met = (
                value.value >= target
                if indicator.direction == Indicator.Direction.HIGHER
                else value.value <= target
            )
        rows.append(ValueRow(indicator=indicator, value=value, met=met))
    return rows


def value_get_for(*, user: Any, value_id: int) -> Value:
    value = (
        Value.objects.select_related("indicator", "division", "computation")
        .filter(pk=value_id)
        .first()
    )
    if value is None or not can_view_division(user, value.division_id):
        raise NotFound("not_found", _("Not found."))
    return value


@dataclass
class RecordsPage:
    part: str
    label: str
    model_name: str
    count: int
    rows: list[Model]
    total: float | None
    field: str | None
    # With declared columns, only these are shown: their labels and each row's cells.
    columns: list[str] = dc_field(default_factory=list)
    cells: list[list[tuple[str, str]]] = dc_field(default_factory=list)


RECORDS_SHOWN = 200


def _cell(row: Model, path: str) -> str:
    """The value at ``path`` ("appeal.number", "get_kind_display") of a row, as text."""
    value: Any = row
    for name in path.split("."):
        if value is None:
            return ""
        value = getattr(value, name)
        if callable(value):
            value = value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _related(model: type[Model], paths: list[str]) -> list[str]:
    """The foreign keys the columns read, to fetch them with the rows."""
    out: list[str] = []
    for path in paths:
        parts = path.split(".")
        current: Any = model
        chain: list[str] = []
        for name in parts:
            try:
                found = current._meta.get_field(name)
            except Exception:
                break
            if not (found.many_to_one or found.one_to_one):
                break
            chain.append(name)
            current = found.related_model
        if chain:
            out.append("__".join(chain))
    return out


def value_records(value: Value, part: str) -> RecordsPage:
    """The records counted for one part (numerator or denominator) of a computed value —
    the very rows the computation counted, by the same definition."""
    source = SOURCES.get(value.indicator.computation)
    if source is None or part not in source.parts():
        raise NotFound("not_found", _("Not found."))
    records = source.parts()[part]
    queryset = records.for_community(value.year, value.division_id).order_by("pk")
    paths = [path for path, _label in records.columns or ()]
    related = _related(records.model_class(), paths)
    if related:
        queryset = queryset.select_related(*related)
    total = None
    if records.field:
        from django.db.models import Sum

        total_value = queryset.aggregate(t=Sum(records.field))["t"]
        total = float(total_value) if total_value is not None else None
    rows = list(queryset[:RECORDS_SHOWN])
    return RecordsPage(
        part=part,
        label=str(records.label),
        model_name=str(records.model_class()._meta.verbose_name_plural),
        count=queryset.count(),
        rows=rows,
        total=total,
        field=records.field,
        columns=[str(label) for _path, label in records.columns or ()],
        cells=[
            [(str(label), _cell(row, path)) for path, label in records.columns or ()]
            for row in rows
        ],
    )


def periods() -> QuerySet[Period]:
    return Period.objects.order_by("-year")


def entered_indicators(version: TreeVersion) -> QuerySet[Indicator]:
    return version.indicators.filter(source=Indicator.Source.ENTERED).select_related("node")


def entered_values_for(*, user: Any, version: TreeVersion, year: int) -> QuerySet[Value]:
    values = Value.objects.filter(
        indicator__version=version, year=year, source=Indicator.Source.ENTERED
    ).select_related("indicator", "division")
    return _scoped(values, user, "division_id").order_by("indicator__order", "division_id")


def divisions_named(codes: list[str]) -> dict[str, Division]:
    return {d.code: d for d in Division.objects.filter(code__in=codes)}


# --- public (no login): only what the committee published ---------------------------------


def run_published() -> Run | None:
    """The finished run the committee published last, or None (nothing is public)."""
    return (
        Run.objects.filter(status=Run.Status.DONE, published_at__isnull=False)
        .select_related("version")
        .order_by("-published_at", "-id")
        .first()
    )


def results_public() -> tuple[Run | None, list[Result]]:
    """The published run and its results of every unit (community, street, district); an
    unpublished run is never read here."""
    run = run_published()
    if run is None:
        return None, []
    return run, list(Result.objects.filter(run=run).order_by("division_id"))
