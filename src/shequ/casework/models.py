"""Online applications (网上申办): forms as data, cases routed to departments, the holiday table."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.core.storage import private_storage
from shequ.people.models import Department, Resident
from shequ.places.models import Division


class Holiday(models.Model):
    """A day that differs from the Monday–Friday week (data: ``data/holidays_cn.csv``)."""

    class Kind(models.TextChoices):
        OFF = "off", _("Day off")
        WORK = "work", _("Working day")

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40)
    source = models.CharField(_("source"), max_length=80)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class HolidayYear(models.Model):
    """A year whose holidays and make-up working days (调休) are entered in full, from the
    State Council's notice: working days can be counted in this year and no other."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("notice"), max_length=80)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} {self.source}"


class FormDefinition(models.Model):
    """One version of a service's application form, as data.

    ``fields``: ``[{"name", "label", "type": text|textarea|integer|decimal|date|choice|boolean|
    phone|id_number, "required", "max_length", "min", "max", "choices": [..]}]``; a phone or
    ID number answer is kept sealed (encrypted) in ``Application.data``, never in clear;
    ``documents``: ``[{"name", "label", "required", "types": ["pdf", "jpg", "png"], "max_kb"}]``.
    ``eligibility``: who may apply, checked from the registry at submission:
    ``{"min_age": int, "max_age": int, "residence": "" | "city" | "community",
    "communities": [division codes], "min_level": int}`` (every key optional; validated on
    publish; ``min_level`` is a ``VerificationLevel`` the applicant must have at least).

    Optional keys of a field (the form builder's; older forms without them are unchanged):
    ``"help"`` (a hint under the field), ``"show_if": {"field": <an earlier field's name>,
    "equals": <value>}`` (asked only then; a choice's option, ``"true"``/``"false"`` for a
    boolean, or an option a multichoice answer includes), ``"prefill"``: ``name`` |
    ``id_number`` | ``phone`` | ``community`` | ``birth_date`` (from the applicant's registry
    record; a personal number is shown masked and used when left blank). More field types:
    ``multichoice`` (``choices``; the answer is a list) and ``address`` (the answer is
    ``{"text", "community": code}``). A document may also have ``"help"`` and ``"show_if"``.

    Versions are never edited: a change is a new version; applications keep theirs. The form
    builder edits a **draft** (``is_draft``, at most one per service, never applied with);
    publishing it makes it the current version.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="forms")
    version = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    documents = models.JSONField(default=list)
    eligibility = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_draft = models.BooleanField(_("draft"), default=False, db_default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("application form")
        verbose_name_plural = _("application forms")
        ordering = ["service_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="form_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.version}"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted for handling")
    MORE_INFO = "more_info", _("More information requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Case closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.MORE_INFO, Status.RESUBMITTED)


class Application(models.Model):
    """A resident's application for a service, worked by its department (and community)."""

    reference = models.CharField(_("reference"), max_length=24, unique=True, null=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="applications")
    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    data = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(_("submitted at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(_("legal deadline"), null=True, blank=True)
    # While the resident supplies more information the legal clock stops (补正期间不计时):
    # the working days left are kept here and counted again from the resubmission.
    days_left_when_paused = models.PositiveSmallIntegerField(null=True, blank=True)
    # The deadline could not be computed (the holiday table ends before it): counting starts
    # after ``deadline_pending_from`` with ``deadline_pending_days`` working days, and is done
    # when the committee enters the missing year. Set means "not computable", never a guess.
    deadline_pending_from = models.DateField(null=True, blank=True)
    deadline_pending_days = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The field and document slot names the last request for more information (补正) named:
    # only these may be corrected or supplied in the resubmission.
    requested = models.JSONField(default=list, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["department", "status", "due_date", "id"], name="app_dept_queue"),
            models.Index(fields=["department", "due_date", "id"], name="app_dept_due"),
            models.Index(fields=["community", "status", "id"], name="app_community_queue"),
            models.Index(fields=["applicant", "-submitted_at"], name="app_applicant"),
            models.Index(
                fields=["escalated_at"],
                name="app_escalated",
                condition=models.Q(escalated_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def deadline_pending(self) -> bool:
        """The legal deadline is not computable: the holiday table does not reach it yet."""
        return self.deadline_pending_from is not None


class ApplicationDocument(models.Model):
    """An uploaded document; the file name on disk is random (no personal data in paths)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    slot = models.CharField(max_length=40)
    file = models.FileField(upload_to="casework/%Y/%m/", storage=private_storage)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot", "-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationEvent(models.Model):
    """One step of an application's history, shown to the resident (办理进度)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.action}"
