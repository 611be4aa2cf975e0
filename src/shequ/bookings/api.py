"""Bookings over the API: venues, free slots, book/cancel, own bookings; staff no-show."""

from datetime import date, datetime, time
from typing import cast

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from shequ.bookings import selectors, services
from shequ.bookings.classes.api import router as classes_router
from shequ.bookings.models import Booking, Venue
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["bookings"], auth=API_AUTH)
router.add_router("/classes", classes_router)


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


# --- Staff: setting venues up ---------------------------------------------------------------


class StaffVenueOut(Schema):
    id: int
    kind: str
    name: str
    address: str
    division_code: str | None
    department_id: int | None
    service_id: int | None
    # Local wall-clock times "HH:MM" (JSON Schema's "time" format demands a UTC offset).
    opens_at: str = Field(pattern=r"^\d{2}:\d{2}$")
    closes_at: str = Field(pattern=r"^\d{2}:\d{2}$")
    open_weekdays: str
    slot_minutes: int
    capacity: int
    max_per_week: int
    is_open: bool

    @staticmethod
    def resolve_division_code(obj: Venue) -> str | None:
        return obj.community_id

    @staticmethod
    def resolve_opens_at(obj: Venue) -> str:
        return f"{obj.opens_at:%H:%M}"

    @staticmethod
    def resolve_closes_at(obj: Venue) -> str:
        return f"{obj.closes_at:%H:%M}"


class VenueIn(Schema):
    kind: str
    name: str
    address: str = ""
    division_code: str | None = None
    department_id: int | None = None
    service_id: int | None = None
    opens_at: time = time(9, 0)
    closes_at: time = time(17, 0)
    open_weekdays: str = "12345"
    slot_minutes: int = 60
    capacity: int = 10
    max_per_week: int = 2
    is_open: bool = True


class VenuePatchIn(Schema):
    kind: str | None = None
    name: str | None = None
    address: str | None = None
    division_code: str | None = None
    department_id: int | None = None
    service_id: int | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    open_weekdays: str | None = None
    slot_minutes: int | None = None
    capacity: int | None = None
    max_per_week: int | None = None
    is_open: bool | None = None


class SlotsIn(Schema):
    first_day: date | None = None
    days: int = 14


class SlotsGeneratedOut(Schema):
    created: int
    uncovered_from: date | None


class ClosureIn(Schema):
    day: date
    reason: str


class ClosureOut(Schema):
    day: date
    reason: str
    bookings_cancelled: int = 0


@router.get("/staff/venues", response=list[StaffVenueOut])
def staff_venues(request: HttpRequest) -> object:
    """The venues the caller manages (their area's rooms, their department's halls)."""
    return selectors.venue_list_for(user=request.user)


@router.post("/staff/venues", response={201: StaffVenueOut})
def create_venue(request: HttpRequest, payload: VenueIn) -> Status[Venue]:
    """Set up a venue with its weekly opening hours (``open_weekdays`` "12345" = Mon–Fri) in
    the caller's area or department; audited. Slots follow with ``…/slots``."""
    return Status(201, services.venue_create(actor=cast(User, request.user), **payload.dict()))


@router.patch("/staff/venues/{venue_id}", response=StaffVenueOut)
def update_venue(request: HttpRequest, venue_id: int, payload: VenuePatchIn) -> Venue:
    """Change a venue the caller manages; only the fields sent change; audited."""
    return services.venue_update(
        actor=cast(User, request.user), venue_id=venue_id, **payload.dict(exclude_unset=True)
    )


@router.post("/staff/venues/{venue_id}/slots", response=SlotsGeneratedOut)
def generate_slots(request: HttpRequest, venue_id: int, payload: SlotsIn) -> object:
    """Create the slots of up to 30 days from ``first_day`` (today) within the opening hours,
    skipping public holidays and closed days; idempotent."""
    first_day = payload.first_day or timezone.localdate()
    if first_day < timezone.localdate():
        first_day = timezone.localdate()
    return services.slots_generate(
        actor=cast(User, request.user), venue_id=venue_id, first_day=first_day, days=payload.days
    )


@router.get("/staff/venues/{venue_id}/closures", response=list[ClosureOut])
def closures(request: HttpRequest, venue_id: int) -> object:
    venue = selectors.venue_get_for(user=request.user, venue_id=venue_id)
    return selectors.closure_list(venue=venue, from_day=timezone.localdate())


@router.post("/staff/venues/{venue_id}/closures", response={201: ClosureOut})
def close_day(request: HttpRequest, venue_id: int, payload: ClosureIn) -> Status[dict[str, object]]:
    """Close a venue for a day: that day's bookings are cancelled and residents told."""
    closed = services.venue_close_day(
        actor=cast(User, request.user), venue_id=venue_id, day=payload.day, reason=payload.reason
    )
    return Status(
        201,
        {
            "day": closed.closure.day,
            "reason": closed.closure.reason,
            "bookings_cancelled": closed.cancelled,
        },
    )


@router.delete("/staff/venues/{venue_id}/closures/{day}", response={204: None})
def reopen_day(request: HttpRequest, venue_id: int, day: date) -> Status[None]:
    services.venue_reopen_day(actor=cast(User, request.user), venue_id=venue_id, day=day)
    return Status(204, None)
