"""What the funds app does when another app reports something (connected in ``apps.ready``)."""

from typing import Any

from shequ.funds.services.donations import donation_receive_paid
from shequ.payments.models import Bill, Payment, Receipt


def on_bill_paid(sender: Any, *, bill: Bill, payment: Payment, receipt: Receipt, **kw: Any) -> None:
    if bill.category == Bill.Category.DONATION:
        donation_receive_paid(
            bill=bill,
            transaction_id=payment.provider_txn_id or "",
            receipt_number=receipt.number,
            paid_at=payment.confirmed_at,
        )
