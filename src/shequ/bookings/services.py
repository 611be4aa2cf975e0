"""Writes of bookings. The last place can never be taken twice: the slot row is locked, the
counter moves only with a conditional UPDATE (``booked < capacity``), and a CHECK constraint
(``booked <= capacity``) refuses anything else in the database itself."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Booking, CentreClass, ClassSession, Slot, Venue, VenueClosure
from shequ.bookings.permissions import may_create_venue, may_manage_venue
from shequ.casework.models import Holiday
from shequ.casework.workdays import covered_years
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.models import Department, User
from shequ.places.models import Division

MAX_DAYS_AHEAD = 30


def _venue_for_staff(actor: User, venue_id: int) -> Venue:
    venue = Venue.objects.filter(pk=venue_id).first()
    if venue is None or not may_manage_venue(actor, venue):
        raise NotFound("venue_not_found", _("No such venue."))
    return venue


@dataclass(frozen=True)
class SlotsGenerated:
    created: int
    # The first day left without slots because the holiday table does not cover its year
    # (the State Council's notice not entered yet): None when every day was covered.
    uncovered_from: date | None = None


@transaction.atomic
def slots_generate(
    *, actor: User | None, venue_id: int, first_day: date, days: int
) -> SlotsGenerated:
    """Create the slots of ``days`` days from ``first_day`` inside the opening hours, on open
    weekdays that are not public holidays (make-up working days count as weekdays).

    Days in a year the holiday table lacks get no slots: a guess would open the Spring
    Festival for booking. Idempotent. Raises: NotFound, DomainError.
    """
    venue = (
        _venue_for_staff(actor, venue_id) if actor is not None else Venue.objects.get(pk=venue_id)
    )
    if not 1 <= days <= MAX_DAYS_AHEAD:
        raise DomainError("days_out_of_range", _("Between 1 and 30 days at a time."), field="days")
    exceptions = dict(
        Holiday.objects.filter(
            day__gte=first_day, day__lt=first_day + timedelta(days=days)
        ).values_list("day", "kind")
    )
    closed = set(
        VenueClosure.objects.filter(
            venue=venue, day__gte=first_day, day__lt=first_day + timedelta(days=days)
        ).values_list("day", flat=True)
    )
    # Times a class holds the room are not for booking.
    held = list(
        ClassSession.objects.filter(
            venue=venue,
            starts_at__lt=datetime.combine(
                first_day + timedelta(days=days), time.min, tzinfo=timezone.get_current_timezone()
            ),
            ends_at__gt=datetime.combine(
                first_day, time.min, tzinfo=timezone.get_current_timezone()
            ),
        )
        .exclude(centre_class__status=CentreClass.Status.CANCELLED)
        .values_list("starts_at", "ends_at")
    )
    covered = covered_years()
    zone = timezone.get_current_timezone()
    slots = []
    uncovered_from = None
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day.year not in covered:
            uncovered_from = day
            break
        kind = exceptions.get(day)
        weekday_open = str(day.isoweekday()) in venue.open_weekdays
        if kind == "off" or (not weekday_open and kind != "work") or day in closed:
            continue
        start = datetime.combine(day, venue.opens_at, tzinfo=zone)
        close = datetime.combine(day, venue.closes_at, tzinfo=zone)
        step = timedelta(minutes=venue.slot_minutes)
        while start + step <= close:
            if not any(begin < start + step and end > start for begin, end in held):
                slots.append(
                    Slot(
                        venue=venue, starts_at=start, ends_at=start + step, capacity=venue.capacity
                    )
                )
            start += step
    before = Slot.objects.filter(venue=venue).count()
    Slot.objects.bulk_create(slots, ignore_conflicts=True)
    created = Slot.objects.filter(venue=venue).count() - before
    if actor is not None and created:
        audit_record(
            actor=actor,
            verb="slots.generate",
            target=venue,
            division_code=venue.community_id or "",
            changes={"slots": [before, before + created]},
        )
    return SlotsGenerated(created=created, uncovered_from=uncovered_from)


def _week_bounds(moment: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(moment)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday, monday + timedelta(days=7)


@transaction.atomic
def booking_make(*, actor: User, slot_id: int, wait: bool = False) -> Booking:
    """Book one place in a slot, or join its waiting list when full and ``wait`` is set.

    Raises: NotFound; DomainError ``venue_closed`` / ``slot_past`` / ``not_your_community``
    / ``weekly_limit`` / ``already_booked`` / ``slot_full``.
    """
    # One resident's bookings queue behind each other (the weekly limit holds under races);
    # then the slot row: always in this order, so two bookings never wait on each other.
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
    slot = Slot.objects.select_for_update().select_related("venue").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("slot_not_found", _("No such time slot."))
    venue = slot.venue
    if not venue.is_open or slot.capacity == 0:
        raise DomainError("venue_closed", _("This venue is closed for booking."))
    if slot.starts_at <= timezone.now():
        raise DomainError("slot_past", _("This time has already begun."))
    resident = getattr(actor, "resident", None)
    if venue.kind == Venue.Kind.ROOM and (
        resident is None or resident.community_id != venue.community_id
    ):
        raise DomainError(
            "not_your_community", _("Rooms are for the residents of their community.")
        )
    if Booking.objects.filter(
        slot=slot, user_id=actor.pk, status__in=(Booking.Status.CONFIRMED, Booking.Status.WAITING)
    ).exists():
        raise DomainError("already_booked", _("You already hold a place in this slot."))
    week_start, week_end = _week_bounds(slot.starts_at)
    this_week = Booking.objects.filter(
        user_id=actor.pk,
        status=Booking.Status.CONFIRMED,
        slot__venue=venue,
        slot__starts_at__gte=week_start,
        slot__starts_at__lt=week_end,
    ).count()
    if this_week >= venue.max_per_week:
        raise DomainError(
            "weekly_limit",
            _("You may book this venue at most %(n)s times a week."),
            n=venue.max_per_week,
        )
    taken = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken and not wait:
        raise DomainError("slot_full", _("This time is fully booked."))
    status = Booking.Status.CONFIRMED if taken else Booking.Status.WAITING
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                slot=slot,
                user_id=actor.pk,
                status=status,
                confirmed_at=timezone.now() if taken else None,
            )
    except IntegrityError:
        raise DomainError("already_booked", _("You already hold a place in this slot.")) from None
    _notify(booking, slot, status)
    return booking


def _notify(booking: Booking, slot: Slot, status: str) -> None:
    when = timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")
    titles = {
        Booking.Status.CONFIRMED: _("Booked: %(venue)s at %(when)s"),
        Booking.Status.WAITING: _("On the waiting list: %(venue)s at %(when)s"),
        Booking.Status.CANCELLED: _("Cancelled: %(venue)s at %(when)s"),
        Booking.Status.NO_SHOW: _("Marked as no-show: %(venue)s at %(when)s"),
    }
    message_send(
        user_id=booking.user_id,
        category=Category.BOOKING,
        title=titles[Booking.Status(status)] % {"venue": slot.venue.name, "when": when},
        url="/bookings/mine/",
    )


def _promote_waiting(slot: Slot) -> Booking | None:
    """Give a freed place to the longest-waiting resident (slot row already locked)."""
    waiting = (
        Booking.objects.select_for_update()
        .filter(slot=slot, status=Booking.Status.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        return None
    if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        return None
    waiting.status = Booking.Status.CONFIRMED
    waiting.confirmed_at = timezone.now()
    waiting.save(update_fields=["status", "confirmed_at"])
    message_send(
        user_id=waiting.user_id,
        category=Category.BOOKING,
        title=_("A place came free: you are booked for %(venue)s at %(when)s")
        % {
            "venue": slot.venue.name,
            "when": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M"),
        },
        url="/bookings/mine/",
    )
    return waiting


@transaction.atomic
def booking_cancel(*, actor: User, booking_id: int) -> Booking:
    """The resident cancels before the start; the first on the waiting list moves up.

    Raises: NotFound (not yours), DomainError ``not_cancellable``.
    """
    booking = Booking.objects.filter(pk=booking_id, user_id=actor.pk).first()
    if booking is None:
        raise NotFound("booking_not_found", _("No such booking."))
    slot = Slot.objects.select_for_update().select_related("venue").get(pk=booking.slot_id)
    booking.refresh_from_db()
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.WAITING):
        raise DomainError("not_cancellable", _("This booking can no longer be cancelled."))
    if slot.starts_at <= timezone.now():
        raise DomainError("not_cancellable", _("This booking can no longer be cancelled."))
    was_confirmed = booking.status == Booking.Status.CONFIRMED
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at"])
    if was_confirmed:
        Slot.objects.filter(pk=slot.pk).update(booked=F("booked") - 1)
        _promote_waiting(slot)
    _notify(booking, slot, Booking.Status.CANCELLED)
    return booking


@transaction.atomic
def booking_mark_no_show(*, actor: User, booking_id: int) -> Booking:
    """Staff of the venue mark a confirmed booking whose time has begun as a no-show.

    Raises: NotFound (not your venue), DomainError ``not_started`` / ``invalid_transition``.
    """
    booking = Booking.objects.select_related("slot__venue").filter(pk=booking_id).first()
    if booking is None or not may_manage_venue(actor, booking.slot.venue):
        raise NotFound("booking_not_found", _("No such booking."))
    if booking.slot.starts_at > timezone.now():
        raise DomainError("not_started", _("The slot has not begun yet."))
    if booking.status != Booking.Status.CONFIRMED:
        raise DomainError("invalid_transition", _("Only confirmed bookings can be marked."))
    booking.status = Booking.Status.NO_SHOW
    booking.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="booking.no_show",
        target=booking,
        division_code=booking.slot.venue.community_id or "",
    )
    _notify(booking, booking.slot, Booking.Status.NO_SHOW)
    return booking


@transaction.atomic
def venue_set_open(*, actor: User, venue_id: int, is_open: bool) -> Venue:
    """Open or close a venue for booking. Raises: NotFound (not your venue)."""
    venue = _venue_for_staff(actor, venue_id)
    before = venue.is_open
    venue.is_open = is_open
    venue.save(update_fields=["is_open"])
    audit_record(
        actor=actor,
        verb="venue.open" if is_open else "venue.close",
        target=venue,
        division_code=venue.community_id or "",
        changes={"is_open": [before, is_open]},
    )
    return venue


@transaction.atomic
def booking_reminders_send(*, now: datetime | None = None) -> int:
    """Remind residents of bookings in the next 24 hours, once each; returns how many."""
    now = now or timezone.now()
    due = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot__venue")
        .filter(
            status=Booking.Status.CONFIRMED,
            reminded_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + timedelta(hours=24),
        )
    )
    for booking in due:
        message_send(
            user_id=booking.user_id,
            category=Category.BOOKING,
            title=_("Reminder: %(venue)s at %(when)s")
            % {
                "venue": booking.slot.venue.name,
                "when": timezone.localtime(booking.slot.starts_at).strftime("%Y-%m-%d %H:%M"),
            },
            url="/bookings/mine/",
        )
    Booking.objects.filter(pk__in=[b.pk for b in due]).update(reminded_at=now)
    return len(due)


# --- Venues and their opening hours (set up by the staff who will run them) ----------------

VENUE_FIELDS = (
    "kind",
    "name",
    "address",
    "division_code",
    "department_id",
    "service_id",
    "opens_at",
    "closes_at",
    "open_weekdays",
    "slot_minutes",
    "capacity",
    "max_per_week",
    "is_open",
)


def _bounded(data: dict[str, Any], key: str, low: int, high: int, message: Any) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError("out_of_range", message, field=key)
    return value


def _clean_venue(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole venue (every key of ``VENUE_FIELDS``) into model fields.

    Raises: DomainError on the first bad field.
    """
    clean: dict[str, Any] = {}
    if data["kind"] not in Venue.Kind.values:
        raise DomainError("bad_choice", _("Choose one of the options."), field="kind")
    clean["kind"] = data["kind"]
    clean["name"] = plain_text(data["name"], field="name", max_length=80)
    clean["address"] = plain_text(data["address"], field="address", max_length=200, required=False)
    code = str(data["division_code"] or "").strip()
    division = Division.objects.filter(pk=code).first() if code.isdigit() else None
    if code and division is None:
        raise DomainError(
            "unknown_division", _("Choose the area from the lists."), field="division_code"
        )
    if clean["kind"] == Venue.Kind.ROOM and (
        division is None or division.level != Division.Level.COMMUNITY
    ):
        raise DomainError(
            "room_needs_community",
            _("A community room belongs to one community: choose it down to the community."),
            field="division_code",
        )
    clean["community"] = division
    department = None
    if data["department_id"] is not None:
        department = Department.objects.filter(pk=data["department_id"], is_active=True).first()
        if department is None:
            raise DomainError("unknown_department", _("No such department."), field="department_id")
    clean["department"] = department
    service = None
    if data["service_id"] is not None:
        service = Service.objects.filter(pk=data["service_id"]).first()
        if service is None:
            raise DomainError("unknown_service", _("No such service."), field="service_id")
    clean["service"] = service
    opens, closes = data["opens_at"], data["closes_at"]
    if not isinstance(opens, time) or not isinstance(closes, time) or opens >= closes:
        raise DomainError(
            "bad_hours", _("The closing time must come after the opening time."), field="closes_at"
        )
    clean["opens_at"], clean["closes_at"] = opens, closes
    weekdays = "".join(sorted(set(str(data["open_weekdays"] or ""))))
    if not weekdays or any(ch not in "1234567" for ch in weekdays):
        raise DomainError(
            "bad_weekdays", _("Choose at least one day of the week."), field="open_weekdays"
        )
    clean["open_weekdays"] = weekdays
    clean["slot_minutes"] = _bounded(
        data, "slot_minutes", 10, 480, _("A slot lasts 10 to 480 minutes.")
    )
    day_minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    if clean["slot_minutes"] > day_minutes:
        raise DomainError(
            "slot_longer_than_day",
            _("A slot cannot be longer than the opening hours."),
            field="slot_minutes",
        )
    clean["capacity"] = _bounded(data, "capacity", 1, 500, _("1 to 500 places per slot."))
    clean["max_per_week"] = _bounded(
        data, "max_per_week", 1, 50, _("1 to 50 bookings per resident a week.")
    )
    clean["is_open"] = bool(data["is_open"])
    return clean


def _venue_state(venue: Venue) -> dict[str, Any]:
    return {
        "kind": venue.kind,
        "name": venue.name,
        "address": venue.address,
        "community": venue.community_id,
        "department": venue.department_id,
        "service": venue.service_id,
        "opens_at": venue.opens_at.isoformat(timespec="minutes"),
        "closes_at": venue.closes_at.isoformat(timespec="minutes"),
        "open_weekdays": venue.open_weekdays,
        "slot_minutes": venue.slot_minutes,
        "capacity": venue.capacity,
        "max_per_week": venue.max_per_week,
        "is_open": venue.is_open,
    }


def _refuse_outside(actor: User, clean: dict[str, Any]) -> None:
    division = clean["community"]
    department = clean["department"]
    if not may_create_venue(
        actor,
        division_code=division.pk if division is not None else None,
        department_id=department.pk if department is not None else None,
    ):
        raise PermissionDenied(
            "outside_your_area",
            _("You may set up venues only in your own area or for your own department."),
        )


@transaction.atomic
def venue_create(*, actor: User, **fields: Any) -> Venue:
    """Open a venue (a service-hall window or a community room) with its weekly opening
    hours; its slots are generated afterwards.

    ``fields``: ``kind``, ``name``, ``address``, ``division_code``, ``department_id``,
    ``service_id``, ``opens_at``, ``closes_at``, ``open_weekdays`` ("12345" = Mon–Fri),
    ``slot_minutes``, ``capacity``, ``max_per_week``, ``is_open`` (defaults as the model's).
    Raises: PermissionDenied (outside the actor's area), DomainError (bad field).
    """
    unknown = set(fields) - set(VENUE_FIELDS)
    if unknown:
        raise DomainError("unknown_field", _("Unknown field."), field=sorted(unknown)[0])
    defaults: dict[str, Any] = {
        "address": "",
        "division_code": None,
        "department_id": None,
        "service_id": None,
        "opens_at": time(9, 0),
        "closes_at": time(17, 0),
        "open_weekdays": "12345",
        "slot_minutes": 60,
        "capacity": 10,
        "max_per_week": 2,
        "is_open": True,
    }
    for key in ("kind", "name"):
        if key not in fields:
            raise DomainError("required", _("This field is required."), field=key)
    clean = _clean_venue({**defaults, **fields})
    _refuse_outside(actor, clean)
    venue = Venue.objects.create(**clean)
    audit_record(
        actor=actor,
        verb="venue.create",
        target=venue,
        division_code=venue.community_id or "",
        changes=changes_between({}, _venue_state(venue)),
    )
    return venue


@transaction.atomic
def venue_update(*, actor: User, venue_id: int, **fields: Any) -> Venue:
    """Change a venue the actor manages: its name, place, hours, slot length, places.
    Slots already generated keep their times; new ones follow the new hours.

    Raises: NotFound (not your venue), PermissionDenied (moved outside your area),
    DomainError (bad field).
    """
    unknown = set(fields) - set(VENUE_FIELDS)
    if unknown:
        raise DomainError("unknown_field", _("Unknown field."), field=sorted(unknown)[0])
    venue = Venue.objects.select_for_update().filter(pk=venue_id).first()
    if venue is None or not may_manage_venue(actor, venue):
        raise NotFound("venue_not_found", _("No such venue."))
    current: dict[str, Any] = {
        "kind": venue.kind,
        "name": venue.name,
        "address": venue.address,
        "division_code": venue.community_id,
        "department_id": venue.department_id,
        "service_id": venue.service_id,
        "opens_at": venue.opens_at,
        "closes_at": venue.closes_at,
        "open_weekdays": venue.open_weekdays,
        "slot_minutes": venue.slot_minutes,
        "capacity": venue.capacity,
        "max_per_week": venue.max_per_week,
        "is_open": venue.is_open,
    }
    clean = _clean_venue({**current, **fields})
    if clean["community"] != venue.community or clean["department"] != venue.department:
        _refuse_outside(actor, clean)
    before = _venue_state(venue)
    for key, value in clean.items():
        setattr(venue, key, value)
    venue.save()
    audit_record(
        actor=actor,
        verb="venue.update",
        target=venue,
        division_code=venue.community_id or "",
        changes=changes_between(before, _venue_state(venue)),
    )
    return venue


@dataclass(frozen=True)
class DayClosed:
    closure: VenueClosure
    cancelled: int  # bookings cancelled (their residents are told)


@transaction.atomic
def venue_close_day(*, actor: User, venue_id: int, day: date, reason: str) -> DayClosed:
    """Close a venue for one day: its bookings that day are cancelled (each resident gets a
    message), its slots go, and no slots are generated that day again until it is reopened.

    Raises: NotFound (not your venue), DomainError ``day_past`` / ``already_closed`` /
    ``required`` / ``too_long``.
    """
    venue = _venue_for_staff(actor, venue_id)
    if day < timezone.localdate():
        raise DomainError("day_past", _("That day is already over."), field="day")
    clean_reason = plain_text(reason, field="reason", max_length=100)
    if VenueClosure.objects.filter(venue=venue, day=day).exists():
        raise DomainError("already_closed", _("The venue is already closed that day."), field="day")
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    slots = list(
        Slot.objects.select_for_update()
        .filter(venue=venue, starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .order_by("starts_at")
    )
    live = list(
        Booking.objects.select_related("slot__venue").filter(
            slot__in=slots, status__in=(Booking.Status.CONFIRMED, Booking.Status.WAITING)
        )
    )
    now = timezone.now()
    for booking in live:
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        message_send(
            user_id=booking.user_id,
            category=Category.BOOKING,
            title=_("%(venue)s is closed on %(day)s (%(reason)s): your booking is cancelled.")
            % {"venue": venue.name, "day": day.isoformat(), "reason": clean_reason},
            url="/bookings/mine/",
        )
    with_history = set(
        Booking.objects.filter(slot__in=slots).values_list("slot_id", flat=True).distinct()
    )
    # Slots someone once booked stay for the record, with no places left; the rest go.
    Slot.objects.filter(pk__in=[s.pk for s in slots if s.pk in with_history]).update(
        booked=0, capacity=0
    )
    Slot.objects.filter(pk__in=[s.pk for s in slots if s.pk not in with_history]).delete()
    closure = VenueClosure.objects.create(
        venue=venue, day=day, reason=clean_reason, created_by=actor
    )
    audit_record(
        actor=actor,
        verb="venue.close_day",
        target=venue,
        division_code=venue.community_id or "",
        reason=clean_reason,
        changes={"closed_day": [None, day.isoformat()], "bookings_cancelled": [0, len(live)]},
    )
    return DayClosed(closure=closure, cancelled=len(live))


@transaction.atomic
def venue_reopen_day(*, actor: User, venue_id: int, day: date) -> Venue:
    """Take back a closed day; slots for it come with the next generation.

    Raises: NotFound (not your venue, or the day is not closed).
    """
    venue = _venue_for_staff(actor, venue_id)
    deleted, _rows = VenueClosure.objects.filter(venue=venue, day=day).delete()
    if not deleted:
        raise NotFound("closure_not_found", _("The venue is not closed that day."))
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    Slot.objects.filter(
        venue=venue, capacity=0, starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
    ).update(capacity=venue.capacity)
    audit_record(
        actor=actor,
        verb="venue.reopen_day",
        target=venue,
        division_code=venue.community_id or "",
        changes={"closed_day": [day.isoformat(), None]},
    )
    return venue
