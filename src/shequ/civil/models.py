"""Social organisations (社会组织) and the money the city gives them through calls.

The registry holds each organisation with its unified social credit code (GB 32100-2015),
its kind, the authority it registered with, its rating (社会组织评估 5A–1A), annual inspections
(年检) and incubation (孵化). Organisation staff sign in with their own accounts and act for it
(``Membership``). Calls for proposals (项目征集) cover government purchase of services (政府购买
服务) and community-making grants (社区营造); applications are screened, scored by experts with
automatic recusal from the registry, determined, publicly noticed (公示), contracted and paid in
tranches through the funds ledger.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.pii import EncryptedPIIField, PIIKind
from shequ.core.storage import private_storage
from shequ.places.models import Division

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


class Kind(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("Social group")  # 社会团体
    SERVICE_INSTITUTION = "service_institution", _("Social service institution")  # 民办非企业
    FOUNDATION = "foundation", _("Foundation")  # 基金会
    COMMUNITY_BASED = "community_based", _("Community-based organisation (filed)")  # 社区社会组织


# Registered kinds carry a credit code; community-based organisations are filed (备案) with
# the street and may have none.
REGISTERED_KINDS = frozenset({Kind.SOCIAL_GROUP, Kind.SERVICE_INSTITUTION, Kind.FOUNDATION})


class Field(models.TextChoices):
    """Fields of service (服务领域)."""

    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Children and families")
    YOUTH = "youth", _("Youth")
    DISABILITY = "disability", _("People with disabilities")
    GOVERNANCE = "governance", _("Community governance")
    CULTURE = "culture", _("Culture and sport")
    ENVIRONMENT = "environment", _("Environment")
    RELIEF = "relief", _("Social assistance")
    VOLUNTEERING = "volunteering", _("Volunteering")


class Grade(models.IntegerChoices):
    """社会组织评估等级: 1,000 points, 5A the best."""

    A5 = 5, "5A"
    A4 = 4, "4A"
    A3 = 3, "3A"
    A2 = 2, "2A"
    A1 = 1, "1A"


class Organisation(models.Model):
    """A social organisation in the registry."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLACKLISTED = "blacklisted", _("On the list of serious violations")  # 严重违法失信名单
        DEREGISTERED = "deregistered", _("Deregistered")

    class Incubation(models.TextChoices):
        NONE = "", _("Not incubated")
        INCUBATING = "incubating", _("Incubating")
        GRADUATED = "graduated", _("Graduated")

    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    fields = models.JSONField(_("fields of service"), default=list, blank=True)
    # 登记管理机关: the district or city civil-affairs bureau, or the street for a filing. Staff
    # covering this division manage the record.
    authority = models.ForeignKey(
        Division,
        verbose_name=_("registering authority"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    legal_rep_name = EncryptedPIIField(_("legal representative"), kind=PIIKind.NAME)
    legal_rep_id = EncryptedPIIField(
        _("legal representative's ID number"), kind=PIIKind.ID_NUMBER, null=True, blank=True
    )
    legal_rep_phone = EncryptedPIIField(
        _("legal representative's mobile"), kind=PIIKind.PHONE, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    service_areas = models.ManyToManyField(
        Division, verbose_name=_("service areas"), related_name="+", blank=True
    )
    staff_count = models.PositiveIntegerField(_("full-time staff"), default=0)
    volunteer_count = models.PositiveIntegerField(_("volunteers"), default=0)
    incubation = models.CharField(
        _("incubation"), max_length=12, choices=Incubation.choices, blank=True, default=""
    )
    incubation_base = models.CharField(_("incubation base"), max_length=120, blank=True)
    bank_name = models.CharField(_("bank"), max_length=80, blank=True)
    bank_account = EncryptedPIIField(
        _("bank account"), kind=PIIKind.BANK_ACCOUNT, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("social organisation")
        verbose_name_plural = _("social organisations")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["authority", "status"], name="civil_org_authority"),
            models.Index(fields=["kind", "status"], name="civil_org_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def field_labels(self) -> list[str]:
        labels = dict(Field.choices)
        return [str(labels[f]) for f in self.fields if f in labels]


class Rating(models.Model):
    """One assessment (社会组织评估): a grade for a year, valid until its expiry (five years)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ratings")
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    score = models.PositiveSmallIntegerField(_("points (of 1,000)"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assessment grade")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="civil_rating_one_a_year"
            ),
            models.CheckConstraint(
                name="civil_rating_grade", condition=Q(grade__gte=1) & Q(grade__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} {self.year}"


class Inspection(models.Model):
    """年检 / 年报: the result of one year's annual inspection."""

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")  # 合格
        BASICALLY = "basically", _("Basically passed")  # 基本合格
        FAILED = "failed", _("Failed")  # 不合格

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("annual inspection")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="civil_inspection_one_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.result}"


class Membership(models.Model):
    """An account acting for an organisation (机构账号). The organisation's admin invites staff;
    a membership that ended stays on record: it still counts for recusal for some years."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Organisation administrator")
        STAFF = "staff", _("Organisation staff")
        FOUNDER = "founder", _("Founder")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="civil_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("organisation account")
        ordering = ["organisation_id", "id"]
        indexes = [models.Index(fields=["user", "organisation"], name="civil_member_user")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class Invitation(models.Model):
    """An invitation to act for an organisation, sent to a mobile number. The account holding
    that number accepts it once its identity is verified; the sender never learns whether the
    number has an account."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    phone_index = models.CharField(max_length=64, db_index=True)
    phone = EncryptedPIIField(_("mobile"), kind=PIIKind.PHONE)
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class Expert(models.Model):
    """One account in the expert pool (专家库) that reviews applications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="civil_expert"
    )
    display_name = models.CharField(_("name shown"), max_length=60)
    expertise = models.JSONField(_("fields of service"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("expert")
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Engagement(models.Model):
    """A past or current tie of an expert with an organisation, kept in the registry: employed
    by it, founded it, or paid by it (the expert, or the expert's own organisation named in
    ``via``). It recuses the expert from that organisation's applications for the call's
    look-back years after it ended (a founder always)."""

    class Kind(models.TextChoices):
        EMPLOYED = "employed", _("Employed by the organisation")
        FOUNDER = "founder", _("Founded the organisation")
        PAID = "paid", _("Paid by the organisation")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="engagements")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="expert_engagements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    via = models.ForeignKey(
        Organisation,
        verbose_name=_("paid to the expert's organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("expert's engagement")
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["expert", "organisation"], name="civil_engage_expert")]

    def __str__(self) -> str:
        return f"{self.expert_id}:{self.kind}@{self.organisation_id}"


class Call(models.Model):
    """A call for proposals: government purchase of services or community-making grants."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Government purchase of services")  # 政府购买服务
        COMMUNITY_MAKING = "community_making", _("Community-making grant")  # 社区营造

    class Stage(models.TextChoices):
        OPEN = "open", _("Open for applications")
        REVIEW = "review", _("Under review")
        NOTICE = "notice", _("Public notice")
        AWARDED = "awarded", _("Awarded")

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=18, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("issued for"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field of service"), max_length=14, choices=Field.choices)
    # Restricted to an area (a district, street or community inside ``division``): only
    # organisations whose service areas cover it (or part of it) may apply.
    area = models.ForeignKey(
        Division,
        verbose_name=_("restricted to the area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    budget = models.DecimalField(_("budget (yuan)"), **MONEY)
    year = models.PositiveSmallIntegerField(_("budget year"))
    max_award = models.DecimalField(_("most per project (yuan)"), **MONEY)
    min_self_share = models.PositiveSmallIntegerField(_("least self-funding (%)"), default=0)
    eligible_kinds = models.JSONField(_("eligible kinds"), default=list)
    min_grade = models.PositiveSmallIntegerField(_("least grade"), null=True, blank=True)
    inspection_required = models.BooleanField(_("last year's inspection passed"), default=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("deadline"))
    objection_days = models.PositiveSmallIntegerField(_("public notice days"), default=5)
    recusal_years = models.PositiveSmallIntegerField(_("recusal looks back (years)"), default=3)
    # The checklist of documents every application attaches before it is submitted (实施方案,
    # 预算表, 居民议事会决议, 资质证明 …), by name.
    required_documents = models.JSONField(_("required documents"), default=list, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.OPEN)
    notice_ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call for proposals")
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    """One line of a call's scoring sheet: scored from 0 to ``max_score``, weighted."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=80)
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=10)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """A lot (标段 / 包) of a call: its own budget; applications name one and are ranked and
    determined within it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("lot"), max_length=80)
    budget = models.DecimalField(_("budget (yuan)"), **MONEY)

    class Meta:
        verbose_name = _("lot")
        ordering = ["call_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="civil_lot_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


def _minutes_path(instance: models.Model, filename: str) -> str:
    return f"civil/decisions/{getattr(instance, 'call_id', 'x')}/{filename}"


class Application(models.Model):
    """An organisation's proposal to a call, with its community partner for a grant."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        INELIGIBLE = "ineligible", _("Screened out")
        AWARDED = "awarded", _("Selected")
        NOT_AWARDED = "not_awarded", _("Not selected")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications"
    )
    community = models.ForeignKey(
        Division,
        verbose_name=_("partner community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lot = models.ForeignKey(
        Lot,
        verbose_name=_("lot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    title = models.CharField(_("project title"), max_length=120)
    summary = models.TextField(_("what the project does"))
    budget_lines = models.JSONField(_("budget lines"), default=list)
    amount = models.DecimalField(_("amount requested (yuan)"), **MONEY)
    self_funding = models.DecimalField(_("self-funding (yuan)"), default=Decimal("0.00"), **MONEY)
    council_minutes = models.FileField(
        _("residents' council decision"),
        upload_to=_minutes_path,
        storage=private_storage,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    screening_reasons = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    award_amount = models.DecimalField(_("amount awarded"), null=True, blank=True, **MONEY)
    determination_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("application")
        ordering = ["-id"]
        indexes = [models.Index(fields=["call", "status"], name="civil_app_call")]

    def __str__(self) -> str:
        return self.title


def _document_path(instance: models.Model, filename: str) -> str:
    return f"civil/documents/{getattr(instance, 'application_id', 'x')}/{filename}"


class ApplicationDocument(models.Model):
    """A document attached to an application, answering one line of the call's checklist
    (attaching it again replaces it while the application is a draft)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("document"), max_length=60)
    file = models.FileField(_("file"), upload_to=_document_path, storage=private_storage)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("application document")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "name"], name="civil_document_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """One expert's review of one application: recused, or a score per criterion."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("To score")
        RECUSED = "recused", _("Recused")
        SCORED = "scored", _("Scored")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="reviews")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    recusal_reason = models.CharField(_("why recused"), max_length=300, blank=True)
    # {criterion id: score or null (N/A)}
    scores = models.JSONField(default=dict, blank=True)
    total = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="civil_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.expert_id}"


class ConflictDeclaration(models.Model):
    """An expert's declaration, before scoring, that they have no conflict of interest with
    the applicant, or that they have one (with the reason): a conflict recuses them."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="declaration")
    has_conflict = models.BooleanField(_("conflict of interest"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"declaration {self.review_id}"


class Objection(models.Model):
    """An objection raised during a call's public notice (公示异议) and its answer."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="objections")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="objections"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("objection"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"objection {self.pk}"


class Contract(models.Model):
    """The contract of a selected application; its money is committed in the funds ledger."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="contract"
    )
    amount = models.DecimalField(_("contract amount"), **MONEY)
    paid = models.DecimalField(_("paid"), default=Decimal("0.00"), **MONEY)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField(_("signed on"))
    ends_on = models.DateField(_("ends on"))
    commitment_transaction_id = models.PositiveBigIntegerField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("contract")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=models.F("paid")), name="civil_contract_not_overpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"contract {self.pk}"


def _report_path(instance: models.Model, filename: str) -> str:
    return f"civil/reports/{getattr(instance, 'contract_id', 'x')}/{filename}"


class Tranche(models.Model):
    """A milestone of a contract and the payment it releases once its report is accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the report")
        REPORTED = "reported", _("Report to check")
        ACCEPTED = "accepted", _("Report accepted")
        PAID = "paid", _("Paid")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tranches")
    number = models.PositiveSmallIntegerField(_("number"))
    milestone = models.CharField(_("milestone"), max_length=120)
    amount = models.DecimalField(_("amount"), **MONEY)
    due_on = models.DateField(_("due"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    report = models.TextField(_("progress report"), blank=True)
    people_served = models.PositiveIntegerField(_("people served"), null=True, blank=True)
    photo = models.FileField(
        _("photo"), upload_to=_report_path, storage=private_storage, blank=True
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_transaction_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="civil_tranche_number"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.number}"


def _evaluation_path(instance: models.Model, filename: str) -> str:
    return f"civil/evaluations/{getattr(instance, 'contract_id', 'x')}/{filename}"


class Evaluation(models.Model):
    """A mid-term or final evaluation (中期评估 / 末期评估) of a contract, by an expert of the
    pool or by a third-party evaluator organisation from the registry (never the contractor),
    with a score out of 100 and its report; public on the contract's page."""

    class Stage(models.TextChoices):
        MIDTERM = "midterm", _("Mid-term evaluation")
        FINAL = "final", _("Final evaluation")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="evaluations")
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    expert = models.ForeignKey(
        Expert,
        verbose_name=_("evaluating expert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    evaluator = models.ForeignKey(
        Organisation,
        verbose_name=_("third-party evaluator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations_made",
    )
    score = models.DecimalField(_("score (of 100)"), max_digits=5, decimal_places=2)
    summary = models.TextField(_("findings"))
    report = models.FileField(
        _("evaluation report"), upload_to=_evaluation_path, storage=private_storage
    )
    report_type = models.CharField(max_length=100)
    evaluated_on = models.DateField(_("evaluated on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        ordering = ["contract_id", "evaluated_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "stage"], name="civil_evaluation_stage"),
            models.CheckConstraint(
                name="civil_evaluation_one_evaluator",
                condition=(Q(expert__isnull=False) & Q(evaluator__isnull=True))
                | (Q(expert__isnull=True) & Q(evaluator__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.stage}"
