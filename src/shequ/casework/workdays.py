"""Working days (工作日): weekends off, except make-up days; listed holidays off.

Only years whose State Council notice has been entered (``HolidayYear``) can be counted: a
day in any other year raises ``HolidayTableMissing`` instead of silently treating New Year's
Day or the Spring Festival as working days.
"""

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError

HOLIDAY_FILE = Path(__file__).resolve().parent / "data" / "holidays_cn.csv"


class HolidayTableMissing(DomainError):
    """The holiday table does not cover ``year``: working days there cannot be counted."""

    status = 409

    def __init__(self, year: int) -> None:
        super().__init__(
            "holiday_table_missing",
            _(
                "Working days in %(year)s cannot be counted yet: the holiday table has no "
                "%(year)s (the State Council's notice has not been entered)."
            ),
            year=year,
        )
        self.year = year


def holiday_rows() -> list[dict[str, Any]]:
    """The rows of ``data/holidays_cn.csv`` as model field values."""
    with HOLIDAY_FILE.open(encoding="utf-8") as handle:
        return [
            {
                "day": date.fromisoformat(row["date"]),
                "kind": row["kind"],
                "name": row["name"],
                "source": row["source"],
            }
            for row in csv.DictReader(handle)
        ]


def is_working_day(day: date, exceptions: dict[date, str]) -> bool:
    kind = exceptions.get(day)
    if kind == "off":
        return False
    if kind == "work":
        return True
    return day.weekday() < 5


def covered_years() -> set[int]:
    """The years whose holidays and make-up working days are in the table."""
    from shequ.casework.models import HolidayYear

    return set(HolidayYear.objects.values_list("year", flat=True))


def _require_covered(first: date, last: date, years: set[int]) -> None:
    for year in range(first.year, last.year + 1):
        if year not in years:
            raise HolidayTableMissing(year)


def working_day_add(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0).

    Raises ``HolidayTableMissing`` when the count runs into a year the table lacks.
    Two queries: the covered years, then the holiday table for the span.
    """
    from shequ.casework.models import Holiday

    if days <= 0:
        return start
    years = covered_years()
    span_end = start + timedelta(days=days * 2 + 60)
    exceptions = dict(
        Holiday.objects.filter(day__gt=start, day__lte=span_end).values_list("day", "kind")
    )
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if day.year not in years:
            raise HolidayTableMissing(day.year)
        if day > span_end:  # very long limits: extend the window
            exceptions.update(
                Holiday.objects.filter(
                    day__gt=span_end, day__lte=day + timedelta(days=400)
                ).values_list("day", "kind")
            )
            span_end = day + timedelta(days=400)
        if is_working_day(day, exceptions):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end < start).

    Raises ``HolidayTableMissing`` when the span reaches a year the table lacks.
    """
    from shequ.casework.models import Holiday

    if end < start:
        return -working_days_between(end, start)
    if end == start:
        return 0
    _require_covered(start + timedelta(days=1), end, covered_years())
    exceptions = dict(
        Holiday.objects.filter(day__gt=start, day__lte=end).values_list("day", "kind")
    )
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=n), exceptions)
    )


def counted_past_table(due: date, years: set[int]) -> tuple[date, int] | None:
    """For a deadline computed before the table was checked (weekdays only past its end):
    ``(table_end, weekdays)`` such that ``working_day_add(table_end, weekdays)`` counts it
    again correctly once the missing year is entered; None when the table covers ``due``."""
    if not years or due.year < min(years):
        return None
    missing = [y for y in range(min(years), due.year + 1) if y not in years]
    if not missing:
        return None
    end = date(missing[0] - 1, 12, 31)
    weekdays = sum(
        1 for n in range(1, (due - end).days + 1) if (end + timedelta(days=n)).weekday() < 5
    )
    return end, weekdays
