"""Bills over the API: residents list and pay; the provider's callback; staff bills/refunds."""

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.payments import callbacks, selectors, services
from shequ.payments.models import Bill
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["payments"], auth=API_AUTH)


class BillOut(Schema):
    id: int
    reference: str | None
    title: str
    department: str
    category: str
    amount: Decimal
    refunded_amount: Decimal
    status: str
    due_date: date
    paid_at: datetime | None

    @staticmethod
    def resolve_department(obj: Bill) -> str:
        return obj.payee_short_name


class PayIn(Schema):
    idempotency_key: str


class PayOut(Schema):
    payment_id: int
    txn_id: str
    pay_url: str


class ReceiptOut(Schema):
    number: str
    amount: Decimal
    issued_at: datetime
    txn_id: str | None


class CallbackOut(Schema):
    outcome: str


class BillIn(Schema):
    resident_id: int
    title: str
    amount: Decimal
    due_date: date
    category: str = Bill.Category.FEE


class RefundIn(Schema):
    amount: Decimal
    reason: str


class ReconRowOut(Schema):
    department: str
    payments: int
    paid: Decimal
    refunds: Decimal


class ReconOut(Schema):
    day: date
    rows: list[ReconRowOut]
    our_total: Decimal
    provider_total: Decimal
    balanced: bool
    missing_at_provider: list[str]
    missing_here: list[str]
    amount_differs: list[str]


@router.get("/bills", response=list[BillOut])
@paginate
def my_bills(request: HttpRequest) -> object:
    return selectors.bill_list_for_user(user=request.user)


@router.post("/bills/{bill_id}/pay", response=PayOut)
def pay(request: HttpRequest, bill_id: int, payload: PayIn) -> dict[str, object]:
    """Start (or resume, with the same key) paying a bill; open ``pay_url`` to confirm."""
    payment, charge = services.payment_start(
        actor=cast(User, request.user), bill_id=bill_id, idempotency_key=payload.idempotency_key
    )
    return {"payment_id": payment.pk, "txn_id": charge.txn_id, "pay_url": charge.pay_url}


@router.get("/bills/{bill_id}/receipt", response=ReceiptOut)
def receipt(request: HttpRequest, bill_id: int) -> dict[str, object]:
    from shequ.core.errors import NotFound

    bill = selectors.bill_get_for_user(user=request.user, bill_id=bill_id)
    found = selectors.receipt_for_bill(bill)
    if found is None:
        raise NotFound("receipt_not_found", "No receipt yet.")
    return {
        "number": found.number,
        "amount": found.amount,
        "issued_at": found.issued_at,
        "txn_id": found.payment.provider_txn_id,
    }


class UtilityCompanyOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class UtilityAccountIn(Schema):
    company_id: int
    number: str
    label: str = ""


class UtilityAccountOut(Schema):
    id: int
    company: UtilityCompanyOut
    number: str
    label: str
    holder_masked: str
    address: str


class DonationIn(Schema):
    community_code: str
    amount: Decimal
    purpose: str = ""
    name_public: bool = False


@router.get("/utility-companies", response=list[UtilityCompanyOut])
def companies(request: HttpRequest) -> object:
    """Companies whose account numbers (户号) residents can bind."""
    return selectors.utility_companies().filter(is_active=True)


@router.get("/utility-accounts", response=list[UtilityAccountOut])
def my_accounts(request: HttpRequest) -> object:
    return selectors.utility_accounts_for_user(user=request.user)


@router.post("/utility-accounts", response={201: UtilityAccountOut})
def bind(request: HttpRequest, payload: UtilityAccountIn) -> Status[object]:
    """Bind an account after the company's check; what is due on it becomes bills at once."""
    account = services.utility_account_bind(
        actor=cast(User, request.user),
        company_id=payload.company_id,
        number=payload.number,
        label=payload.label,
    )
    return Status(201, account)


@router.delete("/utility-accounts/{account_id}", response={204: None})
def unbind(request: HttpRequest, account_id: int) -> Status[None]:
    services.utility_account_unbind(actor=cast(User, request.user), account_id=account_id)
    return Status(204, None)


@router.post("/donations", response={201: BillOut})
def donate(request: HttpRequest, payload: DonationIn) -> Status[Bill]:
    """A gift to a community's foundation: a bill to pay with ``/bills/{id}/pay``; once paid it
    is posted to the community's fund and its receipt is issued."""
    bill = services.donation_start(
        actor=cast(User, request.user),
        community_code=payload.community_code,
        amount=payload.amount,
        purpose=payload.purpose,
        name_public=payload.name_public,
    )
    return Status(201, bill)


@router.post("/callbacks/{provider}", response=CallbackOut, auth=None)
def callback(request: HttpRequest, provider: str) -> dict[str, str]:
    """The provider's server-to-server notification, signed in ``X-Signature`` (HMAC-SHA256)."""
    outcome = callbacks.payment_callback_receive(
        provider_name=provider,
        body=request.body,
        signature=request.headers.get("X-Signature", ""),
    )
    return {"outcome": outcome}


@router.get("/staff/bills", response=list[BillOut])
@paginate
def staff_bills(request: HttpRequest, status: str | None = None) -> object:
    return selectors.bill_list_for(user=request.user, status=status)


@router.post("/staff/departments/{department_id}/bills", response={201: BillOut})
def issue(request: HttpRequest, department_id: int, payload: BillIn) -> Status[Bill]:
    bill = services.bill_issue(
        actor=cast(User, request.user), department_id=department_id, **payload.dict()
    )
    return Status(201, bill)


@router.post("/staff/bills/{bill_id}/refunds", response=BillOut)
def refund(request: HttpRequest, bill_id: int, payload: RefundIn) -> Bill:
    services.payment_refund(
        actor=cast(User, request.user),
        bill_id=bill_id,
        amount=payload.amount,
        reason=payload.reason,
    )
    return selectors.bill_get_for(user=request.user, bill_id=bill_id)


@router.get("/staff/reconciliation", response=ReconOut)
def reconciliation(request: HttpRequest, day: date) -> dict[str, object]:
    report = selectors.reconciliation_report(user=request.user, day=day)
    return {
        "day": report.day,
        "rows": [
            {
                "department": r.department,
                "payments": r.payments,
                "paid": r.paid,
                "refunds": r.refunds,
            }
            for r in report.rows
        ],
        "our_total": report.our_total,
        "provider_total": report.provider_total,
        "balanced": report.balanced,
        "missing_at_provider": report.missing_at_provider,
        "missing_here": report.missing_here,
        "amount_differs": report.amount_differs,
    }
