"""Community money (社区资金): allocation, a double-entry ledger, spending, disclosure, donations.

Sign convention of the ledger: a posting's amount is signed and every transaction's postings
sum to zero. Money a community holds is positive (fund, commitment, payable = paid out);
the sources (city pool, district pool, donors) are credited, so their balance is the negative
of what they have put in. Accounts that hold money can never go below zero: the service checks
under a row lock and the database refuses it with a check constraint.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.pii import mask_name
from shequ.core.storage import private_storage
from shequ.places.models import Division

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}
NO_YEAR = 0  # community foundations (社区基金) are not yearly


class Track(models.TextChoices):
    SECURITY = "security", _("Security fund")  # 社区保障资金
    INCENTIVE = "incentive", _("Incentive fund")  # 社区激励资金
    DONATION = "donation", _("Community foundation")  # 社区基金
    # Community-making grants and purchased services paid through calls (civil app).
    GRANTS = "grants", _("Grants and purchased services")  # 社区营造与购买服务


class Account(models.Model):
    """One ledger account; ``balance`` is kept equal to the sum of its postings."""

    class Kind(models.TextChoices):
        CITY_POOL = "city_pool", _("City pool")
        DISTRICT_POOL = "district_pool", _("District pool")
        DONORS = "donors", _("Donations received")
        FUND = "fund", _("Community fund (available)")
        RESERVED = "reserved", _("Reserved for budgeting rounds")
        COMMITMENT = "commitment", _("Commitments")
        PAYABLE = "payable", _("Paid to suppliers")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    balance = models.DecimalField(_("balance"), default=Decimal("0.00"), **MONEY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    SOURCE_KINDS = (Kind.CITY_POOL, Kind.DISTRICT_POOL, Kind.DONORS)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["division_id", "year", "track", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "division", "track", "year"], name="funds_account_unique"
            ),
            # The database's own guard against overspending: money held never goes negative.
            models.CheckConstraint(
                condition=Q(kind__in=["city_pool", "district_pool", "donors"]) | Q(balance__gte=0),
                name="funds_account_no_overdraft",
            ),
        ]
        indexes = [models.Index(fields=["division", "year"], name="funds_account_div_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.division_id} {self.track} {self.year}"


class LedgerTransaction(models.Model):
    """An immutable entry of balanced postings. Corrections are reversing transactions."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("Allocation")
        COMMITMENT = "commitment", _("Commitment")
        PAYMENT = "payment", _("Payment")
        RELEASE = "release", _("Release of unspent commitment")
        RESERVE = "reserve", _("Reservation")
        UNRESERVE = "unreserve", _("Release of a reservation")
        DONATION = "donation", _("Donation")
        REVERSAL = "reversal", _("Reversal")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["division", "id"], name="funds_txn_division")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class Posting(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="funds_posting_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class SecurityFormula(models.Model):
    """A district's formula for the security fund of one year (保障资金分配公式)."""

    year = models.PositiveSmallIntegerField(_("year"))
    district = models.ForeignKey(
        Division, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    base_urban = models.DecimalField(_("base amount, urban community"), **MONEY)
    base_rural = models.DecimalField(_("base amount, rural village"), **MONEY)
    per_household = models.DecimalField(_("amount per household"), **MONEY)
    per_resident = models.DecimalField(_("amount per resident"), **MONEY)
    floor = models.DecimalField(_("floor"), **MONEY)
    cap = models.DecimalField(_("cap"), **MONEY)
    city_share = models.DecimalField(
        _("city share (%)"), max_digits=5, decimal_places=2, default=Decimal("50.00")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("security fund formula")
        verbose_name_plural = _("security fund formulas")
        constraints = [
            models.UniqueConstraint(fields=["year", "district"], name="funds_formula_unique"),
            models.CheckConstraint(condition=Q(cap__gte=models.F("floor")), name="funds_cap_ge"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


class IncentivePool(models.Model):
    """The city's incentive pool of one year, shared by evaluation score (激励资金)."""

    class Method(models.TextChoices):
        PROPORTIONAL = "proportional", _("Proportional to score")
        TIERS = "tiers", _("By score tier")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.DecimalField(_("pool amount"), **MONEY)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    # [[minimum score, weight], ...] for tiers, e.g. [[90, 3], [75, 2], [60, 1]].
    tiers = models.JSONField(_("tiers"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incentive pool")
        verbose_name_plural = _("incentive pools")

    def __str__(self) -> str:
        return f"{self.year} {self.amount}"


class EvaluationScore(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        constraints = [
            models.UniqueConstraint(fields=["year", "community"], name="funds_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.year} {self.score}"


class AllocationRun(models.Model):
    """One district's posted allocation of one year; posting twice is refused by the key."""

    year = models.PositiveSmallIntegerField(_("year"))
    district = models.ForeignKey(
        Division, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="allocation_run"
    )
    security_total = models.DecimalField(_("security total"), **MONEY)
    incentive_total = models.DecimalField(_("incentive total"), **MONEY)
    communities = models.PositiveIntegerField(_("communities"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        constraints = [
            models.UniqueConstraint(fields=["year", "district"], name="funds_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"


class AllocationLine(models.Model):
    """What one community received on one track in one year (disclosed publicly)."""

    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="lines")
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "year", "track"], name="funds_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.year} {self.track}"


def minutes_path(instance: "ApprovalRecord", filename: str) -> str:
    return f"funds/minutes/{instance.community_id}/{filename}"


def receipt_path(instance: models.Model, filename: str) -> str:
    return f"funds/receipts/{getattr(instance, 'community_id', 'x')}/{filename}"


class ApprovalRecord(models.Model):
    """A resident council (议事会) decision that allows spending; disclosed with a window
    in which verified residents may object. The participation app creates these too."""

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    amount = models.DecimalField(_("approved amount"), **MONEY)
    meeting_date = models.DateField(_("meeting date"))
    members_total = models.PositiveSmallIntegerField(_("council members"))
    members_present = models.PositiveSmallIntegerField(_("members present"))
    votes_for = models.PositiveSmallIntegerField(_("votes for"))
    votes_against = models.PositiveSmallIntegerField(_("votes against"))
    votes_abstain = models.PositiveSmallIntegerField(_("abstentions"))
    minutes = models.FileField(
        _("minutes"), upload_to=minutes_path, storage=private_storage, blank=True
    )
    source = models.CharField(_("source"), max_length=20, default="console")
    objection_deadline = models.DateTimeField(_("objections until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("council decision")
        verbose_name_plural = _("council decisions")
        ordering = ["-meeting_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(members_present__lte=models.F("members_total")),
                name="funds_approval_present_le_total",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Objection(models.Model):
    """A verified resident's objection to a disclosed decision; holds payments until answered."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    approval = models.ForeignKey(
        ApprovalRecord, on_delete=models.PROTECT, related_name="objections"
    )
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    resident_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def objector_public(self) -> str:
        """The objector as disclosed: the resident's name masked (张*), never in full."""
        resident = getattr(self.resident_user, "resident", None)
        name = resident.real_name.strip() if resident is not None else ""
        return mask_name(name) if name else str(_("A resident"))


class Reservation(models.Model):
    """Money of a community fund held for one purpose, e.g. a participatory-budgeting round
    (参与式预算): it leaves the available balance when the round opens, winning projects are
    committed out of it, and the unspent rest goes back to the fund when the round ends."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RELEASED = "released", _("Released")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    purpose = models.CharField(_("purpose"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)
    used = models.DecimalField(_("committed from it"), default=Decimal("0.00"), **MONEY)
    released = models.DecimalField(_("released"), default=Decimal("0.00"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="reservation"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("reserved"), auto_now_add=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=models.F("used") + models.F("released")),
                name="funds_reservation_not_overdrawn",
            ),
        ]
        indexes = [models.Index(fields=["community", "year"], name="funds_reserv_comm_year")]

    def __str__(self) -> str:
        return self.purpose

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.used - self.released


class Commitment(models.Model):
    """A spending item (支出事项) committed against a community fund."""

    class Category(models.TextChoices):
        SERVICES = "services", _("Services")
        ACTIVITIES = "activities", _("Activities")
        FACILITIES = "facilities", _("Facilities")
        EMERGENCY = "emergency", _("Emergency")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    approval = models.ForeignKey(
        ApprovalRecord, on_delete=models.PROTECT, related_name="commitments"
    )
    # Set when the money came out of a reservation (a budgeting round's winners).
    reservation = models.ForeignKey(
        Reservation,
        verbose_name=_("reservation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    project = models.CharField(_("project"), max_length=200)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    supplier = models.CharField(_("supplier"), max_length=200)
    # A supplier from the registry of social organisations; ``supplier`` then holds its name
    # as it was when committed (older items have only the free text).
    organisation = models.ForeignKey(
        "civil.Organisation",
        verbose_name=_("registered organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid = models.DecimalField(_("paid"), default=Decimal("0.00"), **MONEY)
    released = models.DecimalField(_("released"), default=Decimal("0.00"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="commitment"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("committed"), auto_now_add=True)

    class Meta:
        verbose_name = _("spending item")
        verbose_name_plural = _("spending items")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=models.F("paid") + models.F("released")),
                name="funds_commitment_not_overpaid",
            ),
        ]
        indexes = [models.Index(fields=["community", "year"], name="funds_commit_comm_year")]

    def __str__(self) -> str:
        return self.project

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.paid - self.released


class Payment(models.Model):
    """A disbursement to the supplier against a commitment, with its receipt (发票). It waits
    for the decision's objection window to close, unless it is urgent and says why."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="payments")
    community = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    invoice_number = models.CharField(_("invoice number"), max_length=60)
    receipt = models.FileField(_("receipt"), upload_to=receipt_path, storage=private_storage)
    # Set only for a payment made before the decision's objection window closed: why it
    # could not wait (disclosed with the payment).
    urgent_reason = models.CharField(
        _("why it was paid before the objection period ended"), max_length=500, blank=True
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="payment"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("paid"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.invoice_number} {self.amount}"


class Donation(models.Model):
    """A gift to a community foundation (社区基金), disclosed with the donor masked unless
    the donor agreed to be named."""

    community = models.ForeignKey(
        Division, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    donor_name = models.CharField(_("donor"), max_length=100, blank=True)
    name_public = models.BooleanField(_("donor agrees to be named"), default=False)
    amount = models.DecimalField(_("amount"), **MONEY)
    purpose = models.CharField(_("designated purpose"), max_length=200, blank=True)
    receipt = models.FileField(
        _("receipt"), upload_to=receipt_path, storage=private_storage, blank=True
    )
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="donation"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # A gift paid online by a resident: the bill it was paid through (one donation per bill).
    bill = models.OneToOneField(
        "payments.Bill", null=True, blank=True, on_delete=models.PROTECT, related_name="donation"
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.donor_public} {self.amount}"

    @property
    def donor_public(self) -> str:
        """The donor as disclosed: anonymous, masked (张**), or named when they agreed."""
        name = self.donor_name.strip()
        if not name:
            return str(_("Anonymous"))
        if self.name_public:
            return name
        return name[0] + "*" * max(1, len(name) - 1)
