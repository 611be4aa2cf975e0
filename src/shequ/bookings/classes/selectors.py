"""Reads of service-centre classes: what is on in a community this week, a class with the
caller's place in it, one's own classes; staff's classes, enrolments and attendance."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import CentreClass, ClassAttendance, ClassSession, Enrolment, Venue
from shequ.bookings.selectors import venue_list_for
from shequ.core.errors import NotFound
from shequ.people.permissions import WORKERS
from shequ.people.selectors import scope_queryset

LIVE = (Enrolment.Status.ENROLLED, Enrolment.Status.WAITING)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def community_of(user: Any) -> str | None:
    resident = getattr(user, "resident", None) if user.is_authenticated else None
    return resident.community_id if resident is not None else None


def class_list_public(*, community_code: str) -> QuerySet[CentreClass]:
    """A community's published classes that have not ended, by day of the week."""
    return (
        CentreClass.objects.filter(
            community_id=community_code,
            status=CentreClass.Status.PUBLISHED,
            last_day__gte=timezone.localdate(),
        )
        .select_related("venue")
        .order_by("weekday", "starts_at", "name")
    )


def class_get_public(*, class_id: int) -> CentreClass:
    """A published (or cancelled) class. Raises NotFound for drafts and unknown ids."""
    found = (
        CentreClass.objects.select_related("venue", "community")
        .exclude(status=CentreClass.Status.DRAFT)
        .filter(pk=class_id)
        .first()
    )
    if found is None:
        raise NotFound("class_not_found", _("No such class."))
    return found


def sessions_in_week(*, community_code: str, monday: date) -> QuerySet[ClassSession]:
    """Sessions of the community's published classes in the week from ``monday``."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, tzinfo=zone)
    return (
        ClassSession.objects.filter(
            centre_class__community_id=community_code,
            centre_class__status=CentreClass.Status.PUBLISHED,
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=7),
        )
        .select_related("centre_class", "venue")
        .order_by("starts_at", "centre_class__name")
    )


def upcoming_sessions(centre_class: CentreClass, *, limit: int = 8) -> QuerySet[ClassSession]:
    return centre_class.sessions.filter(ends_at__gt=timezone.now()).order_by("starts_at")[:limit]


@dataclass(frozen=True)
class Place:
    """The caller's place in a class: signed up, or waiting with a position in the line."""

    enrolment: Enrolment | None
    position: int | None = None

    @property
    def status(self) -> str | None:
        return self.enrolment.status if self.enrolment is not None else None


def place_of(*, user: Any, centre_class: CentreClass) -> Place:
    if not user.is_authenticated:
        return Place(enrolment=None)
    enrolment = Enrolment.objects.filter(
        centre_class=centre_class, user_id=user.pk, status__in=LIVE
    ).first()
    if enrolment is None or enrolment.status != Enrolment.Status.WAITING:
        return Place(enrolment=enrolment)
    ahead = Enrolment.objects.filter(
        centre_class=centre_class, status=Enrolment.Status.WAITING
    ).filter(
        Q(created_at__lt=enrolment.created_at)
        | Q(created_at=enrolment.created_at, id__lt=enrolment.pk)
    )
    return Place(enrolment=enrolment, position=ahead.count() + 1)


def waiting_count(centre_class: CentreClass) -> int:
    return Enrolment.objects.filter(
        centre_class=centre_class, status=Enrolment.Status.WAITING
    ).count()


def enrolment_list_for_user(*, user: Any) -> QuerySet[Enrolment]:
    """The user's live enrolments (signed up or waiting), the soonest-ending class first."""
    return (
        Enrolment.objects.filter(user_id=user.pk, status__in=LIVE)
        .select_related("centre_class__venue")
        .order_by("centre_class__last_day", "centre_class__weekday", "id")
    )


def enrolment_get_for_user(*, user: Any, class_id: int) -> Enrolment:
    """The user's latest enrolment in a class (live or withdrawn). Raises NotFound."""
    found = (
        Enrolment.objects.filter(user_id=user.pk, centre_class_id=class_id)
        .select_related("centre_class__venue")
        .order_by("-id")
        .first()
    )
    if found is None:
        raise NotFound("enrolment_not_found", _("You have not signed up for this class."))
    return found


# --- Staff --------------------------------------------------------------------------------


def class_list_for(*, user: Any) -> QuerySet[CentreClass]:
    """Classes in the communities of the staff member's area, the newest first."""
    return scope_queryset(
        CentreClass.objects.select_related("venue", "community"),
        user,
        division_field="community_id",
        roles=WORKERS,
    ).order_by("-first_day", "name")


def class_get_for(*, user: Any, class_id: int) -> CentreClass:
    found = class_list_for(user=user).filter(pk=class_id).first()
    if found is None:
        raise NotFound("class_not_found", _("No such class."))
    return found


def room_list_for(*, user: Any) -> QuerySet[Venue]:
    """The community rooms a staff member may put a class in."""
    return venue_list_for(user=user).filter(kind=Venue.Kind.ROOM)


def class_enrolments(centre_class: CentreClass) -> QuerySet[Enrolment]:
    """Those signed up, then those waiting in line order."""
    return (
        Enrolment.objects.filter(centre_class=centre_class, status__in=LIVE)
        .select_related("user__resident")
        .order_by("status", "created_at", "id")
    )


def session_get_for(*, user: Any, session_id: int) -> ClassSession:
    found = (
        ClassSession.objects.select_related("centre_class__venue")
        .filter(pk=session_id, centre_class__in=class_list_for(user=user))
        .first()
    )
    if found is None:
        raise NotFound("session_not_found", _("No such session."))
    return found


@dataclass(frozen=True)
class AttendanceRow:
    enrolment: Enrolment
    present: bool | None  # None: not marked yet


def session_attendance(session: ClassSession) -> list[AttendanceRow]:
    marked = dict(ClassAttendance.objects.filter(session=session).values_list("user_id", "present"))
    return [
        AttendanceRow(enrolment=e, present=marked.get(e.user_id))
        for e in class_enrolments(session.centre_class).filter(status=Enrolment.Status.ENROLLED)
    ]


def attendance_counts(centre_class: CentreClass) -> dict[int, int]:
    """Present residents per session id."""
    counts: dict[int, int] = {}
    for session_id in ClassAttendance.objects.filter(
        session__centre_class=centre_class, present=True
    ).values_list("session_id", flat=True):
        counts[session_id] = counts.get(session_id, 0) + 1
    return counts
