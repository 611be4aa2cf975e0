"""Reads of ratings: what a resident may rate, their ratings, staff lists and public figures."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Booking
from shequ.casework.models import Application, Status
from shequ.core.errors import DomainError, NotFound
from shequ.payments.models import Bill
from shequ.people.models import Department, Resident
from shequ.people.selectors import scope_queryset
from shequ.ratings.models import POOR_LEVELS, FollowUp, Level, Rating, Subject
from shequ.ratings.permissions import RATING_READERS

# A case is closed (办结) when it was completed or decided against: both may be rated.
CLOSED_STATUSES = (Status.COMPLETED, Status.REJECTED)
# How many of the newest items of each kind the "to rate" list shows.
RATEABLE_LIMIT = 50


@dataclass(frozen=True)
class Rateable:
    """One use of a service the resident may rate (or has rated)."""

    subject: str
    subject_id: int
    title: str
    department_id: int
    department_name: str
    service_id: int | None
    community_id: str | None
    used_at: datetime | None


def _resident_community(user: Any) -> str | None:
    return Resident.objects.filter(user_id=user.pk).values_list("community_id", flat=True).first()


def _not_yours() -> NotFound:
    return NotFound("nothing_to_rate", _("There is no such case or service use of yours to rate."))


def _describe_application(application: Application, community: str | None) -> Rateable:
    return Rateable(
        subject=Subject.APPLICATION,
        subject_id=application.pk,
        title=f"{application.service.name}（{application.reference or application.pk}）",
        department_id=application.department_id,
        department_name=application.department.short_name or application.department.name,
        service_id=application.service_id,
        community_id=application.community_id or community,
        used_at=application.decided_at or application.updated_at,
    )


def _booking_department(booking: Booking) -> Department | None:
    venue = booking.slot.venue
    if venue.department is not None:
        return venue.department
    return venue.service.department if venue.service is not None else None


def _describe_booking(booking: Booking, community: str | None) -> Rateable | None:
    department = _booking_department(booking)
    if department is None:
        return None
    venue = booking.slot.venue
    starts = timezone.localtime(booking.slot.starts_at)
    return Rateable(
        subject=Subject.BOOKING,
        subject_id=booking.pk,
        title=f"{venue.name} {starts:%Y-%m-%d %H:%M}",
        department_id=department.pk,
        department_name=department.short_name or department.name,
        service_id=venue.service_id,
        community_id=venue.community_id or community,
        used_at=booking.slot.ends_at,
    )


def _describe_bill(bill: Bill, community: str | None) -> Rateable:
    # A gift to a community fund (no department) is not a government service: never rated.
    department = bill.department
    if department is None:
        raise DomainError("not_rateable", _("A donation is not a service and cannot be rated."))
    return Rateable(
        subject=Subject.BILL,
        subject_id=bill.pk,
        title=bill.title,
        department_id=department.pk,
        department_name=department.short_name or department.name,
        service_id=None,
        community_id=community,
        used_at=bill.paid_at,
    )


def booking_used(booking: Booking, now: datetime | None = None) -> bool:
    """A booked visit that took place: confirmed (not cancelled, not a no-show) and over."""
    now = now or timezone.now()
    return booking.status == Booking.Status.CONFIRMED and booking.slot.ends_at <= now


def rateable_get(*, user: Any, subject: str, subject_id: int, lock: bool = False) -> Rateable:
    """The user's own closed case, used booking or paid bill, described for rating.

    Raises: NotFound (no such subject, or not the user's), DomainError ``not_closed`` /
    ``not_used`` / ``not_paid`` / ``no_department`` / ``bad_subject``.
    """
    community = _resident_community(user)
    if subject == Subject.APPLICATION:
        applications = Application.objects.select_related("service", "department")
        if lock:
            applications = applications.select_for_update(of=("self",))
        application = applications.filter(pk=subject_id, applicant_id=user.pk).first()
        if application is None:
            raise _not_yours()
        if application.status not in CLOSED_STATUSES:
            raise DomainError(
                "not_closed", _("This case is not closed yet: it can be rated once it is closed.")
            )
        return _describe_application(application, community)
    if subject == Subject.BOOKING:
        bookings = Booking.objects.select_related(
            "slot__venue__department", "slot__venue__service__department"
        )
        if lock:
            bookings = bookings.select_for_update(of=("self",))
        booking = bookings.filter(pk=subject_id, user_id=user.pk).first()
        if booking is None:
            raise _not_yours()
        if not booking_used(booking):
            raise DomainError(
                "not_used", _("This booking can be rated once the visit has taken place.")
            )
        described = _describe_booking(booking, community)
        if described is None:
            raise DomainError(
                "no_department",
                _("No department is responsible for this venue: it cannot be rated."),
            )
        return described
    if subject == Subject.BILL:
        bills = Bill.objects.select_related("department")
        if lock:
            bills = bills.select_for_update(of=("self",))
        bill = bills.filter(pk=subject_id, user_id=user.pk).first()
        if bill is None:
            raise _not_yours()
        if bill.status != Bill.Status.PAID:
            raise DomainError("not_paid", _("A bill can be rated once it has been paid."))
        return _describe_bill(bill, community)
    raise DomainError("bad_subject", _("Only cases, bookings and bills can be rated."))


def rateable_list_for(*, user: Any, now: datetime | None = None) -> list[Rateable]:
    """What the resident has used and not rated yet, newest first (five queries)."""
    now = now or timezone.now()
    community = _resident_community(user)
    items: list[Rateable] = [
        _describe_application(a, community)
        for a in Application.objects.filter(
            applicant_id=user.pk, status__in=CLOSED_STATUSES, rating__isnull=True
        )
        .select_related("service", "department")
        .order_by("-updated_at")[:RATEABLE_LIMIT]
    ]
    for booking in (
        Booking.objects.filter(
            user_id=user.pk,
            status=Booking.Status.CONFIRMED,
            slot__ends_at__lte=now,
            rating__isnull=True,
        )
        .select_related("slot__venue__department", "slot__venue__service__department")
        .order_by("-slot__ends_at")[:RATEABLE_LIMIT]
    ):
        described = _describe_booking(booking, community)
        if described is not None:
            items.append(described)
    items += [
        _describe_bill(b, community)
        for b in Bill.objects.filter(
            user_id=user.pk, status=Bill.Status.PAID, rating__isnull=True, department__isnull=False
        )
        .select_related("department")
        .order_by("-paid_at")[:RATEABLE_LIMIT]
    ]
    floor = datetime.min.replace(tzinfo=timezone.get_current_timezone())
    return sorted(items, key=lambda item: item.used_at or floor, reverse=True)


def rating_for_subject(*, user: Any, subject: str, subject_id: int) -> Rating | None:
    """The user's rating of this subject, if any (to send a second tap to the first rating)."""
    if subject not in Subject.values:
        return None
    return Rating.objects.filter(user_id=user.pk, **{f"{subject}_id": subject_id}).first()


def rating_list_for_user(*, user: Any) -> QuerySet[Rating]:
    """The user's own ratings, newest first, with their follow-ups."""
    return (
        Rating.objects.filter(user_id=user.pk)
        .select_related("department", "follow_up")
        .order_by("-created_at", "-id")
    )


def rating_get_for_user(*, user: Any, rating_id: int) -> Rating:
    """Raises: NotFound (no such rating of the user's)."""
    rating = rating_list_for_user(user=user).filter(pk=rating_id).first()
    if rating is None:
        raise NotFound("rating_not_found", _("No such rating."))
    return rating


def follow_up_entries(rating: Rating) -> list[Any]:
    follow_up = getattr(rating, "follow_up", None)
    if follow_up is None:
        return []
    return list(follow_up.entries.select_related("author"))


@dataclass(frozen=True)
class RatingFilters:
    level: int | None = None
    department_id: int | None = None
    service_id: int | None = None
    since: date | None = None
    until: date | None = None
    poor_only: bool = False


def rating_list_for(*, user: Any, filters: RatingFilters | None = None) -> QuerySet[Rating]:
    """Ratings a staff member may read: their department's, or their area's residents'."""
    queryset = scope_queryset(
        Rating.objects.select_related("department", "service", "follow_up"),
        user,
        division_field="community_id",
        department_field="department_id",
        roles=RATING_READERS,
    )
    f = filters or RatingFilters()
    if f.level in Level.values:
        queryset = queryset.filter(level=f.level)
    if f.department_id:
        queryset = queryset.filter(department_id=f.department_id)
    if f.service_id:
        queryset = queryset.filter(service_id=f.service_id)
    if f.since:
        queryset = queryset.filter(created_at__date__gte=f.since)
    if f.until:
        queryset = queryset.filter(created_at__date__lte=f.until)
    if f.poor_only:
        queryset = queryset.filter(level__in=POOR_LEVELS)
    return queryset.order_by("-created_at", "-id")


@dataclass(frozen=True)
class Figures:
    """Counts per level and the satisfaction rate (满意率: the top three levels' share)."""

    total: int
    per_level: list[tuple[int, str, int]]

    @property
    def satisfied(self) -> int:
        return sum(n for level, _label, n in self.per_level if level not in POOR_LEVELS)

    @property
    def rate(self) -> int | None:
        """The satisfaction rate in whole percent, None when nothing was rated."""
        if not self.total:
            return None
        return round(100 * self.satisfied / self.total)


def figures_of(queryset: QuerySet[Rating]) -> Figures:
    """One grouped query over ``queryset``."""
    counts = dict(
        queryset.order_by().values_list("level").annotate(n=Count("id")).values_list("level", "n")
    )
    per_level = [(int(level), str(label), counts.get(level, 0)) for level, label in Level.choices]
    return Figures(total=sum(counts.values()), per_level=per_level)


def service_figures(*, service_id: int) -> Figures:
    """Public figures of one catalogue service."""
    return figures_of(Rating.objects.filter(service_id=service_id))


def department_figures(*, department_id: int) -> Figures:
    return figures_of(Rating.objects.filter(department_id=department_id))


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    total: int
    satisfied: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.satisfied / self.total) if self.total else None


def department_table() -> list[DepartmentRow]:
    """Every department with its number of ratings and satisfied ones (public, one query)."""
    departments = Department.objects.annotate(
        total=Count("ratings"),
        satisfied=Count("ratings", filter=~Q(ratings__level__in=POOR_LEVELS)),
    ).order_by("-total", "name")
    return [DepartmentRow(department=d, total=d.total, satisfied=d.satisfied) for d in departments]


def department_get(*, code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    return department


@dataclass(frozen=True)
class ServiceRow:
    service_id: int | None
    name: str
    total: int
    satisfied: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.satisfied / self.total) if self.total else None


def service_table(queryset: QuerySet[Rating]) -> list[ServiceRow]:
    """Ratings of ``queryset`` per service (bills and rooms without a service grouped apart)."""
    rows = (
        queryset.order_by()
        .values("service_id", "service__name")
        .annotate(total=Count("id"), satisfied=Count("id", filter=~Q(level__in=POOR_LEVELS)))
        .order_by("-total", "service__name")
    )
    return [
        ServiceRow(
            service_id=row["service_id"],
            name=row["service__name"] or str(_("Other uses (bills, rooms)")),
            total=row["total"],
            satisfied=row["satisfied"],
        )
        for row in rows
    ]


def public_comments(*, department_id: int, limit: int = 20) -> QuerySet[Rating]:
    """The newest ratings of a department, shown without any name (匿名展示)."""
    return (
        Rating.objects.filter(department_id=department_id)
        .select_related("service")
        .only("level", "reasons", "comment", "created_at", "title", "service__name")
        .order_by("-created_at", "-id")[:limit]
    )


def follow_up_list_for(
    *, user: Any, status: str = "", overdue_only: bool = False, today: date | None = None
) -> QuerySet[FollowUp]:
    """Follow-ups a staff member may read (same scope as the ratings), soonest due first."""
    ratings = rating_list_for(user=user)
    queryset = FollowUp.objects.filter(rating__in=ratings.values("pk")).select_related(
        "rating", "department", "rating__service"
    )
    if status in FollowUp.Status.values:
        queryset = queryset.filter(status=status)
    if overdue_only:
        queryset = queryset.filter(
            status=FollowUp.Status.OPEN, due_date__lt=today or timezone.localdate()
        )
    return queryset.order_by("due_date", "id")


def follow_up_get_for(*, user: Any, follow_up_id: int) -> FollowUp:
    """Raises: NotFound (outside the staff member's department or area)."""
    follow_up = follow_up_list_for(user=user).filter(pk=follow_up_id).first()
    if follow_up is None:
        raise NotFound("follow_up_not_found", _("No such follow-up."))
    return follow_up


def overdue_count_for(*, user: Any, today: date | None = None) -> int:
    return follow_up_list_for(user=user, overdue_only=True, today=today).count()
