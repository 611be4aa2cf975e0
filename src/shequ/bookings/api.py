"""Bookings over the API: venues, free slots, book/cancel, own bookings; staff no-show."""

from datetime import date, datetime
from typing import cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from shequ.bookings import selectors, services
from shequ.bookings.models import Booking
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["bookings"], auth=API_AUTH)


class VenueOut(Schema):
    id: int
    kind: str
    name: str
    address: str
    community_code: str | None
    is_open: bool
    capacity: int
    max_per_week: int

    @staticmethod
    def resolve_community_code(obj: object) -> str | None:
        return getattr(obj, "community_id", None)


class SlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int


class BookingIn(Schema):
    slot_id: int
    wait: bool = False


class BookingOut(Schema):
    id: int
    slot_id: int
    venue: str
    starts_at: datetime
    status: str

    @staticmethod
    def resolve_venue(obj: Booking) -> str:
        return obj.slot.venue.name

    @staticmethod
    def resolve_starts_at(obj: Booking) -> datetime:
        return obj.slot.starts_at


@router.get("/venues", response=list[VenueOut])
def venues(request: HttpRequest) -> object:
    """Service halls and the rooms of the caller's community."""
    return selectors.venue_list_for_resident(user=request.user)


@router.get("/venues/{venue_id}/slots", response=list[SlotOut])
def slots(request: HttpRequest, venue_id: int, first_day: date | None = None) -> object:
    venue = selectors.venue_get_for_resident(user=request.user, venue_id=venue_id)
    return selectors.slot_list(venue=venue, first_day=first_day or timezone.localdate())


@router.get("/mine", response=list[BookingOut])
def my_bookings(request: HttpRequest) -> object:
    return selectors.booking_list_for_user(user=request.user)[:200]


@router.post("/mine", response={201: BookingOut})
def book(request: HttpRequest, payload: BookingIn) -> Status[Booking]:
    """Book a place (or join the waiting list with ``wait``)."""
    booking = services.booking_make(
        actor=cast(User, request.user), slot_id=payload.slot_id, wait=payload.wait
    )
    return Status(201, selectors.booking_get_for_user(user=request.user, booking_id=booking.pk))


@router.post("/mine/{booking_id}/cancel", response=BookingOut)
def cancel(request: HttpRequest, booking_id: int) -> Booking:
    services.booking_cancel(actor=cast(User, request.user), booking_id=booking_id)
    return selectors.booking_get_for_user(user=request.user, booking_id=booking_id)


@router.post("/staff/bookings/{booking_id}/no-show", response=BookingOut)
def no_show(request: HttpRequest, booking_id: int) -> Booking:
    return services.booking_mark_no_show(actor=cast(User, request.user), booking_id=booking_id)
