"""manage.py enter_holidays — enter a year of the holiday table from the State Council's notice.

Each holiday as the notice states it, ``NAME:FIRST..LAST`` then ``+`` and its make-up
working days (调休上班), e.g. for the 2026 notice (国办发明电〔2025〕7号)::

    manage.py enter_holidays 2026 --source "国办发明电〔2025〕7号" --by committee \\
        --holiday "元旦:2026-01-01..2026-01-03+2026-01-04" \\
        --holiday "春节:2026-02-15..2026-02-23+2026-02-14,2026-02-28" ...

or the rows of that year from a file in the format of ``data/holidays_cn.csv``
(``date,kind,name[,source]``) with ``--csv FILE``. ``--replace`` enters a year again.
Open applications waiting for their deadline get it. Audited (as ``--by``, else the system).
"""

import csv
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.casework.services import holidays
from shequ.core.errors import DomainError
from shequ.people.models import User


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parse_holiday(text: str) -> holidays.HolidayPeriod:
    """``NAME:FIRST[..LAST][+WORK[,WORK…]]`` as a period of the notice."""
    name, sep, rest = text.partition(":")
    if not sep or not name.strip():
        raise CommandError(f"expected NAME:FIRST..LAST[+WORK,...], got {text!r}")
    span, _plus, work = rest.partition("+")
    first, _dots, last = span.partition("..")
    return holidays.HolidayPeriod(
        name=name.strip(),
        first_off=_date(first),
        last_off=_date(last) if last.strip() else _date(first),
        work_days=tuple(_date(w) for w in work.split(",") if w.strip()),
    )


def read_csv(path: Path, year: int) -> tuple[list[holidays.HolidayDay], set[str]]:
    days: list[holidays.HolidayDay] = []
    sources: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = _date(row.get("date") or "")
            if day.year != year:
                continue
            days.append(
                holidays.HolidayDay(
                    day=day, kind=(row.get("kind") or "").strip(), name=row.get("name") or ""
                )
            )
            if (row.get("source") or "").strip():
                sources.add(row["source"].strip())
    return days, sources


class Command(BaseCommand):
    help = "Enter a year's public holidays and make-up working days (from the State Council)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--source", default="", help="the notice, e.g. 国办发明电〔2025〕7号")
        parser.add_argument(
            "--holiday",
            action="append",
            default=[],
            help="NAME:FIRST..LAST+WORK,WORK (repeat for each holiday of the notice)",
        )
        parser.add_argument("--csv", type=Path, help="date,kind,name[,source] rows")
        parser.add_argument("--replace", action="store_true", help="enter the year again")
        parser.add_argument("--by", default="", help="the committee member entering it")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        source: str = options["source"]
        days = holidays.holiday_days_from_periods([parse_holiday(h) for h in options["holiday"]])
        if options["csv"] is not None:
            rows, sources = read_csv(options["csv"], year)
            days += rows
            if not source and len(sources) == 1:
                source = sources.pop()
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"no user {options['by']!r}")
        try:
            entry = holidays.holiday_year_enter(
                actor=actor, year=year, source=source, days=days, replace=options["replace"]
            )
        except DomainError as error:
            details = [str(e) for e in getattr(error, "errors", None) or [error]]
            raise CommandError("; ".join(details)) from error
        off = sum(1 for d in days if d.kind == "off")
        self.stdout.write(
            f"{entry.year}: {off} days off, {len(days) - off} make-up working days ({entry.source})"
        )
