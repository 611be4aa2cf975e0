"""Writes of bookings. The last place can never be taken twice: the slot row is locked, the
counter moves only with a conditional UPDATE (``booked < capacity``), and a CHECK constraint
(``booked <= capacity``) refuses anything else in the database itself."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Booking, Slot, Venue
from shequ.bookings.permissions import may_manage_venue
from shequ.casework.models import Holiday
from shequ.casework.workdays import covered_years
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send
from shequ.people.models import User

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
        if kind == "off" or (not weekday_open and kind != "work"):
            continue
        start = datetime.combine(day, venue.opens_at, tzinfo=zone)
        close = datetime.combine(day, venue.closes_at, tzinfo=zone)
        step = timedelta(minutes=venue.slot_minutes)
        while start + step <= close:
            slots.append(
                Slot(venue=venue, starts_at=start, ends_at=start + step, capacity=venue.capacity)
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
    if not venue.is_open:
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
