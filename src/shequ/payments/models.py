"""Bills (账单) to residents, payments through a provider, receipts, refunds.

One bill has at most one live payment (a partial unique constraint), and a provider
transaction id is recorded once (a unique constraint): a double click or a repeated
callback can never charge or count twice.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.people.models import Department
from shequ.places.models import Division


class Bill(models.Model):
    class Category(models.TextChoices):
        UTILITY = "utility", _("Water, power and gas")
        FEE = "fee", _("Service fee")
        INSURANCE = "insurance", _("Insurance contribution")
        DONATION = "donation", _("Donation to a community fund")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    reference = models.CharField(_("reference"), max_length=24, unique=True, null=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bills"
    )
    # A donation is payable to a community's foundation (社区基金), every other bill to a
    # department (a bill has exactly one of the two).
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    utility_account = models.ForeignKey(
        "UtilityAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    # What the donor asked for a donation (the funds app records it when paid).
    donation_purpose = models.CharField(max_length=200, blank=True)
    donation_name_public = models.BooleanField(default=False)
    # The provider's billing period (e.g. "2026-11") of a utility bill: one bill per period.
    period = models.CharField(max_length=7, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    title = models.CharField(_("title"), max_length=120)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(
        _("refunded (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNPAID
    )
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        indexes = [
            models.Index(fields=["user", "status"], name="bill_user_status"),
            models.Index(fields=["department", "status", "id"], name="bill_department"),
        ]
        constraints = [
            models.CheckConstraint(name="bill_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="bill_refund_within_amount",
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
            ),
            models.CheckConstraint(
                name="bill_payee_one_of",
                condition=(Q(department__isnull=False) & Q(community__isnull=True))
                | (
                    Q(department__isnull=True) & Q(community__isnull=False) & Q(category="donation")
                ),
            ),
            models.UniqueConstraint(
                fields=["utility_account", "period"],
                condition=Q(utility_account__isnull=False),
                name="bill_one_per_utility_period",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"

    @property
    def payee_name(self) -> str:
        if self.department is not None:
            return self.department.name
        return _("%(community)s community fund") % {
            "community": self.community.name if self.community else ""
        }

    @property
    def payee_short_name(self) -> str:
        if self.department is not None:
            return self.department.short_name
        return self.payee_name


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Awaiting payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    provider_txn_id = models.CharField(max_length=64, unique=True, null=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CREATED)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bill"],
                condition=Q(status__in=["created", "succeeded"]),
                name="payment_one_live_per_bill",
            )
        ]

    def __str__(self) -> str:
        return self.provider_txn_id or self.idempotency_key


class Receipt(models.Model):
    """The receipt (电子收据) for one successful payment."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=300)
    provider_refund_id = models.CharField(max_length=64, unique=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="refund_amount_positive", condition=Q(amount__gt=0))
        ]

    def __str__(self) -> str:
        return self.provider_refund_id


class CallbackLog(models.Model):
    """Every callback received, kept as evidence (duplicates and bad signatures included)."""

    provider = models.CharField(max_length=20)
    txn_id = models.CharField(max_length=64, blank=True, db_index=True)
    signature_ok = models.BooleanField()
    outcome = models.CharField(max_length=24)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.provider}:{self.txn_id}:{self.outcome}"


class GatewayCharge(models.Model):
    """The local gateway's own ledger (what a real provider keeps on its side)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")

    txn_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    subject = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.txn_id


class UtilityCompany(models.Model):
    """A utility or fee collector (自来水、电力、燃气公司…) whose accounts residents bind; its bills
    are handled by the staff of ``department`` (the company's account on the platform)."""

    class Kind(models.TextChoices):
        WATER = "water", _("Water")
        POWER = "power", _("Electricity")
        GAS = "gas", _("Gas")
        FEE = "fee", _("Other fees")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("utility company")
        verbose_name_plural = _("utility companies")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class UtilityAccount(models.Model):
    """A resident's binding of a utility account number (户号), checked with the company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="utility_accounts"
    )
    company = models.ForeignKey(UtilityCompany, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(_("account number"), max_length=20)
    label = models.CharField(_("label"), max_length=20, blank=True)
    # What the company reported at binding: the holder's name masked (张*) and the address.
    holder_masked = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=200, blank=True)
    bound_at = models.DateTimeField(auto_now_add=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "company", "number"], name="utility_account_once_per_user"
            )
        ]
        ordering = ["company__kind", "id"]

    def __str__(self) -> str:
        return f"{self.company.code}:{self.number}"


class LocalUtilityAccount(models.Model):
    """The local utility interface's own books (what a company keeps on its side): accounts
    it knows and their monthly charge. Used on laptops, in the demo and in the tests."""

    company = models.ForeignKey(UtilityCompany, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=20)
    holder_name = models.CharField(max_length=40)
    address = models.CharField(max_length=200)
    monthly_amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="local_utility_unique")
        ]

    def __str__(self) -> str:
        return f"{self.company.code}:{self.number}"
