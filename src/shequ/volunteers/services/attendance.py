"""Attendance on site (签到签退): the volunteer scans the leader's rotating code inside the
geofence, or the leader marks someone by hand with a reason; no-shows are recorded after
the slot. Check-out posts the credit hours to the ledger in the same transaction."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.models import User
from shequ.volunteers.models import SignUp, Slot
from shequ.volunteers.permissions import may_manage_activity
from shequ.volunteers.selectors import checkin_token_read, distance_m
from shequ.volunteers.services.ledger import credit_post

# Check-in opens an hour before a slot; arriving over 15 minutes after its start is late.
EARLY = timedelta(hours=1)
LATE_AFTER = timedelta(minutes=15)
# Check-out stays open for two hours after the slot's end.
CHECKOUT_GRACE = timedelta(hours=2)


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN


# A rush of scans at an activity's start: the scan reads only what checking in needs (a
# third of the columns of the sign-up, slot, activity, team and volunteer; compiling and
# reading those was the largest part of a scan's time). Check-out reads the rest again.
SCAN_FIELDS = (
    "slot_id",
    "volunteer_id",
    "status",
    "checked_in_at",
    "checked_out_at",
    "check_in_method",
    "late",
    "no_show",
    "slot__activity_id",
    "slot__starts_at",
    "slot__ends_at",
    "slot__activity__title",
    "slot__activity__place",
    "slot__activity__latitude",
    "slot__activity__longitude",
    "slot__activity__geofence_m",
    "slot__activity__community_id",
)


def _signup_for_scan(actor: User, activity_id: int, now: datetime) -> SignUp:
    candidates = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__activity")
        .only(*SCAN_FIELDS)
        .filter(
            volunteer__user=actor,
            slot__activity_id=activity_id,
            status=SignUp.Status.CONFIRMED,
            slot__starts_at__lte=now + EARLY,
            slot__ends_at__gte=now - CHECKOUT_GRACE,
        )
        .order_by("slot__starts_at")
    )
    rows = list(candidates)
    # The open attendance first (checked in, not out), else the slot of this moment.
    for signup in rows:
        if signup.checked_in_at is not None and signup.checked_out_at is None:
            return signup
    for signup in rows:
        if signup.checked_in_at is None and now <= signup.slot.ends_at:
            return signup
    if rows:
        raise DomainError("already_done", _("You have already checked in and out."))
    raise DomainError(
        "not_signed_up",
        _("This code belongs to an activity you are not signed up for at this time."),
    )


@transaction.atomic
def checkin_scan(
    *,
    actor: User,
    token: str,
    latitude: Any,
    longitude: Any,
    now: datetime | None = None,
    ip: str | None = None,
) -> SignUp:
    """Check in (first scan) or out (second scan) with the leader's code, on site.

    Raises: DomainError ``bad_code`` / ``code_expired`` / ``no_location`` / ``too_far`` /
    ``not_signed_up`` / ``already_done`` / ``too_soon``.
    """
    now = now or timezone.now()
    reading = checkin_token_read(token, now)
    if reading is None:
        raise DomainError("bad_code", _("This is not a check-in code of this platform."))
    if not reading.fresh:
        raise DomainError(
            "code_expired", _("The code has expired; scan the code on the leader's phone again.")
        )
    lat, lon = _float(latitude), _float(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError(
            "no_location", _("Allow this page to use your location to check in on site.")
        )
    signup = _signup_for_scan(actor, reading.activity_id, now)
    activity = signup.slot.activity
    distance = distance_m(lat, lon, float(activity.latitude), float(activity.longitude))
    if distance > activity.geofence_m:
        raise DomainError(
            "too_far",
            _("You are %(distance)s m from the activity's place; check in within %(radius)s m."),
            distance=round(distance),
            radius=activity.geofence_m,
        )
    if signup.checked_in_at is None:
        signup.checked_in_at = now
        signup.check_in_method = SignUp.Method.QR
        signup.late = now > signup.slot.starts_at + LATE_AFTER
        signup.no_show = False
        signup.save(update_fields=["checked_in_at", "check_in_method", "late", "no_show"])
        verb = "attendance.check_in"
    else:
        if now < signup.checked_in_at + timedelta(minutes=1):
            # A second scan right after the first is the same tap twice, not a check-out.
            raise DomainError("too_soon", _("You have just checked in."))
        signup.checked_out_at = now
        signup.save(update_fields=["checked_out_at"])
        # Whole rows for the ledger line (the team, the volunteer; already locked above).
        signup = SignUp.objects.select_related(
            "slot", "slot__activity", "slot__activity__team", "volunteer"
        ).get(pk=signup.pk)
        credit_post(actor=actor, signup=signup, ip=ip)
        verb = "attendance.check_out"
    audit_record(
        actor=actor,
        verb=verb,
        target=signup,
        division_code=activity.community_id,
        changes={"distance_m": round(distance)},
        ip=ip,
    )
    return signup


@transaction.atomic
def attendance_mark(
    *,
    actor: User,
    signup_id: int,
    checked_in_at: datetime,
    checked_out_at: datetime | None,
    reason: str,
    ip: str | None = None,
) -> SignUp:
    """The leader checks a volunteer in (and out) by hand, with a reason (a phone without
    battery, no signal). A check-out posts the credit hours.

    Raises: NotFound, DomainError ``out_before_in`` / ``not_confirmed`` / ``already_out``
    / ``future`` and text errors (the reason is required).
    """
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__activity", "slot__activity__team", "volunteer")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None or not may_manage_activity(actor, signup.slot.activity):
        raise NotFound("not_found", _("Not found."))
    clean = plain_text(reason, field="reason", max_length=200)
    if signup.status != SignUp.Status.CONFIRMED:
        raise DomainError("not_confirmed", _("Only volunteers with a place can be checked in."))
    if signup.checked_out_at is not None:
        raise DomainError(
            "already_out", _("This volunteer is already checked out; correct the ledger instead.")
        )
    now = timezone.now()
    if checked_in_at > now or (checked_out_at is not None and checked_out_at > now):
        raise DomainError("future", _("The time cannot be in the future."), field="checked_in_at")
    if checked_out_at is not None and checked_out_at <= checked_in_at:
        raise DomainError(
            "out_before_in",
            _("The check-out must be after the check-in."),
            field="checked_out_at",
        )
    if signup.checked_in_at is None:
        signup.checked_in_at = checked_in_at
        signup.late = checked_in_at > signup.slot.starts_at + LATE_AFTER
    signup.check_in_method = SignUp.Method.HAND
    signup.hand_reason = clean
    signup.no_show = False
    signup.checked_out_at = checked_out_at
    signup.save()
    if checked_out_at is not None:
        credit_post(actor=actor, signup=signup, ip=ip)
    audit_record(
        actor=actor,
        verb="attendance.mark",
        target=signup,
        division_code=signup.slot.activity.community_id,
        reason=clean,
        ip=ip,
    )
    return signup


@transaction.atomic
def slot_no_shows_record(
    *, actor: User, slot_id: int, now: datetime | None = None, ip: str | None = None
) -> int:
    """After a slot ends, mark volunteers with a place who never checked in as no-shows;
    returns how many. Raises: NotFound, DomainError ``not_ended``."""
    now = now or timezone.now()
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("activity")
        .filter(pk=slot_id)
        .first()
    )
    if slot is None or not may_manage_activity(actor, slot.activity):
        raise NotFound("not_found", _("Not found."))
    if now < slot.ends_at:
        raise DomainError("not_ended", _("Record no-shows after the slot has ended."))
    count = SignUp.objects.filter(
        slot=slot, status=SignUp.Status.CONFIRMED, checked_in_at__isnull=True, no_show=False
    ).update(no_show=True)
    audit_record(
        actor=actor,
        verb="attendance.no_shows",
        target=slot.activity,
        division_code=slot.activity.community_id,
        changes={"slot": slot.pk, "no_shows": count},
        ip=ip,
    )
    return count
