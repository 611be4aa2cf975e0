"""Periods and values: closing a year, computing indicators from the records, entering
values by hand and importing them from Excel.
"""

import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
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
from shequ.indicators.sources import SOURCES, compute, query_text
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


@transaction.atomic
def values_compute(*, actor: Any, version_id: int, year: int) -> int:
    """Compute every computed indicator of a version for a year from the records; returns how
    many values were stored. Each value keeps its counts; the computation keeps the query."""
    _require_editor(actor)
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    communities = set(_communities())
    stored = 0
    for indicator in version.indicators.filter(source=Indicator.Source.COMPUTED):
        source = SOURCES.get(indicator.computation)
        if source is None:
            continue
        started = time.monotonic()
        values, inputs = compute(source, year)
        computation = Computation.objects.create(
            indicator=indicator,
            year=year,
            queries={part: query_text(r, year) for part, r in source.parts().items()},
        )
        Value.objects.filter(indicator=indicator, year=year).delete()
        rows = [
            Value(
                indicator=indicator,
                division_id=code,
                year=year,
                value=values.get(code),
                source=Indicator.Source.COMPUTED,
                computation=computation,
                inputs=inputs[code],
            )
            for code in inputs
            if code in communities
        ]
        Value.objects.bulk_create(rows, batch_size=2000)
        computation.units = len(rows)
        computation.seconds = time.monotonic() - started
        computation.save(update_fields=["units", "seconds"])
        stored += len(rows)
    audit_record(
        actor=actor,
        verb="indicators.values_computed",
        target=version,
        division_code=CITY_CODE,
        changes={"year": [None, year], "values": [None, stored]},
    )
    return stored


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
