"""The holiday table (法定节假日与调休): a year's public holidays and make-up working days, as
the State Council's notice states them, from which working days are counted."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import Holiday, HolidayYear
from shequ.casework.permissions import can_manage_holidays
from shequ.casework.services.deadlines import pending_deadlines_compute
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import audit_record
from shequ.people.models import User


@dataclass(frozen=True)
class HolidayDay:
    day: date
    kind: str  # Holiday.Kind: "off" or "work" (a weekend day made a working day, 调休上班)
    name: str


@dataclass(frozen=True)
class HolidayPeriod:
    """One holiday as the State Council's notice states it: days off, make-up working days."""

    name: str
    first_off: date
    last_off: date
    work_days: tuple[date, ...] = ()


def holiday_days_from_periods(periods: Sequence[HolidayPeriod]) -> list[HolidayDay]:
    days: list[HolidayDay] = []
    for period in periods:
        day = period.first_off
        while day <= period.last_off:
            days.append(HolidayDay(day=day, kind=Holiday.Kind.OFF, name=period.name))
            day += timedelta(days=1)
        days.extend(
            HolidayDay(day=d, kind=Holiday.Kind.WORK, name=f"{period.name}调休上班")
            for d in period.work_days
        )
    return days


def _holiday_errors(year: int, source: str, days: Sequence[HolidayDay]) -> list[DomainError]:
    errors: list[DomainError] = []
    if not 2000 <= year <= 2100:
        errors.append(
            DomainError("holiday_year_invalid", _("Enter a year such as 2027."), field="year")
        )
    if not source.strip() or len(source.strip()) > 80:
        errors.append(
            DomainError(
                "holiday_source_missing",
                _("Enter the notice the days come from (e.g. 国办发明电〔2025〕7号)."),
                field="source",
            )
        )
    if not any(d.kind == Holiday.Kind.OFF for d in days):
        errors.append(DomainError("holiday_days_missing", _("Enter the days off of the year.")))
    seen: set[date] = set()
    for d in days:
        label = d.day.isoformat()
        if d.kind not in Holiday.Kind.values:
            errors.append(DomainError("holiday_kind_invalid", _("Unknown kind of day.")))
        elif d.day.year != year:
            errors.append(
                DomainError(
                    "holiday_day_outside_year",
                    _("%(day)s is not in %(year)s."),
                    day=label,
                    year=year,
                )
            )
        elif d.day in seen:
            errors.append(
                DomainError("holiday_day_twice", _("%(day)s is entered twice."), day=label)
            )
        elif d.kind == Holiday.Kind.WORK and d.day.weekday() < 5:
            errors.append(
                DomainError(
                    "holiday_work_day_weekday",
                    _(
                        "%(day)s is a weekday: a make-up working day (调休上班) is a Saturday "
                        "or a Sunday."
                    ),
                    day=label,
                )
            )
        if not d.name.strip() or len(d.name) > 40:
            errors.append(
                DomainError(
                    "holiday_name_missing",
                    _("Give each holiday its name."),
                    day=label,
                )
            )
        seen.add(d.day)
    return errors


class InvalidHolidays(DomainError):
    """Several errors at once (``errors``): each shown under its field or at the top."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("invalid_holidays", _("Please correct the holidays."))
        self.errors = errors


@transaction.atomic
def holiday_year_enter(
    *,
    actor: User | None,
    year: int,
    source: str,
    days: Sequence[HolidayDay],
    replace: bool = False,
    ip: str | None = None,
) -> HolidayYear:
    """Enter a year's public holidays and make-up working days from the State Council's
    notice; working days in that year can be counted from then on, and open applications
    whose deadline was not computable get it. ``actor`` None is the system (a command).

    Raises: PermissionDenied (not the city committee or an administrator), InvalidHolidays,
    DomainError ``holiday_year_exists`` (already entered, unless ``replace``).
    """
    if actor is not None and not can_manage_holidays(actor):
        raise PermissionDenied(
            "not_allowed", _("Only the city committee may enter the holiday table.")
        )
    errors = _holiday_errors(year, source, days)
    if errors:
        raise InvalidHolidays(errors)
    source = source.strip()
    existing = HolidayYear.objects.select_for_update().filter(year=year).first()
    if existing is not None and not replace:
        raise DomainError(
            "holiday_year_exists",
            _("The holidays of %(year)s are already entered. Tick “replace” to enter them again."),
            field="replace",
            year=year,
        )
    # Rows of the year go, also any left without their year entered (a partial load).
    old = Holiday.objects.filter(day__year=year)
    before: dict[str, Any] = {
        "source": existing.source if existing is not None else None,
        "off": old.filter(kind=Holiday.Kind.OFF).count() or None,
        "work": old.filter(kind=Holiday.Kind.WORK).count() or None,
    }
    old.delete()
    Holiday.objects.bulk_create(
        [Holiday(day=d.day, kind=d.kind, name=d.name.strip(), source=source) for d in days]
    )
    entry, _created = HolidayYear.objects.update_or_create(
        year=year, defaults={"source": source, "entered_by": actor}
    )
    after = {
        "source": source,
        "off": sum(1 for d in days if d.kind == Holiday.Kind.OFF),
        "work": sum(1 for d in days if d.kind == Holiday.Kind.WORK),
    }
    audit_record(
        actor=actor,
        verb="holiday_year.replace" if existing is not None else "holiday_year.enter",
        target=entry,
        changes={key: [before.get(key), value] for key, value in after.items()},
        ip=ip,
    )
    pending_deadlines_compute(actor=actor)
    return entry
