"""Five major actions (五大行动): taxonomy, plan targets, projects and their status history.

The statistics "as of" a date are computed from ``StatusEvent`` rows, never from
``Project.status``: each event records when a project entered a status and, once a later
event follows, when it left it (``superseded_on``). Events carry copies of the project's
type, district and year so an as-of count is one index scan without a join.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from shequ.core.names import ShownNameMixin, name_en_field
from shequ.core.storage import public_storage
from shequ.people.models import Department
from shequ.places.models import Division

ZERO = Decimal("0.00")
# An event not superseded yet lasts "for ever": the as-of queries compare this date, so that
# "still in S on D" is one range on an index (COALESCE(superseded_on, FOREVER) > D).
FOREVER = date(9999, 12, 31)


def event_until() -> Coalesce:
    """The last day an event holds, as an expression (it matches ``status_event_year_out``)."""
    return Coalesce(F("superseded_on"), Value(FOREVER))


class Action(ShownNameMixin, models.Model):
    """One of the five major actions (行动), e.g. 老旧城区改造."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = name_en_field(120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class ProjectType(ShownNameMixin, models.Model):
    """A kind of project under an action (棚户区改造, 雪亮工程, ...). Editable by the committee."""

    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="types"
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = name_en_field(120)
    # How the committee's sentence names it before the count, and the measure word after it:
    # "棚户区改造项目" + 37 + "个", "背街小巷整治" + 1003 + "条".
    report_label = models.CharField(_("label in reports"), max_length=60, blank=True)
    unit = models.CharField(_("measure word"), max_length=4, default="个")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("project type")
        verbose_name_plural = _("project types")
        ordering = ["action__order", "order", "code"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    """A project's life cycle, in order (计划 → 批复 → 在建 → 完工 → 验收)."""

    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Approved")
    UNDER_CONSTRUCTION = "construction", _("Under construction")
    COMPLETED = "completed", _("Completed")
    ACCEPTED = "accepted", _("Accepted")


STATUS_ORDER: tuple[str, ...] = tuple(Status.values)


class PlanTarget(models.Model):
    """Three-year plan (三年计划): how many projects of a type a district starts in a year."""

    project_type = models.ForeignKey(
        ProjectType, verbose_name=_("project type"), on_delete=models.PROTECT
    )
    district = models.ForeignKey(
        Division, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    count = models.PositiveIntegerField(_("number of projects"))
    investment = models.DecimalField(_("investment (yuan)"), max_digits=16, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        constraints = [
            models.UniqueConstraint(
                fields=["project_type", "district", "year"], name="plan_target_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.district_id} {self.project_type_id}: {self.count}"


class Project(models.Model):
    """One project of the portfolio, located in one or several communities."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    project_type = models.ForeignKey(
        ProjectType, verbose_name=_("project type"), on_delete=models.PROTECT
    )
    # The first community: the project's place for scoping (a prefix test on the code).
    division = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Division, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    communities = models.ManyToManyField(
        Division, verbose_name=_("communities"), related_name="projects", blank=True
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # GeoJSON geometry (Point, LineString for a street, Polygon) in WGS84.
    location = models.JSONField(_("location"), null=True, blank=True)
    # A representative point of the location, for the map and the bbox filter.
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    planned_city = models.DecimalField(
        _("planned city funds"), max_digits=14, decimal_places=2, default=ZERO
    )
    planned_district = models.DecimalField(
        _("planned district funds"), max_digits=14, decimal_places=2, default=ZERO
    )
    planned_social = models.DecimalField(
        _("planned social capital"), max_digits=14, decimal_places=2, default=ZERO
    )
    actual_city = models.DecimalField(
        _("actual city funds"), max_digits=14, decimal_places=2, default=ZERO
    )
    actual_district = models.DecimalField(
        _("actual district funds"), max_digits=14, decimal_places=2, default=ZERO
    )
    actual_social = models.DecimalField(
        _("actual social capital"), max_digits=14, decimal_places=2, default=ZERO
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    implementer = models.CharField(_("implementer"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    status_since = models.DateField(_("status since"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_synthetic = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "code"]
        indexes = [
            models.Index(fields=["division", "year"], name="project_division_year"),
            models.Index(fields=["district", "project_type", "status"], name="project_dts"),
        ]
        constraints = [
            models.CheckConstraint(name="project_progress_0_100", condition=Q(progress__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def planned_total(self) -> Decimal:
        return self.planned_city + self.planned_district + self.planned_social

    @property
    def actual_total(self) -> Decimal:
        return self.actual_city + self.actual_district + self.actual_social


class StatusEvent(models.Model):
    """The project entered ``status`` on ``occurred_on`` (and left it on ``superseded_on``)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    occurred_on = models.DateField(_("date"))
    superseded_on = models.DateField(null=True, blank=True)
    # First time the project reached this status (a rework loop enters a status again).
    is_first = models.BooleanField(default=True)
    project_type = models.ForeignKey(ProjectType, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    # Copy of the project's planned investment (city + district + social; fixed at creation), so
    # the as-of statistics sum money from the events alone, without a join to the projects.
    planned_investment = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        ordering = ["project_id", "occurred_on", "id"]
        indexes = [
            # "reached status S by date D": one index-only scan (the grouped columns and the
            # money are carried in the index on PostgreSQL), no join.
            models.Index(
                fields=["status", "year", "occurred_on"],
                include=["project_type", "district", "division", "planned_investment"],
                name="status_event_asof",
                condition=Q(is_first=True),
            ),
            # "was in S on D" for one year's projects (occurred_on <= D < until): index-only
            # scans from either end; the planner takes the side with fewer events (those that
            # began by D, or those that still held after D).
            models.Index(
                fields=["year", "occurred_on"],
                include=["superseded_on", "status", "project_type", "division"],
                name="status_event_year_in",
            ),
            models.Index(
                F("year"),
                event_until(),
                include=["occurred_on", "superseded_on", "status", "project_type", "division"],
                name="status_event_year_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.status} {self.occurred_on}"


class Milestone(models.Model):
    """A step of a project with its weight (the weights of a project add up to at most 100)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "planned_on", "id"]

    def __str__(self) -> str:
        return self.name


class ProgressReport(models.Model):
    """Monthly progress (月报): one per project and month; a re-upload updates it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    month = models.DateField(_("month"))  # the first day of the month
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    actual_city = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    actual_district = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    actual_social = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["project_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="progress_report_monthly"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m} {self.progress}%"


class Photo(models.Model):
    """A photo of the site before, during or after the works."""

    class Phase(models.TextChoices):
        BEFORE = "before", _("Before")
        DURING = "during", _("During")
        AFTER = "after", _("After")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    image = models.FileField(_("photo"), upload_to="projects/%Y/%m/", storage=public_storage)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["project_id", "phase", "created_at"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.phase}"


class Follow(models.Model):
    """A resident follows a project and gets a message on each progress report."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.project_id}"


class FollowerMessage(models.Model):
    """A message to a follower: the project moved on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_messages"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="follower_message_inbox")]

    def __str__(self) -> str:
        return self.text
