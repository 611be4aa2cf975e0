"""Writes of payments: issue and cancel bills, pay idempotently, take callbacks, refund."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.payments.models import Bill, Payment, Refund
from shequ.payments.permissions import is_department_staff_of
from shequ.payments.providers import Charge, LocalGateway, provider_get
from shequ.people.models import Department, Resident, User

MAX_BILL = Decimal("1000000.00")
CENT = Decimal("0.01")


def _money(value: Any, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise DomainError("bad_amount", _("Enter an amount in yuan."), field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_BILL:
        raise DomainError(
            "amount_out_of_range",
            _("The amount must be between 0.01 and 1,000,000 yuan."),
            field=field,
        )
    return amount


@transaction.atomic
def bill_issue(
    *,
    actor: User | None,
    department_id: int,
    resident_id: int,
    title: str,
    amount: Any,
    due_date: date,
    category: str = Bill.Category.FEE,
) -> Bill:
    """Issue a bill from a department to a resident with an account; the resident is told.

    Raises: PermissionDenied (not your department), NotFound (resident), DomainError.
    """
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    if actor is not None and not is_department_staff_of(actor, department.pk):
        raise PermissionDenied(
            "not_your_department", _("You may issue bills only for your own department.")
        )
    resident = Resident.objects.filter(pk=resident_id, user__isnull=False).first()
    if resident is None or resident.user_id is None:
        raise NotFound("resident_not_found", _("No such resident with an account."))
    clean_title = plain_text(title, field="title", max_length=120)
    clean_amount = _money(amount, field="amount")
    if category not in Bill.Category.values:
        raise DomainError("bad_choice", _("Choose one of the options."), field="category")
    if due_date < timezone.localdate():
        raise DomainError("due_in_past", _("The due date cannot be in the past."), field="due_date")
    bill = Bill.objects.create(
        user_id=resident.user_id,
        department=department,
        category=category,
        title=clean_title,
        amount=clean_amount,
        due_date=due_date,
        issued_by=actor,
    )
    bill.reference = f"ZD{timezone.localdate():%Y%m%d}{bill.pk:06d}"
    bill.save(update_fields=["reference"])
    audit_record(
        actor=actor,
        verb="bill.issue",
        target=bill,
        division_code=resident.community_id or "",
        changes={"amount": [None, str(clean_amount)]},
    )
    message_send(
        user_id=resident.user_id,
        category=Category.BILL,
        title=_("New bill: %(title)s, ¥%(amount)s")
        % {"title": clean_title, "amount": clean_amount},
        url=f"/payments/bills/{bill.pk}/",
    )
    return bill


@transaction.atomic
def bill_cancel(*, actor: User, bill_id: int, reason: str) -> Bill:
    """Cancel an unpaid bill (an open payment attempt fails with it).

    Raises: NotFound (not your department's), DomainError ``not_cancellable``.
    """
    bill = Bill.objects.select_for_update().filter(pk=bill_id).first()
    if bill is None or not is_department_staff_of(actor, bill.department_id):
        raise NotFound("bill_not_found", _("No such bill."))
    clean_reason = plain_text(reason, field="reason", max_length=300)
    if bill.status != Bill.Status.UNPAID:
        raise DomainError("not_cancellable", _("Only unpaid bills can be cancelled."))
    bill.status = Bill.Status.CANCELLED
    bill.save(update_fields=["status"])
    Payment.objects.filter(bill=bill, status=Payment.Status.CREATED).update(
        status=Payment.Status.FAILED
    )
    audit_record(actor=actor, verb="bill.cancel", target=bill, reason=clean_reason)
    message_send(
        user_id=bill.user_id,
        category=Category.BILL,
        title=_("Bill cancelled: %(title)s") % {"title": bill.title},
        body=clean_reason,
        url=f"/payments/bills/{bill.pk}/",
    )
    return bill


def _owned_bill(actor: User, bill_id: int) -> Bill:
    bill = Bill.objects.select_for_update().filter(pk=bill_id, user_id=actor.pk).first()
    if bill is None:
        raise NotFound("bill_not_found", _("No such bill."))
    return bill


@transaction.atomic
def payment_start(*, actor: User, bill_id: int, idempotency_key: str) -> tuple[Payment, Charge]:
    """Start paying a bill. Repeating the request (double click, retry) returns the same
    payment and cashier page; it never creates a second charge.

    Raises: NotFound (not your bill), DomainError ``bill_not_payable`` / ``bad_key``.
    """
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 64:
        raise DomainError("bad_key", _("Missing or invalid idempotency key."))
    bill = _owned_bill(actor, bill_id)
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.bill_id != bill.pk:
        raise DomainError("bad_key", _("Missing or invalid idempotency key."))
    if bill.status != Bill.Status.UNPAID:
        raise DomainError(
            "bill_not_payable",
            _("This bill is %(status)s and cannot be paid."),
            status=bill.get_status_display(),
        )
    live = existing or Payment.objects.filter(bill=bill, status=Payment.Status.CREATED).first()
    provider = provider_get()
    if live is not None and live.provider_txn_id:
        from django.urls import reverse

        return live, Charge(
            txn_id=live.provider_txn_id,
            pay_url=reverse("payments:gateway", args=[live.provider_txn_id]),
        )
    charge = provider.create_charge(
        amount=bill.amount, subject=bill.title, reference=bill.reference or str(bill.pk)
    )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                bill=bill,
                provider=provider.name,
                provider_txn_id=charge.txn_id,
                idempotency_key=key,
                amount=bill.amount,
            )
    except IntegrityError:
        raise DomainError(
            "payment_in_progress", _("A payment for this bill is already in progress.")
        ) from None
    audit_record(actor=actor, verb="payment.start", target=payment)
    return payment, charge


def local_gateway_confirm(*, txn_id: str, duplicates: int = 2) -> None:
    """The payer confirmed on the local gateway's cashier page: the gateway settles, then its
    callbacks arrive asynchronously (more than once, as real gateways' do)."""
    from shequ.payments.tasks import local_gateway_callback

    if not LocalGateway().settle(txn_id=txn_id):
        return
    for _n in range(duplicates):
        local_gateway_callback.enqueue(txn_id=txn_id)


@transaction.atomic
def payment_refund(*, actor: User, bill_id: int, amount: Any, reason: str) -> Refund:
    """Refund all or part of a paid bill through its provider (department staff).

    Raises: NotFound (not your department's bill), DomainError ``not_refundable`` /
    ``refund_too_large`` / field errors.
    """
    bill = Bill.objects.select_for_update().filter(pk=bill_id).first()
    if bill is None or not is_department_staff_of(actor, bill.department_id):
        raise NotFound("bill_not_found", _("No such bill."))
    clean_reason = plain_text(reason, field="reason", max_length=300)
    clean_amount = _money(amount, field="amount")
    if bill.status not in (Bill.Status.PAID, Bill.Status.REFUNDED):
        raise DomainError("not_refundable", _("Only paid bills can be refunded."))
    if clean_amount > bill.amount - bill.refunded_amount:
        raise DomainError(
            "refund_too_large", _("The refund is more than what is left to refund."), field="amount"
        )
    payment = Payment.objects.get(bill=bill, status=Payment.Status.SUCCEEDED)
    refund_id = provider_get().refund(txn_id=payment.provider_txn_id or "", amount=clean_amount)
    refund = Refund.objects.create(
        payment=payment,
        amount=clean_amount,
        reason=clean_reason,
        provider_refund_id=refund_id,
        actor=actor,
    )
    Bill.objects.filter(pk=bill.pk).update(refunded_amount=F("refunded_amount") + clean_amount)
    bill.refresh_from_db()
    if bill.refunded_amount == bill.amount:
        bill.status = Bill.Status.REFUNDED
        bill.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="payment.refund",
        target=bill,
        reason=clean_reason,
        changes={"refunded": [None, str(clean_amount)]},
    )
    message_send(
        user_id=bill.user_id,
        category=Category.BILL,
        title=_("Refund of ¥%(amount)s for %(title)s")
        % {"amount": clean_amount, "title": bill.title},
        body=clean_reason,
        url=f"/payments/bills/{bill.pk}/",
    )
    return refund
