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


class Bill(models.Model):
    class Category(models.TextChoices):
        UTILITY = "utility", _("Water, power and gas")
        FEE = "fee", _("Service fee")
        INSURANCE = "insurance", _("Insurance contribution")
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
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
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
        ]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"


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
