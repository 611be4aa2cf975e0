"""Service ratings (政务服务"好差评"): five levels, reasons, and the follow-up of a poor one.

The national rules (国办发〔2019〕51号) rate a service once it has been used: after a case is
closed, a booked visit happened or a bill was paid. A poor rating (差评: 不满意 or 非常不满意)
opens a follow-up (整改) for the responsible department, answered within a deadline in working
days; the resident then says whether the answer solved it (回访).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.bookings.models import Booking
from shequ.casework.models import Application
from shequ.catalogue.models import Service
from shequ.payments.models import Bill
from shequ.people.models import Department
from shequ.places.models import Division


class Level(models.IntegerChoices):
    """The five levels of the national rules, best first."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


# 差评: the two levels that open a follow-up; 满意率 counts the other three as satisfied.
POOR_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})

REASONS: dict[str, object] = {
    # Praise (好评)
    "quick": _("Done quickly"),
    "one_visit": _("Done in one go, no second trip"),
    "clear_guide": _("Clear guidance and requirements"),
    "easy_online": _("Easy to do online"),
    "kind_staff": _("Friendly and patient staff"),
    # Could be better (基本满意)
    "bit_slow": _("Took a little long"),
    "guide_unclear": _("Guidance could be clearer"),
    "waited": _("Had to wait at the window"),
    # Poor (差评)
    "too_slow": _("Took too long or past the deadline"),
    "many_trips": _("Had to go several times or hand in papers again"),
    "rude_staff": _("Unfriendly or impatient staff"),
    "unclear": _("Requirements unclear or changing"),
    "system_trouble": _("The online system did not work well"),
    "result_wrong": _("Not satisfied with the result"),
    "not_done": _("The matter was not handled"),
    "other": _("Other (please describe)"),
}

_PRAISE = ["quick", "one_visit", "clear_guide", "easy_online", "kind_staff", "other"]
_FAIR = ["bit_slow", "guide_unclear", "waited", "system_trouble", "other"]
_POOR = [
    "too_slow",
    "many_trips",
    "rude_staff",
    "unclear",
    "system_trouble",
    "result_wrong",
    "not_done",
    "other",
]
LEVEL_REASONS: dict[int, list[str]] = {
    Level.VERY_SATISFIED: _PRAISE,
    Level.SATISFIED: _PRAISE,
    Level.FAIRLY_SATISFIED: _FAIR,
    Level.DISSATISFIED: _POOR,
    Level.VERY_DISSATISFIED: _POOR,
}


class Subject(models.TextChoices):
    """What was used: a closed case, a booked visit that took place, a paid bill."""

    APPLICATION = "application", _("Application")
    BOOKING = "booking", _("Booking")
    BILL = "bill", _("Bill")


class Rating(models.Model):
    """One resident's rating of one use of a service. Shown publicly without a name."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_ratings"
    )
    subject = models.CharField(_("rated"), max_length=12, choices=Subject.choices)
    # One rating per use: each subject is a one-to-one link, so a second one is refused by
    # the database too.
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="rating"
    )
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="rating"
    )
    bill = models.OneToOneField(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="rating"
    )
    title = models.CharField(_("what was rated"), max_length=120)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("department")
    )
    community = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # 追评: one follow-up comment by the resident; the rating itself is never changed.
    addendum = models.TextField(_("follow-up comment"), blank=True)
    addendum_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="rating_level_in_range", condition=Q(level__gte=1) & Q(level__lte=5)
            ),
            models.CheckConstraint(
                name="rating_one_subject",
                condition=(
                    Q(
                        subject="application",
                        application__isnull=False,
                        booking__isnull=True,
                        bill__isnull=True,
                    )
                    | Q(
                        subject="booking",
                        booking__isnull=False,
                        application__isnull=True,
                        bill__isnull=True,
                    )
                    | Q(
                        subject="bill",
                        bill__isnull=False,
                        application__isnull=True,
                        booking__isnull=True,
                    )
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["department", "-created_at"], name="rating_department"),
            models.Index(fields=["service", "level"], name="rating_service_level"),
            models.Index(fields=["community", "-created_at"], name="rating_community"),
            models.Index(fields=["user", "-created_at"], name="rating_user"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.level})"

    @property
    def is_poor(self) -> bool:
        return self.level in POOR_LEVELS

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[code]) for code in self.reasons if code in REASONS]


class FollowUp(models.Model):
    """整改: the responsible department's answer to a poor rating, due in working days."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the department's answer")
        ANSWERED = "answered", _("Answered, awaiting the resident")
        RESOLVED = "resolved", _("Resolved")
        UNRESOLVED = "unresolved", _("Not resolved after the second answer")

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="follow_up")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    due_date = models.DateField(_("answer due"))
    round = models.PositiveSmallIntegerField(default=1)
    opened_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["department", "status", "due_date"], name="followup_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id}:{self.status}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()


class FollowUpEntry(models.Model):
    """One step of a follow-up: the department's answer, the resident's verdict (回访)."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Department's answer")
        RESOLVED = "resolved", _("Resident: resolved")
        NOT_RESOLVED = "not_resolved", _("Resident: not resolved")

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.follow_up_id}:{self.kind}"
