"""Bookings (预约): time slots at service halls and rooms of community service centres."""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.people.models import Department
from shequ.places.models import Division


class Venue(models.Model):
    """A service-hall window or a room in a 党群服务中心 that residents book by the slot."""

    class Kind(models.TextChoices):
        HALL = "hall", _("Service hall")
        ROOM = "room", _("Community room")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    community = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="venues"
    )
    opens_at = models.TimeField(_("opens at"), default=time(9, 0))
    closes_at = models.TimeField(_("closes at"), default=time(17, 0))
    open_weekdays = models.CharField(
        _("open weekdays (1=Mon … 7=Sun)"), max_length=7, default="12345"
    )
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=60)
    capacity = models.PositiveSmallIntegerField(_("places per slot"), default=10)
    max_per_week = models.PositiveSmallIntegerField(_("bookings per resident per week"), default=2)
    is_open = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="venue_room_in_community",
                condition=Q(kind="hall") | Q(kind="room", community__isnull=False),
            ),
            models.CheckConstraint(name="venue_hours", condition=Q(opens_at__lt=F("closes_at"))),
        ]

    def __str__(self) -> str:
        return self.name


class VenueClosure(models.Model):
    """A day a venue is closed beyond its weekly hours (repairs, an event): no slots that day."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "day"], name="venue_closure_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.day}"


class Slot(models.Model):
    """One bookable time. ``booked`` never exceeds ``capacity``: the database refuses it."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(
                name="slot_never_overbooked",
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}@{self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status__in=["confirmed", "waiting"]),
                name="booking_one_live_per_slot",
            )
        ]
        indexes = [
            models.Index(fields=["slot", "status", "created_at"], name="booking_slot_status"),
            models.Index(fields=["user", "status"], name="booking_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.slot_id}:{self.status}"


# --- Service-centre classes (社区活动/课程): a weekly class holds its room --------------------


class CentreClass(models.Model):
    """A weekly class or event of a community service centre (广场舞, 刺绣, 读书会, 咖啡角).

    Residents sign up for the whole course; ``enrolled`` never exceeds ``capacity`` (the
    database refuses it) and the rest wait in line. Its sessions hold the room."""

    class Kind(models.TextChoices):
        DANCE = "dance", _("Dance")
        EMBROIDERY = "embroidery", _("Embroidery")
        READING = "reading", _("Reading")
        COFFEE = "coffee", _("Coffee morning")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="classes")
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    host = models.CharField(_("teacher or host"), max_length=80, blank=True)
    weekday = models.PositiveSmallIntegerField(_("day of the week (1=Mon … 7=Sun)"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    enrolled = models.PositiveSmallIntegerField(_("enrolled"), default=0)
    signup_opens = models.DateTimeField(_("sign-up opens"))
    signup_closes = models.DateTimeField(_("sign-up closes"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["weekday", "starts_at", "name"]
        constraints = [
            models.CheckConstraint(
                name="class_never_overbooked",
                condition=Q(enrolled__gte=0) & Q(enrolled__lte=F("capacity")),
            ),
            models.CheckConstraint(name="class_hours", condition=Q(starts_at__lt=F("ends_at"))),
            models.CheckConstraint(name="class_days", condition=Q(first_day__lte=F("last_day"))),
        ]
        indexes = [models.Index(fields=["community", "status"], name="class_community_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.enrolled)


class ClassSession(models.Model):
    """One meeting of a class; it holds the class's room from start to end."""

    centre_class = models.ForeignKey(CentreClass, on_delete=models.CASCADE, related_name="sessions")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="class_sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre_class", "starts_at"], name="class_session_unique_start"
            )
        ]
        indexes = [models.Index(fields=["venue", "starts_at"], name="class_session_venue_start")]

    def __str__(self) -> str:
        return f"{self.centre_class_id}@{self.starts_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    """A resident's place in a whole course, or their place in its waiting line."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Signed up")
        WAITING = "waiting", _("On the waiting list")
        WITHDRAWN = "withdrawn", _("Left the class")

    centre_class = models.ForeignKey(
        CentreClass, on_delete=models.PROTECT, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="class_enrolments"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre_class", "user"],
                condition=Q(status__in=["enrolled", "waiting"]),
                name="enrolment_one_live_per_class",
            )
        ]
        indexes = [
            models.Index(
                fields=["centre_class", "status", "created_at"], name="enrolment_class_status"
            ),
            models.Index(fields=["user", "status"], name="enrolment_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.centre_class_id}:{self.status}"


class ClassAttendance(models.Model):
    """Whether an enrolled resident came to one session, as the staff marked it."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="class_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.user_id}:{self.present}"
