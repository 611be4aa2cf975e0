"""Periods and values: closing a year, computing indicators from the records, entering
values by hand and importing them from Excel.
"""

import json
import operator
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.indicators.models import (
    Computation,
    Indicator,
    Period,
    TreeVersion,
    Value,
)
from shequ.indicators.permissions import can_enter_value_for, can_enter_values
from shequ.indicators.services._common import (
    _decimal,
    _open_period,
    _require_editor,
)
from shequ.indicators.sources import SOURCES, Records, Source, compute, query_text
from shequ.places.models import Division


@transaction.atomic
def period_close(*, actor: Any, year: int) -> Period:
    """Close a year: its values, entries and results no longer change."""
    _require_editor(actor)
    period = _open_period(year)
    period.closed_at = timezone.now()
    period.closed_by = actor
    period.save()
    audit_record(
        actor=actor, verb="indicators.period_closed", target=period, division_code=CITY_CODE
    )
    return period


def _communities() -> list[str]:
    return list(
        Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


# Columns of a computed value, in the order ``_write_values`` writes them.
_VALUE_COLUMNS = (
    "indicator_id",
    "division_id",
    "year",
    "value",
    "source",
    "computation_id",
    "inputs",
    "note",
    "entered_by_id",
    "updated_at",
)


def _has_subquery(where: Q) -> bool:
    """Whether a filter holds an expression of its own (``Exists(…)``) beside lookups."""
    return any(
        _has_subquery(child) if isinstance(child, Q) else not isinstance(child, tuple)
        for child in where.children
    )


class _SharedCounts:
    """Counts per community for a recompute, each asked of the database once.

    Indicators that count the same rows (the residents behind every "per 1,000", the requests
    behind every request rate) share one result, keyed by the query's SQL and parameters, so
    two definitions share a result only when the database would be asked exactly the same.
    ``prefetch`` asks for all the counts of one model by the same path to the community in
    one grouped query, each as a filtered aggregate (``COUNT(*) FILTER (WHERE …)``): one pass
    over the requests' events instead of one per rate. A count of zero is dropped, as the
    separate query's GROUP BY would have no row for that community."""

    def __init__(self, year: int) -> None:
        self.year = year
        self._memo: dict[tuple[str, ...], dict[str, float]] = {}
        # Seconds of the query each result came from (a grouped query's, for each member).
        self._seconds: dict[tuple[str, ...], float] = {}
        self.queries = 0
        self.used = 0.0  # seconds of the queries behind the counts asked since the last reset

    def _key(self, records: Records, how: str) -> tuple[str, ...]:
        sql, params = records.queryset(self.year).query.sql_with_params()
        return (records.model, records.community, records.field or "", how, sql, repr(params))

    def __call__(self, records: Records, year: int, how: str) -> dict[str, float]:
        key = self._key(records, how)
        if key not in self._memo:
            started = time.monotonic()
            self._memo[key] = records.per_community(year, how)
            self._seconds[key] = time.monotonic() - started
            self.queries += 1
        self.used += self._seconds[key]
        return self._memo[key]

    def prefetch(self, sources: list[Source]) -> None:
        """Ask for every count ``sources`` will need, one grouped query per model and path."""
        wanted: dict[tuple[str, ...], tuple[Records, str]] = {}

        def note(records: Records, _year: int, how: str) -> dict[str, float]:
            wanted.setdefault(self._key(records, how), (records, how))
            return {}

        for source in sources:
            compute(source, self.year, note)
        groups: dict[tuple[str, ...], list[tuple[tuple[str, ...], Records, str]]] = {}
        for key, (records, how) in wanted.items():
            if key not in self._memo:
                # A count filtered by a subquery is asked alone: inside a grouped query the
                # subquery would run for every row of the others too.
                alone = (key,) if _has_subquery(records.where(self.year)) else ()
                groups.setdefault((records.model, records.community, *alone), []).append(
                    (key, records, how)
                )
        for (model, community, *_alone), members in groups.items():
            started = time.monotonic()
            if len(members) == 1:
                key, records, how = members[0]
                self._memo[key] = records.per_community(self.year, how)
            else:
                self._ask_together(model, community, members)
            for key, _records, _how in members:
                self._seconds[key] = time.monotonic() - started
            self.queries += 1

    def _ask_together(
        self, model: str, community: str, members: list[tuple[tuple[str, ...], Records, str]]
    ) -> None:
        wheres = [records.where(self.year) for _key, records, _how in members]
        queryset = members[0][1].model_class()._default_manager.all()
        if all(wheres):  # an empty Q is every row: then no filter at all
            queryset = queryset.filter(reduce(operator.or_, wheres))
        aggregates = {
            f"a{n}": records.aggregate(how, where if where else None)
            for n, ((_key, records, how), where) in enumerate(zip(members, wheres, strict=True))
        }
        rows = (
            queryset.order_by()
            .values(community)
            .annotate(**aggregates)
            .values_list(community, *aggregates)
        )
        results: list[dict[str, float]] = [{} for _ in members]
        for code, *figures in rows:
            if not code:
                continue
            for n, ((_key, _records, how), figure) in enumerate(zip(members, figures, strict=True)):
                if figure is not None and not (how == "count" and figure == 0):
                    results[n][code] = float(figure)
        for (key, _records, _how), result in zip(members, results, strict=True):
            self._memo[key] = result


def _write_values(rows: list[tuple[Any, ...]]) -> None:
    """Insert computed values (tuples in ``_VALUE_COLUMNS`` order) in one pass: COPY on
    PostgreSQL, one executemany elsewhere. A quarter of a million rows through model
    instances and ``bulk_create`` spent most of a recompute in Python."""
    if not rows:
        return
    table = connection.ops.quote_name(Value._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _VALUE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Names from the model's own table, quoted; every value is a parameter.
            marks = ", ".join(["%s"] * len(_VALUE_COLUMNS))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)


@transaction.atomic
def values_compute(*, actor: Any, version_id: int, year: int) -> int:
    """Compute every computed indicator of a version for a year from the records; returns how
    many values were stored. Each value keeps its counts; the computation keeps the query,
    when it was computed, how many units it gave values and the seconds its queries took."""
    _require_editor(actor)
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    communities = set(_communities())
    indicators = [
        (indicator, SOURCES[indicator.computation])
        for indicator in version.indicators.filter(source=Indicator.Source.COMPUTED)
        if indicator.computation in SOURCES
    ]
    counts = _SharedCounts(year)
    counts.prefetch([source for _indicator, source in indicators])
    computed: list[tuple[Computation, dict[str, float], dict[str, dict[str, float]]]] = []
    for indicator, source in indicators:
        started = time.monotonic()
        counts.used = 0.0
        values, inputs = compute(source, year, counts)
        inputs = {code: parts for code, parts in inputs.items() if code in communities}
        computation = Computation(
            indicator=indicator,
            year=year,
            queries={part: query_text(r, year) for part, r in source.parts().items()},
            units=len(inputs),
            # Its own arithmetic and the queries its counts came from (shared ones included).
            seconds=time.monotonic() - started + counts.used,
        )
        computed.append((computation, values, inputs))
    Computation.objects.bulk_create([c for c, _v, _i in computed])
    # The previous values of these indicators go in one statement. Straight to the database:
    # values are in no search index, and the portal's catch-all post_delete receiver would
    # otherwise make Django load and signal every row one by one.
    replaced = Value.objects.filter(indicator__in=[c.indicator_id for c, _v, _i in computed])
    replaced.filter(year=year)._raw_delete(replaced.db)
    now = Value._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    rows = [
        (
            computation.indicator_id,
            code,
            year,
            values.get(code),
            Indicator.Source.COMPUTED.value,
            computation.pk,
            json.dumps(parts),
            "",
            None,
            now,
        )
        for computation, values, inputs in sorted(computed, key=lambda c: c[0].indicator_id)
        for code, parts in sorted(inputs.items())
    ]
    # In the unique index's order (indicator, unit): each insert lands beside the one before.
    _write_values(rows)
    audit_record(
        actor=actor,
        verb="indicators.values_computed",
        target=version,
        division_code=CITY_CODE,
        changes={"year": [None, year], "values": [None, len(rows)]},
    )
    return len(rows)


def _entered_indicator(indicator_id: int) -> Indicator:
    indicator = Indicator.objects.select_related("version").filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound("not_found", _("No such indicator."))
    if indicator.source != Indicator.Source.ENTERED:
        raise DomainError(
            "computed",
            _("%(name)s is computed from the platform's records and cannot be entered.")
            % {"name": indicator.name},
            field="indicator",
        )
    return indicator


def _unit_level_ok(indicator: Indicator, division: Division) -> bool:
    return division.level == indicator.level


@transaction.atomic
def value_enter(
    *, actor: Any, indicator_id: int, division_code: str, year: int, raw: Any, note: str = ""
) -> Value:
    """Enter one value of an entered indicator for a unit in the actor's area.

    Raises:
        DomainError: not a number, out of range, wrong unit level, closed period.
        PermissionDenied: the unit is outside the actor's area.
    """
    if not can_enter_values(actor) or not can_enter_value_for(actor, division_code):
        raise PermissionDenied("forbidden", _("This unit is outside your area."))
    indicator = _entered_indicator(indicator_id)
    division = Division.objects.filter(pk=division_code).first()
    if division is None or not _unit_level_ok(indicator, division):
        raise DomainError(
            "level",
            _("%(name)s is entered per %(level)s.")
            % {"name": indicator.name, "level": indicator.get_level_display()},
            field="division",
        )
    _open_period(year)
    value = _decimal(raw, indicator.name)
    if value < 0 or (indicator.upper_bound is not None and value > indicator.upper_bound):
        raise DomainError(
            "range",
            _("%(name)s: %(value)s is outside the possible range.")
            % {"name": indicator.name, "value": value},
            field="value",
        )
    record, _created = Value.objects.update_or_create(
        indicator=indicator,
        division=division,
        year=year,
        defaults={
            "value": float(value),
            "source": Indicator.Source.ENTERED,
            "entered_by": actor,
            "note": note[:200],
            "computation": None,
            "inputs": {},
        },
    )
    audit_record(
        actor=actor,
        verb="indicators.value_entered",
        target=record,
        division_code=division_code,
        changes={"value": [None, str(value)], "indicator": [None, indicator.code]},
    )
    return record


@dataclass
class ImportResult:
    rows: int = 0
    saved: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _sheet_rows(raw: bytes) -> list[tuple[Any, ...]]:
    import io

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:
        raise DomainError(
            "not_xlsx", _("The file is not an Excel workbook (.xlsx)."), field="file"
        ) from None
    sheet = book.worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


@transaction.atomic
def values_import(*, actor: Any, version_id: int, year: int, raw: bytes) -> ImportResult:
    """Import entered values from Excel (columns 单位代码, 指标代码, 数值): all rows or none.

    Raises:
        DomainError: the period is closed or the file unreadable. Row problems are returned
        in ``errors`` with their row number, and nothing is saved.
    """
    if not can_enter_values(actor):
        raise PermissionDenied("forbidden", _("You may not enter indicator values."))
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    rows = _sheet_rows(raw)
    result = ImportResult()
    if not rows:
        result.errors.append((1, str(_("the file is empty"))))
        return result
    indicators = {i.code: i for i in version.indicators.all()}
    codes = [str(r[0] or "").strip() for r in rows[1:] if r]
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes)}
    parsed: list[tuple[Indicator, Division, Decimal]] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows[1:], start=2):
        if row is None or all(c in (None, "") for c in row):
            continue
        result.rows += 1
        cells = [*row, None, None, None][:3]
        code, key, raw_value = str(cells[0] or "").strip(), str(cells[1] or "").strip(), cells[2]
        indicator = indicators.get(key)
        if indicator is None:
            result.errors.append((number, str(_("unknown indicator %(key)s") % {"key": key})))
            continue
        if indicator.source != Indicator.Source.ENTERED:
            result.errors.append(
                (
                    number,
                    str(
                        _("%(name)s is computed and cannot be imported") % {"name": indicator.name}
                    ),
                )
            )
            continue
        division = divisions.get(code)
        if division is None:
            result.errors.append((number, str(_("unknown unit code %(code)s") % {"code": code})))
            continue
        if not can_enter_value_for(actor, code):
            result.errors.append(
                (number, str(_("%(unit)s is outside your area") % {"unit": division.name}))
            )
            continue
        if not _unit_level_ok(indicator, division):
            result.errors.append(
                (
                    number,
                    str(
                        _("%(name)s is entered per %(level)s")
                        % {"name": indicator.name, "level": indicator.get_level_display()}
                    ),
                )
            )
            continue
        try:
            value = Decimal(str(raw_value).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            result.errors.append(
                (number, str(_("%(name)s: the value is not a number") % {"name": indicator.name}))
            )
            continue
        if value < 0 or (indicator.upper_bound is not None and value > indicator.upper_bound):
            result.errors.append(
                (
                    number,
                    str(
                        _("%(name)s: the value is outside the possible range")
                        % {"name": indicator.name}
                    ),
                )
            )
            continue
        if (code, key) in seen:
            result.errors.append((number, str(_("this unit and indicator appear twice"))))
            continue
        seen.add((code, key))
        parsed.append((indicator, division, value))
    if result.errors:
        return result
    for indicator, division, value in parsed:
        Value.objects.update_or_create(
            indicator=indicator,
            division=division,
            year=year,
            defaults={
                "value": float(value),
                "source": Indicator.Source.ENTERED,
                "entered_by": actor,
                "computation": None,
                "inputs": {},
            },
        )
    result.saved = len(parsed)
    audit_record(
        actor=actor,
        verb="indicators.values_imported",
        target=version,
        division_code=CITY_CODE,
        changes={"year": [None, year], "rows": [None, result.saved]},
    )
    return result
