"""The hours ledger (服务时长台账): append-only entries. Credit hours come from check-in and
check-out, honour hours are certified afterwards by a worker with a reason, and a mistake
is corrected by a reversing entry with a reason — no row is ever changed."""

from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.models import User
from shequ.people.permissions import WORKERS, covers
from shequ.volunteers.models import Activity, HoursEntry, SignUp, Volunteer

HALF = Decimal("0.5")
# Honour hours entered afterwards: one entry covers at most a day's service.
HONOUR_MAX = Decimal(24)


def credit_hours(checked_in: datetime, checked_out: datetime, cap: Decimal) -> Decimal:
    """Hours between check-in and check-out, rounded down to half an hour, at most ``cap``."""
    seconds = Decimal((checked_out - checked_in).total_seconds())
    halves = (seconds / Decimal(1800)).to_integral_value(rounding=ROUND_FLOOR)
    return min(halves * HALF, cap).quantize(Decimal("0.1"))


def _who(actor: Any) -> str:
    resident = getattr(actor, "resident", None)
    return resident.real_name if resident is not None else actor.get_username()


def credit_post(*, actor: Any, signup: SignUp, ip: str | None = None) -> HoursEntry | None:
    """Post the credit hours of a checked-out sign-up (inside the caller's transaction).
    Nothing for less than half an hour."""
    if signup.checked_in_at is None or signup.checked_out_at is None:
        return None
    activity = signup.slot.activity
    hours = credit_hours(signup.checked_in_at, signup.checked_out_at, activity.hours_cap)
    if hours <= 0:
        return None
    entry = HoursEntry.objects.create(
        volunteer=signup.volunteer,
        kind=HoursEntry.Kind.CREDIT,
        hours=hours,
        activity=activity,
        signup=signup,
        team=activity.team,
        community_id=activity.community_id,
        served_on=timezone.localdate(signup.checked_in_at),
        content=activity.title,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        recorded_by_name=(activity.team.name if activity.team else activity.community.name)[:80],
    )
    audit_record(
        actor=actor,
        verb="hours.credit",
        target=entry,
        division_code=activity.community_id,
        changes={"hours": [None, str(hours)]},
        ip=ip,
    )
    return entry


def _hours(value: Any, cap: Decimal) -> Decimal:
    try:
        hours = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "bad_hours", _("Enter the hours as a number, e.g. 2.5."), field="hours"
        ) from None
    if hours <= 0:
        raise DomainError("bad_hours", _("Enter the hours as a number, e.g. 2.5."), field="hours")
    if hours > cap:
        raise DomainError(
            "over_cap", _("At most %(cap)s hours in one entry."), field="hours", cap=cap
        )
    return hours


@transaction.atomic
def hours_honour_add(
    *,
    actor: User,
    volunteer_id: int,
    hours: Any,
    served_on: date,
    content: str,
    reason: str,
    activity_id: int | None = None,
    ip: str | None = None,
) -> HoursEntry:
    """Certify honour hours (荣誉时长) afterwards: who certified and why are kept.

    Raises: NotFound (volunteer outside the actor's area), DomainError ``bad_hours`` /
    ``over_cap`` / ``future`` and text errors (content and reason are required).
    """
    volunteer = Volunteer.objects.select_for_update(of=("self",)).filter(pk=volunteer_id).first()
    if volunteer is None or not covers(actor, volunteer.community_id, WORKERS):
        raise NotFound("not_found", _("Not found."))
    activity = None
    cap = HONOUR_MAX
    if activity_id is not None:
        activity = Activity.objects.filter(pk=activity_id).first()
        if activity is None:
            raise NotFound("not_found", _("Not found."))
        cap = activity.hours_cap
    clean_hours = _hours(hours, cap)
    if served_on > timezone.localdate():
        raise DomainError("future", _("The service cannot be in the future."), field="served_on")
    entry = HoursEntry.objects.create(
        volunteer=volunteer,
        kind=HoursEntry.Kind.HONOUR,
        hours=clean_hours,
        activity=activity,
        team=activity.team if activity else None,
        community_id=activity.community_id if activity else volunteer.community_id,
        served_on=served_on,
        content=plain_text(content, field="content", max_length=200),
        reason=plain_text(reason, field="reason", max_length=200),
        recorded_by=actor,
        recorded_by_name=_who(actor)[:80],
    )
    audit_record(
        actor=actor,
        verb="hours.honour",
        target=entry,
        division_code=entry.community_id,
        reason=entry.reason,
        changes={"hours": [None, str(clean_hours)]},
        ip=ip,
    )
    return entry


@transaction.atomic
def hours_correct(*, actor: User, entry_id: int, reason: str, ip: str | None = None) -> HoursEntry:
    """Reverse a ledger entry with a reason (a new entry of the opposite hours).

    Raises: NotFound, DomainError ``already_reversed`` / ``is_correction`` and text errors
    (the reason is required).
    """
    entry = (
        HoursEntry.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not covers(actor, entry.community_id, WORKERS):
        raise NotFound("not_found", _("Not found."))
    clean = plain_text(reason, field="reason", max_length=200)
    if entry.kind == HoursEntry.Kind.CORRECTION:
        raise DomainError("is_correction", _("A correction cannot itself be reversed."))
    if HoursEntry.objects.filter(reverses=entry).exists():
        raise DomainError("already_reversed", _("This entry has already been reversed."))
    correction = HoursEntry.objects.create(
        volunteer=entry.volunteer,
        kind=HoursEntry.Kind.CORRECTION,
        hours=-entry.hours,
        activity=entry.activity,
        reverses=entry,
        team=entry.team,
        community_id=entry.community_id,
        served_on=entry.served_on,
        content=entry.content,
        reason=clean,
        recorded_by=actor,
        recorded_by_name=_who(actor)[:80],
    )
    audit_record(
        actor=actor,
        verb="hours.correct",
        target=correction,
        division_code=entry.community_id,
        reason=clean,
        changes={"reverses": entry.pk, "hours": [str(entry.hours), "0"]},
        ip=ip,
    )
    return correction
