"""Classes over the API: a community's classes, one class with the caller's place,
sign up / withdraw, the caller's classes (mounted under /api/v1/bookings/classes)."""

from datetime import date, datetime, time
from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from shequ.bookings.classes import selectors, services
from shequ.bookings.models import CentreClass, Enrolment
from shequ.core.errors import DomainError
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["classes"], auth=API_AUTH)


class ClassOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    host: str
    community_code: str
    room: str
    weekday: int = Field(description="1 = Monday … 7 = Sunday")
    # Local wall-clock times "HH:MM" (JSON Schema's "time" format demands a UTC offset).
    starts_at: str = Field(pattern=r"^\d{2}:\d{2}$")
    ends_at: str = Field(pattern=r"^\d{2}:\d{2}$")
    first_day: date
    last_day: date
    capacity: int
    free: int
    signup_opens: datetime
    signup_closes: datetime
    status: str

    @staticmethod
    def resolve_community_code(obj: CentreClass) -> str:
        return obj.community_id

    @staticmethod
    def resolve_room(obj: CentreClass) -> str:
        return obj.venue.name

    @staticmethod
    def resolve_starts_at(obj: CentreClass) -> str:
        return f"{obj.starts_at:%H:%M}"

    @staticmethod
    def resolve_ends_at(obj: CentreClass) -> str:
        return f"{obj.ends_at:%H:%M}"


class SessionOut(Schema):
    starts_at: datetime
    ends_at: datetime


class ClassDetailOut(ClassOut):
    next_sessions: list[SessionOut]
    my_status: str | None = Field(description="enrolled, waiting or null")
    my_waiting_position: int | None


class EnrolIn(Schema):
    wait: bool = False


class EnrolmentOut(Schema):
    id: int
    class_id: int
    class_name: str
    status: str

    @staticmethod
    def resolve_class_id(obj: Enrolment) -> int:
        return obj.centre_class_id

    @staticmethod
    def resolve_class_name(obj: Enrolment) -> str:
        return obj.centre_class.name


# --- Staff: classes of the communities in their area ---------------------------------------


class StaffClassIn(Schema):
    name: str
    kind: str
    venue_id: int
    weekday: int = Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")
    starts_at: time
    ends_at: time
    first_day: date
    last_day: date
    capacity: int
    description: str = ""
    host: str = ""
    signup_opens: datetime | None = None
    signup_closes: datetime | None = None


class StaffClassOut(ClassOut):
    venue_id: int
    enrolled: int


class CancelIn(Schema):
    reason: str


class StaffEnrolmentOut(Schema):
    id: int
    user_id: int
    name: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_name(obj: Enrolment) -> str:
        resident = getattr(obj.user, "resident", None)
        return resident.real_name if resident is not None else obj.user.get_username()


class StaffSessionOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime


class AttendanceIn(Schema):
    present: list[int] = Field(description="user ids of those who came; the rest are absent")


class AttendanceOut(Schema):
    present: int


@router.get("/staff", response=list[StaffClassOut])
def staff_classes(request: HttpRequest) -> object:
    """Classes of the communities in the caller's area, drafts included."""
    return selectors.class_list_for(user=request.user)[:500]


@router.post("/staff", response={201: StaffClassOut})
def staff_create(request: HttpRequest, payload: StaffClassIn) -> Status[CentreClass]:
    """A draft class in one of the caller's community rooms; its weekly sessions hold the
    room (a clash with another class, a closed day or a booking is refused); audited."""
    created = services.class_create(
        actor=cast(User, request.user), data=services.ClassIn(**payload.dict())
    )
    return Status(201, created)


@router.post("/staff/{class_id}/publish", response=StaffClassOut)
def staff_publish(request: HttpRequest, class_id: int) -> CentreClass:
    return services.class_publish(actor=cast(User, request.user), class_id=class_id)


@router.post("/staff/{class_id}/cancel", response=StaffClassOut)
def staff_cancel(request: HttpRequest, class_id: int, payload: CancelIn) -> CentreClass:
    """Cancel a class; everyone signed up or waiting is told the reason."""
    return services.class_cancel(
        actor=cast(User, request.user), class_id=class_id, reason=payload.reason
    )


@router.get("/staff/{class_id}/enrolments", response=list[StaffEnrolmentOut])
def staff_enrolments(request: HttpRequest, class_id: int) -> object:
    """Those signed up, then those waiting in line order."""
    centre_class = selectors.class_get_for(user=request.user, class_id=class_id)
    return selectors.class_enrolments(centre_class)


@router.get("/staff/{class_id}/sessions", response=list[StaffSessionOut])
def staff_sessions(request: HttpRequest, class_id: int) -> object:
    centre_class = selectors.class_get_for(user=request.user, class_id=class_id)
    return centre_class.sessions.order_by("starts_at")


@router.post("/staff/sessions/{session_id}/attendance", response=AttendanceOut)
def staff_attendance(
    request: HttpRequest, session_id: int, payload: AttendanceIn
) -> dict[str, int]:
    """Mark who came to a session that has begun (the other enrolled residents: absent)."""
    present = services.attendance_mark(
        actor=cast(User, request.user), session_id=session_id, present=payload.present
    )
    return {"present": present}


# --- Residents ----------------------------------------------------------------------------


@router.get("", response=list[ClassOut])
def classes(request: HttpRequest, community: str | None = None) -> object:
    """Published classes of a community (default: the caller's own) that have not ended."""
    code = community or selectors.community_of(request.user)
    if not code:
        raise DomainError(
            "community_required",
            _("Say which community (its code): your account has no community."),
            field="community",
        )
    return selectors.class_list_public(community_code=code)


def _detail(request: HttpRequest, class_id: int) -> CentreClass:
    """The class with its next sessions and the caller's place set on it for the schema."""
    centre_class = selectors.class_get_public(class_id=class_id)
    place = selectors.place_of(user=request.user, centre_class=centre_class)
    setattr(centre_class, "next_sessions", list(selectors.upcoming_sessions(centre_class)))  # noqa: B010
    setattr(centre_class, "my_status", place.status)  # noqa: B010
    setattr(centre_class, "my_waiting_position", place.position)  # noqa: B010
    return centre_class


@router.get("/mine", response=list[EnrolmentOut])
def my_classes(request: HttpRequest) -> object:
    """The classes the caller signed up for or waits for."""
    return selectors.enrolment_list_for_user(user=request.user)


@router.get("/{class_id}", response=ClassDetailOut)
def class_detail(request: HttpRequest, class_id: int) -> object:
    """A published class, its next sessions and the caller's place in it."""
    return _detail(request, class_id)


@router.post("/{class_id}/enrol", response={201: EnrolmentOut})
def enrol(request: HttpRequest, class_id: int, payload: EnrolIn) -> Status[Enrolment]:
    """Sign up for the whole course (or join the waiting list with ``wait`` when full)."""
    services.enrolment_make(actor=cast(User, request.user), class_id=class_id, wait=payload.wait)
    return Status(201, selectors.enrolment_get_for_user(user=request.user, class_id=class_id))


@router.post("/{class_id}/withdraw", response=EnrolmentOut)
def withdraw(request: HttpRequest, class_id: int) -> Enrolment:
    """Leave a class or its waiting list; the first waiting resident moves up."""
    services.enrolment_withdraw(actor=cast(User, request.user), class_id=class_id)
    return selectors.enrolment_get_for_user(user=request.user, class_id=class_id)
