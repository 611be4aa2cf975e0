"""Working days (工作日): weekends off, except make-up days; listed holidays off."""

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HOLIDAY_FILE = Path(__file__).resolve().parent / "data" / "holidays_cn.csv"


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


def working_day_add(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0).

    One query reads the holiday table for the span (a 365-day limit spans < 2 years).
    """
    from shequ.casework.models import Holiday

    if days <= 0:
        return start
    span_end = start + timedelta(days=days * 2 + 60)
    exceptions = dict(
        Holiday.objects.filter(day__gt=start, day__lte=span_end).values_list("day", "kind")
    )
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
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
    """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
    from shequ.casework.models import Holiday

    if end < start:
        return -working_days_between(end, start)
    exceptions = dict(
        Holiday.objects.filter(day__gt=start, day__lte=end).values_list("day", "kind")
    )
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=n), exceptions)
    )
