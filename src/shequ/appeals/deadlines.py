"""The honest clock: a request's deadline by its class, counted from intake.

Urgent and utilities classes count clock hours (2 h, 24 h); general and complex count working
days (7, 15) with the casework holiday table, weekdays only past its end, so a request always
has a deadline. Re-dispatch never restarts the clock.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from shequ.appeals.models import DeadlineClass
from shequ.casework.workdays import HolidayTableMissing, is_working_day, working_day_add

HOURS = {DeadlineClass.URGENT: 2, DeadlineClass.UTILITIES: 24}
WORKING_DAYS = {DeadlineClass.GENERAL: 7, DeadlineClass.COMPLEX: 15}


def _working_days_after(start: date, days: int) -> date:
    try:
        return working_day_add(start, days)
    except HolidayTableMissing:
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if day.weekday() < 5:
                counted += 1
        return day


def deadline_for(deadline_class: str, received: datetime) -> datetime:
    """When a request of ``deadline_class`` received at ``received`` is due."""
    if deadline_class in HOURS:
        return received + timedelta(hours=HOURS[DeadlineClass(deadline_class)])
    days = WORKING_DAYS.get(DeadlineClass(deadline_class), 7)
    local = timezone.localtime(received)
    due_day = _working_days_after(local.date(), days)
    return local.replace(year=due_day.year, month=due_day.month, day=due_day.day)


def working_day_ordinals(first: date, last: date, exceptions: dict[date, str]) -> dict[date, int]:
    """For every day from ``first`` to ``last``: the working days after ``first`` up to and
    including it, so the working days between two of them are the difference. ``exceptions``:
    the holiday table's days (``off`` / ``work``) in the span; years it lacks count weekdays."""
    ordinals = {first: 0}
    day, counted = first, 0
    while day < last:
        day += timedelta(days=1)
        counted += is_working_day(day, exceptions)
        ordinals[day] = counted
    return ordinals


def holiday_exceptions(first: date, last: date) -> dict[date, str]:
    """The holiday table's days after ``first`` up to ``last``: ``off`` or ``work`` (调休)."""
    from shequ.casework.models import Holiday

    return dict(Holiday.objects.filter(day__gt=first, day__lte=last).values_list("day", "kind"))


def handling_days(received: datetime, handled: datetime) -> int:
    """Working days after the day a request was received up to and including the day it was
    handled (0 when handled the day it came); stored on the 办结 for the statistics."""
    start, end = timezone.localtime(received).date(), timezone.localtime(handled).date()
    if end <= start:
        return 0
    return working_day_ordinals(start, end, holiday_exceptions(start, end))[end]
