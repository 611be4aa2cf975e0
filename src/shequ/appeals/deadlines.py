"""The honest clock: a request's deadline by its class, counted from intake.

Urgent and utilities classes count clock hours (2 h, 24 h); general and complex count working
days (7, 15) with the casework holiday table, weekdays only past its end, so a request always
has a deadline. Re-dispatch never restarts the clock.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from shequ.appeals.models import DeadlineClass
from shequ.casework.workdays import HolidayTableMissing, working_day_add

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
