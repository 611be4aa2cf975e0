"""Planners' work log: a day's hours in a community they were assigned to."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.planning.models import (
    WorkLog,
)
from shequ.planning.permissions import is_assigned
from shequ.planning.services._common import _community, _photo, _text


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError("bad_hours", _("Enter the hours, e.g. 2.5."), field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > 24:
        raise DomainError("bad_hours", _("Enter more than 0 and at most 24 hours."), field="hours")
    return hours


@transaction.atomic
def worklog_add(
    *,
    actor: User,
    community_code: str | None,
    day: date | None,
    hours: Any,
    work: str,
    photo: UploadedFile | None = None,
    ip: str | None = None,
) -> WorkLog:
    """A planner logs a day's work in a community they were assigned to that day.

    Raises: DomainError ``bad_hours`` (not in (0, 24], or more than 24 in the day),
    ``not_assigned``."""
    community = _community(community_code)
    if day is None:
        raise DomainError("required", _("This field is required."), field="date")
    value = _hours(hours)
    if not is_assigned(actor, community.code, day):
        raise DomainError(
            "not_assigned",
            _("You were not assigned to this community on that day."),
            field="community",
        )
    logged = WorkLog.objects.filter(planner=actor, date=day).aggregate(h=Sum("hours"))["h"] or 0
    if logged + value > 24:
        raise DomainError(
            "bad_hours",
            _("A day has 24 hours; %(logged)s are logged on that day already."),
            field="hours",
            logged=logged,
        )
    entry = WorkLog(
        planner=actor,
        community=community,
        date=day,
        hours=value,
        work=_text(work, "work", 2000),
    )
    if photo is not None:
        stored, _type, name = _photo(photo, "photo")
        entry.photo.save(name, stored, save=False)
    entry.save()
    audit_record(
        actor=actor, verb="planning.worklog", target=entry, division_code=community.code, ip=ip
    )
    return entry
