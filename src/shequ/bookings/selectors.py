"""Reads of bookings: venues a resident may book, free slots, own bookings, staff views."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Booking, Slot, Venue, VenueClosure
from shequ.core.errors import NotFound
from shequ.core.scopes import Role
from shequ.people.permissions import WORKERS
from shequ.people.selectors import scope_queryset


def venue_list_for_resident(*, user: Any, service_id: int | None = None) -> QuerySet[Venue]:
    """Service halls, and the rooms of the resident's own community."""
    resident = getattr(user, "resident", None) if user.is_authenticated else None
    condition = Q(kind=Venue.Kind.HALL)
    if resident is not None and resident.community_id:
        condition |= Q(kind=Venue.Kind.ROOM, community_id=resident.community_id)
    queryset = Venue.objects.filter(condition).select_related("community", "department")
    if service_id:
        queryset = queryset.filter(service_id=service_id)
    return queryset.order_by("kind", "name")


def venue_get_for_resident(*, user: Any, venue_id: int) -> Venue:
    venue = venue_list_for_resident(user=user).filter(pk=venue_id).first()
    if venue is None:
        raise NotFound("venue_not_found", _("No such venue."))
    return venue


def slot_list(*, venue: Venue, first_day: date, days: int = 7) -> QuerySet[Slot]:
    zone = timezone.get_current_timezone()
    start = max(datetime.combine(first_day, datetime.min.time(), tzinfo=zone), timezone.now())
    end = datetime.combine(first_day + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    return Slot.objects.filter(
        venue=venue, starts_at__gte=start, starts_at__lt=end, capacity__gt=0
    ).order_by("starts_at")


def booking_list_for_user(*, user: Any) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user_id=user.pk)
        .select_related("slot__venue")
        .order_by("-slot__starts_at", "-id")
    )


def booking_get_for_user(*, user: Any, booking_id: int) -> Booking:
    booking = booking_list_for_user(user=user).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound("booking_not_found", _("No such booking."))
    return booking


def venue_list_for(*, user: Any) -> QuerySet[Venue]:
    """Venues the staff member manages: their community's rooms, their department's halls."""
    return scope_queryset(
        Venue.objects.select_related("community", "department"),
        user,
        division_field="community_id",
        department_field="department_id",
        roles=WORKERS | {Role.DEPARTMENT_STAFF},
    ).order_by("kind", "name")


def venue_get_for(*, user: Any, venue_id: int) -> Venue:
    venue = venue_list_for(user=user).filter(pk=venue_id).first()
    if venue is None:
        raise NotFound("venue_not_found", _("No such venue."))
    return venue


def closure_list(*, venue: Venue, from_day: date) -> QuerySet[VenueClosure]:
    """The venue's closed days from ``from_day`` on."""
    return VenueClosure.objects.filter(venue=venue, day__gte=from_day).order_by("day")


def slot_bookings_for(*, venue: Venue, day: date) -> QuerySet[Booking]:
    """Every booking of one venue on one day, for the staff's attendance list."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return (
        Booking.objects.filter(
            slot__venue=venue,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + timedelta(days=1),
        )
        .select_related("slot", "user")
        .order_by("slot__starts_at", "status", "created_at")
    )
