"""Volunteer activities: publishing with slots and requirements, sign-up with its checks
(quota, time conflicts, requirements, deadline), the waiting list and withdrawal."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User, VerificationLevel
from shequ.places.models import Division
from shequ.volunteers.models import FIELDS, SKILLS, Activity, SignUp, Slot, Team, Volunteer
from shequ.volunteers.permissions import (
    may_create_activity_in,
    may_manage_activity,
    may_manage_team,
)
from shequ.volunteers.selectors import age_on

MAX_SLOTS = 20


@dataclass(frozen=True)
class SlotIn:
    starts_at: datetime
    ends_at: datetime
    quota: int


@dataclass(frozen=True)
class ActivityIn:
    title: str
    description: str
    place: str
    latitude: Any
    longitude: Any
    signup_deadline: datetime
    slots: Sequence[SlotIn]
    field: str = ""
    geofence_m: int | None = None
    min_age: int = 14
    max_age: int | None = None
    skills: Sequence[str] = ()
    min_level: int = VerificationLevel.ID_CHECKED
    training: str = ""
    risks: str = ""
    insured: bool = False


def _coordinate(value: Any, low: int, high: int, name: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = Decimal(999)
    if not low <= number <= high:
        raise DomainError(
            "bad_place", _("Mark the place on the map (or give its coordinates)."), field=name
        )
    return number


def _slots(slots: Sequence[SlotIn], deadline: datetime) -> list[SlotIn]:
    if not slots:
        raise DomainError("no_slots", _("Add at least one time slot."), field="slots")
    if len(slots) > MAX_SLOTS:
        raise DomainError("too_many_slots", _("At most 20 time slots."), field="slots")
    for slot in slots:
        if slot.ends_at <= slot.starts_at:
            raise DomainError(
                "slot_ends_first", _("A time slot must end after it starts."), field="slots"
            )
        if slot.quota < 1 or slot.quota > 10_000:
            raise DomainError("bad_quota", _("Give each slot a quota of 1 or more."), field="slots")
        if deadline > slot.starts_at:
            raise DomainError(
                "late_deadline",
                _("The sign-up deadline must be before the first slot starts."),
                field="signup_deadline",
            )
    return list(slots)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    data: ActivityIn,
    team_id: int | None = None,
    community_code: str = "",
    ip: str | None = None,
) -> Activity:
    """Draft an activity of a team (by its leader or area worker) or of a community.

    Raises: PermissionDenied, DomainError ``bad_place`` / ``no_slots`` / ``slot_ends_first``
    / ``bad_quota`` / ``late_deadline`` / ``bad_age`` / ``bad_choice`` and text errors.
    """
    team = None
    if team_id is not None:
        team = Team.objects.filter(pk=team_id, is_active=True).first()
        if team is None or not may_manage_team(actor, team):
            raise PermissionDenied("not_yours", _("You may not publish for this team."))
    chosen = Division.objects.filter(pk=community_code).first() if community_code else None
    if chosen is not None and not may_create_activity_in(actor, chosen.pk):
        raise PermissionDenied("not_yours", _("You may not publish activities there."))
    if chosen is not None:
        community = chosen
    elif team is not None:
        community = team.division
    else:
        raise PermissionDenied("not_yours", _("You may not publish activities there."))
    slots = _slots(data.slots, data.signup_deadline)
    if (data.max_age is not None and data.max_age < data.min_age) or data.min_age < 14:
        raise DomainError("bad_age", _("Check the age limits (14 at the least)."), field="min_age")
    skills = list(dict.fromkeys(data.skills))
    if any(s not in SKILLS for s in skills) or (data.field and data.field not in FIELDS):
        raise DomainError("bad_choice", _("Choose from the list."), field="skills")
    longest = max((s.ends_at - s.starts_at).total_seconds() for s in slots) / 3600
    activity = Activity.objects.create(
        team=team,
        community=community,
        title=plain_text(data.title, field="title", max_length=80),
        description=plain_text(data.description, field="description", max_length=2000),
        field=data.field,
        place=plain_text(data.place, field="place", max_length=120),
        latitude=_coordinate(data.latitude, -90, 90, "latitude"),
        longitude=_coordinate(data.longitude, -180, 180, "longitude"),
        geofence_m=data.geofence_m or settings.SHEQU_VOLUNTEER_GEOFENCE_METRES,
        min_age=data.min_age,
        max_age=data.max_age,
        skills=skills,
        min_level=max(int(data.min_level), VerificationLevel.ID_CHECKED),
        training=plain_text(data.training, field="training", max_length=80, required=False),
        risks=plain_text(data.risks, field="risks", max_length=200, required=False),
        insured=data.insured,
        signup_deadline=data.signup_deadline,
        hours_cap=Decimal(str(round(longest * 2) / 2)).quantize(Decimal("0.1")),
        created_by=actor,
    )
    Slot.objects.bulk_create(
        [
            Slot(activity=activity, starts_at=s.starts_at, ends_at=s.ends_at, quota=s.quota)
            for s in slots
        ]
    )
    audit_record(
        actor=actor, verb="activity.create", target=activity, division_code=community.pk, ip=ip
    )
    return activity


def _managed(actor: User, activity_id: int) -> Activity:
    activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None or not may_manage_activity(actor, activity):
        raise NotFound("not_found", _("Not found."))
    return activity


@transaction.atomic
def activity_publish(*, actor: User, activity_id: int, ip: str | None = None) -> Activity:
    """Open a draft for sign-up (招募). Raises: NotFound, DomainError ``not_draft``."""
    activity = _managed(actor, activity_id)
    if activity.status != Activity.Status.DRAFT:
        raise DomainError("not_draft", _("Only a draft can be published."))
    activity.status = Activity.Status.PUBLISHED
    activity.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="activity.publish",
        target=activity,
        division_code=activity.community_id,
        ip=ip,
    )
    return activity


@transaction.atomic
def activity_cancel(
    *, actor: User, activity_id: int, reason: str, ip: str | None = None
) -> Activity:
    """Cancel an activity; everyone signed up is told. Raises: NotFound, DomainError
    ``cancelled`` and text errors (a reason is required)."""
    activity = _managed(actor, activity_id)
    if activity.status == Activity.Status.CANCELLED:
        raise DomainError("cancelled", _("This activity is already cancelled."))
    clean = plain_text(reason, field="reason", max_length=200)
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status"])
    signups = SignUp.objects.filter(slot__activity=activity).exclude(status=SignUp.Status.WITHDRAWN)
    for user_id in signups.values_list("volunteer__user_id", flat=True).distinct():
        message_send(
            user_id=user_id,
            category=Category.SYSTEM,
            title=_("The activity %(title)s is cancelled") % {"title": activity.title},
            body=clean,
            url=f"/volunteers/activities/{activity.pk}/",
        )
    audit_record(
        actor=actor,
        verb="activity.cancel",
        target=activity,
        division_code=activity.community_id,
        reason=clean,
        ip=ip,
    )
    return activity


def _check_requirements(volunteer: Volunteer, slot: Slot, activity: Activity) -> None:
    resident = volunteer.resident
    if resident.birth_date is not None:
        age = age_on(resident.birth_date, timezone.localdate(slot.starts_at))
        if age < activity.min_age or (activity.max_age is not None and age > activity.max_age):
            raise DomainError(
                "age_requirement", _("This activity is for volunteers of another age.")
            )
    if resident.verification_level < activity.min_level:
        raise DomainError(
            "level_requirement",
            _("This activity needs a stronger real-name verification of your account."),
        )
    missing = [s for s in activity.skills if s not in volunteer.skills]
    if missing:
        raise DomainError(
            "skill_requirement",
            _("This activity needs skills you have not listed: %(skills)s."),
            skills="、".join(str(SKILLS[s]) for s in missing),
        )


@transaction.atomic
def signup_create(
    *, actor: User, slot_id: int, now: datetime | None = None, ip: str | None = None
) -> SignUp:
    """Sign up for a slot; when it is full, join its waiting list.

    Raises: NotFound, DomainError ``not_volunteer`` / ``volunteer_left`` / ``closed`` /
    ``deadline_passed`` / ``already_signed_up`` / ``time_conflict`` / ``age_requirement`` /
    ``level_requirement`` / ``skill_requirement``.
    """
    now = now or timezone.now()
    volunteer = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("resident")
        .filter(user=actor)
        .first()
    )
    if volunteer is None:
        raise DomainError("not_volunteer", _("Register as a volunteer first."))
    if not volunteer.is_active:
        raise DomainError("volunteer_left", _("You have left; return as a volunteer first."))
    # The slot row is the lock that keeps two last sign-ups from both taking the last place.
    slot = (
        Slot.objects.select_for_update(of=("self",))
        .select_related("activity")
        .filter(pk=slot_id, activity__status__in=[Activity.Status.PUBLISHED])
        .first()
    )
    if slot is None:
        raise NotFound("not_found", _("Not found."))
    activity = slot.activity
    if now > activity.signup_deadline or now >= slot.starts_at:
        raise DomainError("deadline_passed", _("Sign-up for this activity has closed."))
    existing = SignUp.objects.filter(slot=slot, volunteer=volunteer).first()
    if existing is not None and existing.status != SignUp.Status.WITHDRAWN:
        raise DomainError("already_signed_up", _("You have already signed up for this slot."))
    clash = (
        SignUp.objects.filter(
            volunteer=volunteer,
            status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITING],
            slot__starts_at__lt=slot.ends_at,
            slot__ends_at__gt=slot.starts_at,
        )
        .select_related("slot__activity")
        .first()
    )
    if clash is not None:
        raise DomainError(
            "time_conflict",
            _("This overlaps with %(title)s you signed up for (%(when)s)."),
            title=clash.slot.activity.title,
            when=timezone.localtime(clash.slot.starts_at).strftime("%m-%d %H:%M"),
        )
    _check_requirements(volunteer, slot, activity)
    taken = SignUp.objects.filter(slot=slot, status=SignUp.Status.CONFIRMED).count()
    status = SignUp.Status.CONFIRMED if taken < slot.quota else SignUp.Status.WAITING
    if existing is not None:
        existing.status = status
        existing.signed_up_at = now
        existing.save(update_fields=["status", "signed_up_at"])
        signup = existing
    else:
        signup = SignUp.objects.create(
            slot=slot, volunteer=volunteer, status=status, signed_up_at=now
        )
    audit_record(
        actor=actor,
        verb="activity.signup",
        target=signup,
        division_code=activity.community_id,
        changes={"status": [None, status]},
        ip=ip,
    )
    return signup


def _promote(slot: Slot) -> SignUp | None:
    """Give a freed place to the first on the waiting list, and tell them."""
    taken = SignUp.objects.filter(slot=slot, status=SignUp.Status.CONFIRMED).count()
    if taken >= slot.quota:
        return None
    first = (
        SignUp.objects.filter(slot=slot, status=SignUp.Status.WAITING)
        .order_by("signed_up_at", "pk")
        .select_related("volunteer")
        .first()
    )
    if first is None:
        return None
    first.status = SignUp.Status.CONFIRMED
    first.save(update_fields=["status"])
    message_send(
        user_id=first.volunteer.user_id,
        category=Category.SYSTEM,
        title=_("A place became free: you are signed up for %(title)s")
        % {"title": slot.activity.title},
        url=f"/volunteers/activities/{slot.activity_id}/",
    )
    return first


@transaction.atomic
def signup_withdraw(
    *, actor: User, signup_id: int, now: datetime | None = None, ip: str | None = None
) -> SignUp:
    """Withdraw before the slot starts; the first on the waiting list moves up.

    Raises: NotFound, DomainError ``too_late`` / ``withdrawn``.
    """
    now = now or timezone.now()
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__activity")
        .filter(pk=signup_id, volunteer__user=actor)
        .first()
    )
    if signup is None:
        raise NotFound("not_found", _("Not found."))
    if signup.status == SignUp.Status.WITHDRAWN:
        raise DomainError("withdrawn", _("You have already withdrawn."))
    if now >= signup.slot.starts_at or signup.checked_in_at is not None:
        raise DomainError("too_late", _("The activity has started; tell the leader instead."))
    Slot.objects.select_for_update(of=("self",)).filter(pk=signup.slot_id).first()
    signup.status = SignUp.Status.WITHDRAWN
    signup.save(update_fields=["status"])
    _promote(signup.slot)
    audit_record(
        actor=actor,
        verb="activity.withdraw",
        target=signup,
        division_code=signup.slot.activity.community_id,
        ip=ip,
    )
    return signup


def withdraw_future_signups(volunteer: Volunteer) -> int:
    """Withdraw every sign-up of slots not yet started (a volunteer leaving); returns how
    many. Called inside the caller's transaction."""
    now = timezone.now()
    withdrawn = 0
    rows = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__activity")
        .filter(
            volunteer=volunteer,
            status__in=[SignUp.Status.CONFIRMED, SignUp.Status.WAITING],
            slot__starts_at__gt=now,
        )
    )
    for signup in rows:
        signup.status = SignUp.Status.WITHDRAWN
        signup.save(update_fields=["status"])
        _promote(signup.slot)
        withdrawn += 1
    return withdrawn
