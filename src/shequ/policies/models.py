"""The policy library (政策法规库): documents with their numbers, dates and validity, the
"1+6+N" structure, amendments and repeals, attachments, and what each policy governs.

Validity is never stored: it is computed from the dates and the amending or repealing
documents against today's date (``Policy.validity_on``), so an expired policy shows as
expired the day after its expiry without anyone touching it.
"""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.funds.models import SecurityFormula
from shequ.places.models import Division
from shequ.projects.models import Project


class Level(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")


class Kind(models.TextChoices):
    REGULATION = "regulation", _("Local regulation")
    OPINION = "opinion", _("Opinion")
    MEASURES = "measures", _("Measures")
    PLAN = "plan", _("Plan or programme")
    NOTICE = "notice", _("Notice")
    RULES = "rules", _("Implementation rules")


class Structure(models.TextChoices):
    """Place in the "1+6+N" system: one core document, supporting documents, rules."""

    CORE = "core", _("Core document (1)")
    SUPPORTING = "supporting", _("Supporting document (6)")
    IMPLEMENTATION = "implementation", _("Implementation rules (N)")
    OTHER = "other", _("Other")


class Validity(models.TextChoices):
    NOT_YET = "not_yet", _("Not yet in force")
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")
    EXPIRED = "expired", _("Expired")


class Policy(models.Model):
    """One policy document (政策文件)."""

    title = models.CharField(_("title"), max_length=200)
    doc_number = models.CharField(_("policy number"), max_length=60, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    # The area the policy applies to: the city, a district or a street (scopes editing).
    division = models.ForeignKey(
        Division, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    structure = models.CharField(
        _("place in 1+6+N"), max_length=16, choices=Structure.choices, default=Structure.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("follows from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    issued_on = models.DateField(_("date issued"))
    effective_on = models.DateField(_("effective from"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    summary = models.TextField(_("abstract"), blank=True)
    interpretation = models.TextField(_("interpretation in plain language"), blank=True)
    full_text = models.TextField(_("full text"), blank=True)
    source_url = models.URLField(_("source"), blank=True)
    provenance = models.CharField(_("provenance"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    services = models.ManyToManyField(
        Service, verbose_name=_("services"), blank=True, related_name="library_policies"
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects"), blank=True, related_name="policies"
    )
    fund_formulas = models.ManyToManyField(
        SecurityFormula, verbose_name=_("fund rules"), blank=True, related_name="policies"
    )
    # jieba tokens; the database keeps the full-text index over them (migration 0002).
    title_tokens = models.TextField(default="", editable=False)
    body_tokens = models.TextField(default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "doc_number"],
                condition=~Q(doc_number=""),
                name="policies_number_unique_per_issuer",
            ),
            models.CheckConstraint(
                name="policies_expiry_after_effective",
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("effective_on")),
            ),
        ]
        indexes = [models.Index(fields=["is_published", "-issued_on"], name="policies_pub_idx")]

    def __str__(self) -> str:
        return f"{self.title}（{self.doc_number}）" if self.doc_number else self.title

    def validity_on(self, today: date, *, repealed: bool = False, amended: bool = False) -> str:
        """The validity on ``today``: ``repealed``/``amended`` say whether a document in
        force on that day repeals or amends this one (see ``selectors.validity_map``)."""
        if repealed:
            return Validity.REPEALED
        if self.expires_on is not None and self.expires_on < today:
            return Validity.EXPIRED
        if self.effective_on > today:
            return Validity.NOT_YET
        if amended:
            return Validity.AMENDED
        return Validity.IN_FORCE


class Relation(models.Model):
    """``source`` amends or repeals ``target`` (in force from the source's effective date)."""

    class Kind(models.TextChoices):
        AMENDS = "amends", _("Amends")
        REPEALS = "repeals", _("Repeals")

    source = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="outgoing")
    target = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="incoming")
    kind = models.CharField(_("relation"), max_length=8, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("policy relation")
        verbose_name_plural = _("policy relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="policies_relation_once"),
            models.CheckConstraint(
                name="policies_relation_not_self", condition=~Q(source=models.F("target"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Attachment(models.Model):
    """A PDF or Word file published with a policy (its signature matches its name)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to="policies/%Y/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
