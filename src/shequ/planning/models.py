"""Community planners and the expert think tank (社区规划师与专家智库).

A planner (a staff role over a district or a street) is assigned to communities for a term;
runs planning consultations (规划议事会) with residents, who sign in, send suggestions from
their phone and rate the session; keeps the community's plans as versioned documents linked to
the five-major-actions projects that follow from them; and logs the hours worked. Experts write
policy evaluation reports linked to the policies and indicators they assess.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Organisation
from shequ.core.storage import private_storage
from shequ.indicators.models import Indicator
from shequ.participation.models import Proposal
from shequ.places.models import Division
from shequ.policies.models import Policy
from shequ.projects.models import Project

USER = settings.AUTH_USER_MODEL


class Assignment(models.Model):
    """A planner assigned to one community for a term (聘期)."""

    planner = models.ForeignKey(
        USER, verbose_name=_("planner"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    hours_per_month = models.PositiveSmallIntegerField(_("hours committed a month"))
    contract_party = models.CharField(_("contract party"), max_length=120, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("contracting organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("planner assignment")
        verbose_name_plural = _("planner assignments")
        ordering = ["-term_start", "-id"]
        constraints = [
            models.CheckConstraint(
                name="planning_term_end_after_start", condition=Q(term_end__gte=F("term_start"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.planner}"


class Consultation(models.Model):
    """A planning consultation (规划议事会) with the residents of a community."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open for suggestions")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    planner = models.ForeignKey(
        USER, verbose_name=_("planner"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    topic = models.TextField(_("topic"), max_length=2000)
    place = models.CharField(_("place"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("planning consultation")
        verbose_name_plural = _("planning consultations")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["community", "-starts_at"], name="planning_cons_comm")]

    def __str__(self) -> str:
        return self.title


class ConsultationPhoto(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="planning/photos/", storage=private_storage)
    content_type = models.CharField(max_length=40)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.file.name)


class Attendance(models.Model):
    """A resident signed in to a consultation, by themselves or ticked by the planner."""

    class How(models.TextChoices):
        SELF = "self", _("Signed in on the phone")
        TICKED = "ticked", _("Ticked by the planner")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    how = models.CharField(_("how"), max_length=8, choices=How.choices)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="planning_attend_once")
        ]
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return str(self.name)


class Suggestion(models.Model):
    """A resident's suggestion sent from the phone while the consultation is open."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="suggestions"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("suggestion"), max_length=2000)
    photo = models.FileField(upload_to="planning/suggestions/", storage=private_storage, blank=True)
    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class ConsultationRating(models.Model):
    """One attendee's rating of a consultation (1–5 stars), once."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="planning_rate_once"),
            models.CheckConstraint(
                name="planning_stars_1_to_5", condition=Q(stars__gte=1) & Q(stars__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return str(f"{self.stars}★")


class Publication(models.TextChoices):
    """Where a plan or a report stands: a draft, published, or withdrawn by its author (kept,
    with the reason, off the public pages)."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Withdrawable(models.Model):
    status = models.CharField(
        _("status"), max_length=10, choices=Publication.choices, default=Publication.PUBLISHED
    )
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last edited"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.status == Publication.WITHDRAWN


class Plan(Withdrawable):
    """A community plan (社区规划) kept as versioned documents: a draft until its first
    version is published."""

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), blank=True)
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects that follow from it"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("community plan")
        verbose_name_plural = _("community plans")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PlanVersion(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    file = models.FileField(upload_to="planning/plans/", storage=private_storage)
    content_type = models.CharField(max_length=100)
    notes = models.CharField(_("what changed"), max_length=500, blank=True)
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planning_version_unique")
        ]

    def __str__(self) -> str:
        return str(f"{self.plan_id} v{self.number}")


class WorkLog(models.Model):
    """A day's work of a planner in one community."""

    planner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    work = models.TextField(_("what was done"), max_length=2000)
    photo = models.FileField(upload_to="planning/worklog/", storage=private_storage, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                name="planning_hours_in_a_day", condition=Q(hours__gt=0) & Q(hours__lte=24)
            )
        ]

    def __str__(self) -> str:
        return str(f"{self.date} {self.hours}")


class Report(Withdrawable):
    """A think-tank expert's policy evaluation report (政策评估报告)."""

    expert = models.ForeignKey(
        USER, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(_("author"), max_length=60)
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), max_length=2000)
    findings = models.TextField(_("findings"), max_length=8000)
    recommendations = models.TextField(_("recommendations"), max_length=8000)
    file = models.FileField(upload_to="planning/reports/", storage=private_storage, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    policies = models.ManyToManyField(
        Policy, verbose_name=_("policies assessed"), related_name="evaluation_reports"
    )
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicators"), blank=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("policy evaluation report")
        verbose_name_plural = _("policy evaluation reports")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
