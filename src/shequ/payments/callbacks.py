"""Payment providers' callbacks (支付回调): verify, apply once, log every delivery.

Kept apart from ``services`` so that the task delivering the local gateway's callbacks can
call it without importing the module that enqueues that task.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send
from shequ.payments.models import Bill, CallbackLog, Payment, Receipt, Refund
from shequ.payments.providers import provider_get
from shequ.payments.signals import bill_paid


def payment_callback_receive(*, provider_name: str, body: bytes, signature: str) -> str:
    """Handle a provider's callback; returns the outcome. Safe to receive any number of times.

    Raises: DomainError ``bad_signature`` (logged, nothing else changed), NotFound (unknown txn).
    """
    provider = provider_get(provider_name)
    try:
        data = provider.verify_callback(body=body, signature=signature)
    except DomainError:
        CallbackLog.objects.create(
            provider=provider_name,
            signature_ok=False,
            outcome="bad_signature",
            body=body.decode("utf-8", "replace")[:2000],
        )
        raise
    with transaction.atomic():
        outcome = _apply_callback(data.txn_id, data.status, data.amount)
        CallbackLog.objects.create(
            provider=provider_name,
            txn_id=data.txn_id,
            signature_ok=True,
            outcome=outcome,
            body=body.decode("utf-8", "replace")[:2000],
        )
    return outcome


def _apply_callback(txn_id: str, status: str, amount: Decimal) -> str:
    payment = (
        Payment.objects.select_for_update()
        .select_related("bill")
        .filter(provider_txn_id=txn_id)
        .first()
    )
    if payment is None:
        raise NotFound("payment_not_found", _("Unknown transaction."))
    if payment.status == Payment.Status.SUCCEEDED:
        return "duplicate"
    if status != "paid":
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED)
        return "failed"
    if amount != payment.amount:
        return "amount_mismatch"
    bill = Bill.objects.select_for_update().get(pk=payment.bill_id)
    now = timezone.now()
    payment.status = Payment.Status.SUCCEEDED
    payment.confirmed_at = now
    payment.save(update_fields=["status", "confirmed_at"])
    if bill.status != Bill.Status.UNPAID:
        # Paid at the gateway after the bill was cancelled: give the money straight back.
        refund_id = provider_get().refund(txn_id=txn_id, amount=payment.amount)
        Refund.objects.create(
            payment=payment,
            amount=payment.amount,
            reason="auto: bill not payable",
            provider_refund_id=refund_id,
        )
        return "refunded_unpayable"
    bill.status = Bill.Status.PAID
    bill.paid_at = now
    bill.save(update_fields=["status", "paid_at"])
    receipt = Receipt.objects.create(
        payment=payment,
        number=f"SJ{timezone.localdate():%Y%m%d}{payment.pk:08d}",
        amount=payment.amount,
    )
    audit_record(actor=None, verb="payment.confirm", target=payment)
    bill_paid.send(sender=Bill, bill=bill, payment=payment, receipt=receipt)
    message_send(
        user_id=bill.user_id,
        category=Category.BILL,
        title=_("Paid: %(title)s, ¥%(amount)s. Receipt %(number)s")
        % {"title": bill.title, "amount": payment.amount, "number": receipt.number},
        url=f"/payments/bills/{bill.pk}/",
    )
    return "paid"
