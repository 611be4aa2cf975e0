"""Residents' requests (诉求, 12345 / 网络理政): one window for every department.

A request (``Appeal``) is taken from any channel, routed by the dispatch catalogue (a table
of category × place → responsible unit, versioned) with the reason stored, signed for
(签收), returned (退单) and re-dispatched (重派), closed (办结) with evidence and rated by the
resident; an unhappy rating reopens it. Every step is an ``AppealEvent``: the timeline, the
clock and the unit rates (三率) are computed from those raw events.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.names import ShownNameMixin, name_en_field
from shequ.core.pii import EncryptedPIIField, PIIKind
from shequ.core.storage import public_storage
from shequ.people.models import Department
from shequ.places.models import Division


class Nature(models.TextChoices):
    """The nature of a request (诉求性质)."""

    COMPLAINT = "complaint", _("Complaint")
    HELP = "help", _("Request for help")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class DeadlineClass(models.TextChoices):
    """How long handling may take, counted from intake (not from 签收)."""

    URGENT = "urgent", _("Urgent: 2 hours")
    UTILITIES = "utilities", _("Utilities: 24 hours")
    GENERAL = "general", _("General: 7 working days")
    COMPLEX = "complex", _("Complex: 15 working days")


class Category(ShownNameMixin, models.Model):
    """What a request is about (路灯, 噪声, 供水…). Out-of-scope categories are never taken:
    the resident is told where to go instead (110/119/120, a court, 信访)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = name_en_field(120)
    nature = models.CharField(
        _("nature"), max_length=14, choices=Nature.choices, default=Nature.COMPLAINT
    )
    deadline_class = models.CharField(
        _("deadline class"),
        max_length=10,
        choices=DeadlineClass.choices,
        default=DeadlineClass.GENERAL,
    )
    out_of_scope = models.BooleanField(_("not taken here"), default=False)
    redirect_text = models.CharField(_("where to go instead"), max_length=300, blank=True)
    # The catalogue service (物业服务投诉, 供水故障报修…) whose page opens this intake.
    service_code = models.SlugField(_("catalogue service"), max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)
    # 回访: ``followup_days`` days after a request is rated fixed, its reporter is asked
    # whether it is still fixed (categories the committee chooses).
    followup = models.BooleanField(_("follow-up questionnaire"), default=False)
    followup_days = models.PositiveSmallIntegerField(_("days until the follow-up"), default=30)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A responsible unit (承办单位): a department, or a district, street or community office."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The unit's head assigns its requests to officers (as does whoever signed for one).
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("head of the unit"),
    )

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class CatalogueVersion(models.Model):
    """One edit of the dispatch catalogue: every change makes a new version number."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    note = models.CharField(_("what changed"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number}"


class RoutingRow(models.Model):
    """One row of the dispatch catalogue: this category in this place goes to this unit.

    Rows are never edited: a change retires the row and adds another, each in a new version,
    so a routing decision's "v7 row 132" can always be read back.
    """

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="routing_rows")
    place = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="routing_rows")
    added_in = models.PositiveIntegerField(_("added in version"))
    retired_in = models.PositiveIntegerField(_("retired in version"), null=True, blank=True)

    class Meta:
        ordering = ["category__position", "place_id", "id"]
        constraints = [
            # The database refuses two live rows for one place and category, even under a race.
            models.UniqueConstraint(
                fields=["category", "place"],
                condition=Q(retired_in__isnull=True),
                name="appeals_routing_one_live_row",
            )
        ]
        indexes = [models.Index(fields=["category", "place", "retired_in"], name="appeal_route")]

    def __str__(self) -> str:
        return f"row {self.pk}"


class Appeal(models.Model):
    """One resident's request (诉求工单)."""

    class Status(models.TextChoices):
        AWAITING_DISPATCH = "awaiting", _("Awaiting dispatch")
        DISPATCHED = "dispatched", _("Dispatched, awaiting sign-for")
        IN_PROGRESS = "in_progress", _("Signed for, in progress")
        RETURNED = "returned", _("Returned, awaiting re-dispatch")
        RULING = "ruling", _("Awaiting the committee's ruling")
        CLOSED = "closed", _("Handled, awaiting the resident's rating")
        RATED = "rated", _("Finished")

    class Channel(models.TextChoices):
        WEB = "web", _("Phone page")
        HOTLINE = "hotline", _("Hotline call")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")

    OPEN_STATUSES = (
        Status.AWAITING_DISPATCH,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RETURNED,
        Status.RULING,
    )

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="appeals")
    nature = models.CharField(_("nature"), max_length=14, choices=Nature.choices)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    # A caller on the hotline: the name and number for staff, never shown to the public.
    caller_name = models.CharField(_("caller's name"), max_length=40, blank=True)
    caller_phone = EncryptedPIIField(_("caller's phone"), kind=PIIKind.PHONE, null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_private = models.BooleanField(_("keep off the public list"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.AWAITING_DISPATCH
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    routing_reason = models.CharField(_("why this unit"), max_length=300, blank=True)
    deadline_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    round = models.PositiveSmallIntegerField(default=1)
    # 问题簇: requests of one problem (same category, same place, within a window).
    cluster = models.ForeignKey(
        "appeals.AppealCluster",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # Received after an earlier request of its cluster was handled (复发): that request.
    recurrence_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 审定: the committee's ruling names the unit that handles it and may not return it.
    ruling_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruling = models.CharField(_("ruling"), max_length=1000, blank=True)
    ruled_at = models.DateTimeField(null=True, blank=True)
    # The officer of the unit it is assigned to (指派), after the unit signed for it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals_assigned",
    )
    # 督办: 0 not escalated, 1 the unit was told it is overdue, 2 the supervising desk was.
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["category", "status", "community"], name="appeal_nearby"),
            models.Index(fields=["unit", "status", "deadline_at"], name="appeal_unit_queue"),
            models.Index(fields=["status", "deadline_at"], name="appeal_queue"),
            models.Index(fields=["reporter", "-created_at"], name="appeal_reporter"),
            models.Index(fields=["assignee", "status"], name="appeal_assignee"),
            models.Index(fields=["escalation_level", "status"], name="appeal_escalated"),
            # "Me too" (``selectors.similar_open``): open public requests of one category in
            # a bounding box around the pin. The statuses are ``OPEN_STATUSES``.
            models.Index(
                fields=["category", "latitude", "longitude", "created_at"],
                condition=Q(
                    status__in=["awaiting", "dispatched", "in_progress", "returned", "ruling"],
                    is_private=False,
                ),
                name="appeal_similar",
            ),
            # Clusters (``selectors.clusters.cluster_neighbours``): requests of one category
            # in a bounding box, or of one community, received in the window.
            models.Index(
                fields=["category", "latitude", "longitude", "created_at"], name="appeal_cluster"
            ),
            models.Index(
                fields=["category", "community", "created_at"], name="appeal_cluster_place"
            ),
            models.Index(fields=["recurrence_of"], name="appeal_recurrence"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"SQ{self.pk:08d}" if self.pk else "SQ"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline_at < timezone.now()


def _photo_path(instance: "AppealPhoto", filename: str) -> str:
    return f"appeals/{instance.appeal_id}/{filename}"


class AppealPhoto(models.Model):
    """A photo of the problem (from the resident) or of the fix (from the unit)."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("The problem")
        FIX = "fix", _("The fix")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PROBLEM)
    file = models.FileField(_("photo"), upload_to=_photo_path, storage=public_storage)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class _OfTheRequestsCommunity(models.Model):
    """A record of a request that carries the request's community, copied when it is saved
    (a request never moves): the statistics per area read these alone."""

    appeal: Any
    community_id: Any

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.community_id is None:
            self.community_id = self.appeal.community_id
        super().save(*args, **kwargs)


class AppealEvent(_OfTheRequestsCommunity):
    """One step in a request's life. The timeline, the clock and the rates read these."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        DISPATCHED = "dispatched", _("Dispatched")
        SIGNED = "signed", _("Signed for")
        RETURNED = "returned", _("Returned")
        CLOSED = "closed", _("Handled")
        RATED = "rated", _("Rated")
        REOPENED = "reopened", _("Reopened")
        FOLLOWED = "followed", _("Another resident reported it too")
        EXTENDED = "extended", _("Deadline extended")
        REFERRED = "referred", _("Sent to the committee for a ruling")
        RULED = "ruled", _("Ruled by the committee")
        ASSIGNED = "assigned", _("Assigned to an officer")
        ESCALATED = "escalated", _("Overdue: escalated")
        NOTE = "note", _("Internal note")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    # The request's community, copied when the step is recorded (a request never moves): the
    # statistics per area read the events of a period without joining every request.
    community = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", db_index=False, editable=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=1000, blank=True)
    # Staff only (internal notes, a ruling's reasons, who was assigned): never public.
    note = models.CharField(max_length=1000, blank=True)
    # Seconds a unit held the request before returning it: charged to that unit.
    held_seconds = models.PositiveIntegerField(null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True)
    # A 派单 the unit answered (signed for or returned) before the deadline (响应): True, late
    # False, not yet None. Stored when it answers, so the month's rates need no join.
    responded = models.BooleanField(null=True, blank=True)
    # A 办结: working days from the day received up to the day handled, counted when it closes.
    working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["unit", "kind", "at"], name="appeal_event_rates"),
            # The month's statistics read every unit's events of a kind in a period: without
            # it, each of their reads scanned every event ever recorded. The columns they
            # count ride along (PostgreSQL), so a month is read from the index alone, not from
            # events scattered over years of pages.
            models.Index(
                fields=["kind", "at"],
                name="appeal_event_month",
                include=["unit", "community", "responded", "on_time", "working_days"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.kind}"


class AppealExtension(models.Model):
    """A unit asks for more time (延期申请); a dispatcher of the area (the supervising 12345
    desk) grants or refuses it. Granted: the request's deadline moves, and the public timeline
    says so (never the reasons, which are internal)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        APPROVED = "approved", _("Granted")
        REFUSED = "refused", _("Refused")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_deadline = models.DateTimeField(_("due before"))
    new_deadline = models.DateTimeField(_("new deadline asked for"))
    reason = models.CharField(_("why more time"), max_length=500)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(_("reason of the decision"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["created_at", "id"]
        constraints = [
            # One pending request a ticket, even when two members ask at once.
            models.UniqueConstraint(
                fields=["appeal"],
                condition=Q(status="pending"),
                name="appeals_one_pending_extension",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_extension_queue")]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.status}"


class ReplyTemplate(models.Model):
    """A unit's saved reply (答复模板), chosen when reporting a request handled."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="reply_templates")
    title = models.CharField(_("title"), max_length=60)
    text = models.CharField(_("reply text"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["unit_id", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "title"], name="appeals_reply_template_title")
        ]

    def __str__(self) -> str:
        return self.title


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class DissatisfactionCause(models.TextChoices):
    """Why a resident is unhappy: the causes the committee's bulletin splits dissatisfaction by."""

    POLICY = "policy", _("Policy does not allow it")
    RECURRING = "recurring", _("The problem keeps coming back")
    DURATION = "duration", _("It took too long")
    OVERLAP = "overlap", _("Units pushed it to each other")
    UNIT = "unit", _("How the unit handled it")


class AppealRating(_OfTheRequestsCommunity):
    """The resident's verdict on one round of handling (满意/基本满意/不满意)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="ratings")
    # Copied from the request, as on its events.
    community = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", db_index=False, editable=False
    )
    round = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("rating"), max_length=12, choices=Satisfaction.choices)
    fixed = models.BooleanField(_("the problem is fixed"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    # Asked only of an unhappy rating; blank when happy or when the resident did not say.
    cause = models.CharField(
        _("main reason"), max_length=10, choices=DissatisfactionCause.choices, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "round"], name="appeals_one_rating_a_round")
        ]
        # The ratings of a period (the month's statistics and causes).
        indexes = [
            models.Index(
                fields=["created_at"],
                name="appeal_rating_month",
                include=["unit", "community", "level", "fixed", "cause"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.round}:{self.level}"


class AppealFollower(models.Model):
    """A resident who follows a request ("me too") and is told of each public change."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appeal", "user"], name="appeals_follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.user_id}"


def key_hash_of(raw: str) -> str:
    """How an Open311 key is stored and looked up: its SHA-256, never the key itself."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Open311Key(models.Model):
    """The API key of one client application of Open311 GeoReport v2 (a city's app, a
    district's own 12345 app): it may file requests. Only the SHA-256 of the key is kept; the
    key itself is shown once, when the committee creates it."""

    name = models.CharField(_("client application"), max_length=100, unique=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="open311_keys", verbose_name=_("owner unit")
    )
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, to tell keys apart on the console page.
    prefix = models.CharField(_("key begins"), max_length=8)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["-is_active", "name"]

    def __str__(self) -> str:
        return self.name


class AppealOutcome(models.Model):
    """What a request led to (诉求→议题/项目/支出): a residents' proposal, a community project
    or spending from the community fund that answers it and the requests like it. Linked both
    ways, so the public sees how many requests a proposal or project came from, and how many
    like them came in since."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="outcomes")
    proposal = models.ForeignKey(
        "participation.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_appeals",
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_appeals",
    )
    # Spending from the community fund (社区基金支出事项, with the council decision behind it).
    commitment = models.ForeignKey(
        "funds.Commitment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_appeals",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("what a request led to")
        verbose_name_plural = _("what requests led to")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=True, project__isnull=False, commitment__isnull=True)
                | Q(proposal__isnull=False, project__isnull=True, commitment__isnull=True)
                | Q(proposal__isnull=True, project__isnull=True, commitment__isnull=False),
                name="appeal_outcome_one_of_three",
            ),
            models.UniqueConstraint(
                fields=["appeal", "proposal"],
                condition=Q(proposal__isnull=False),
                name="appeal_outcome_proposal_once",
            ),
            models.UniqueConstraint(
                fields=["appeal", "project"],
                condition=Q(project__isnull=False),
                name="appeal_outcome_project_once",
            ),
            models.UniqueConstraint(
                fields=["appeal", "commitment"],
                condition=Q(commitment__isnull=False),
                name="appeal_outcome_commitment_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}→{self.proposal_id or self.project_id or self.commitment_id}"

    @property
    def target_field(self) -> str:
        """``proposal``, ``project`` or ``commitment``: what the request led to."""
        if self.proposal_id is not None:
            return "proposal"
        return "project" if self.project_id is not None else "commitment"

    @property
    def target_id(self) -> int | None:
        return self.proposal_id or self.project_id or self.commitment_id


class AppealCluster(models.Model):
    """One problem (问题簇) reported again and again: requests of one category at one place
    (within ``CLUSTER_METRES`` of each other, or of one community when not pinned), each
    received within ``CLUSTER_DAYS`` of an earlier one. Formed and grown at intake."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="clusters")
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    # Where the problem is: the pin of the first pinned request (None: no request pinned).
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The newest request received (kept at intake, for the console list's order).
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("problem cluster")
        verbose_name_plural = _("problem clusters")
        ordering = ["-last_at", "-id"]
        indexes = [models.Index(fields=["community", "-last_at"], name="appeal_cluster_list")]

    def __str__(self) -> str:
        return f"C{self.pk}"


class AppealFollowup(models.Model):
    """The follow-up questionnaire (回访): some days after a request was rated fixed, its
    reporter is asked whether it is still fixed. "No" files a linked request (a recurrence)
    in the same cluster."""

    rating = models.OneToOneField(AppealRating, on_delete=models.CASCADE, related_name="followup")
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="followups")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    still_fixed = models.BooleanField(_("still fixed"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    recurrence = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up questionnaire")
        verbose_name_plural = _("follow-up questionnaires")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.still_fixed}"
