import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role
from shequ.payments import callbacks, services
from shequ.payments.models import Bill, CallbackLog, GatewayCharge, Payment, Receipt, Refund
from shequ.payments.providers import LocalGateway, sign
from shequ.payments.selectors import reconciliation_report
from shequ.people.models import Department, Resident
from tests.factories import make_staff, make_user


def pay_through_gateway(payer, bill, key="key-0000001", captured=None):
    payment, charge = services.payment_start(actor=payer, bill_id=bill.pk, idempotency_key=key)
    if captured is not None:
        with captured(execute=True):
            services.local_gateway_confirm(txn_id=charge.txn_id)
    return payment, charge


def test_paying_through_the_gateway_issues_one_receipt_despite_duplicate_callbacks(
    payer, bill, django_capture_on_commit_callbacks
) -> None:
    payment, charge = pay_through_gateway(payer, bill, captured=django_capture_on_commit_callbacks)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    assert Receipt.objects.filter(payment=payment).count() == 1
    outcomes = list(CallbackLog.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["paid", "duplicate"]
    body = LocalGateway.callback_body(charge.txn_id)
    assert (
        callbacks.payment_callback_receive(provider_name="local", body=body, signature=sign(body))
        == "duplicate"
    )
    assert Payment.objects.filter(bill=bill, status="succeeded").count() == 1


def test_double_click_returns_the_same_charge(payer, bill) -> None:
    first, charge1 = services.payment_start(
        actor=payer, bill_id=bill.pk, idempotency_key="click-000001"
    )
    again, charge2 = services.payment_start(
        actor=payer, bill_id=bill.pk, idempotency_key="click-000001"
    )
    other, charge3 = services.payment_start(
        actor=payer, bill_id=bill.pk, idempotency_key="click-000002"
    )
    assert first.pk == again.pk == other.pk
    assert charge1.txn_id == charge2.txn_id == charge3.txn_id
    assert GatewayCharge.objects.count() == 1


def test_forged_callback_is_refused_and_logged(payer, bill) -> None:
    _payment, charge = services.payment_start(
        actor=payer, bill_id=bill.pk, idempotency_key="k-00000001"
    )
    body = json.dumps(
        {"event_id": "x", "txn_id": charge.txn_id, "status": "paid", "amount": "46.80"}
    ).encode()
    with pytest.raises(DomainError) as caught:
        callbacks.payment_callback_receive(provider_name="local", body=body, signature="0" * 64)
    assert caught.value.code == "bad_signature"
    bill.refresh_from_db()
    assert bill.status == Bill.Status.UNPAID
    assert CallbackLog.objects.get().outcome == "bad_signature"


def test_cancelled_bill_cannot_be_paid(payer, bill, water_staff) -> None:
    services.bill_cancel(actor=water_staff, bill_id=bill.pk, reason="重复开单")
    with pytest.raises(DomainError) as caught:
        services.payment_start(actor=payer, bill_id=bill.pk, idempotency_key="k-00000002")
    assert caught.value.code == "bill_not_payable"
    assert not Payment.objects.exists()


def test_gateway_payment_after_cancel_is_refunded_automatically(
    payer, bill, water_staff, django_capture_on_commit_callbacks
) -> None:
    _payment, charge = services.payment_start(
        actor=payer, bill_id=bill.pk, idempotency_key="k-00000003"
    )
    services.bill_cancel(actor=water_staff, bill_id=bill.pk, reason="开错")
    with django_capture_on_commit_callbacks(execute=True):
        services.local_gateway_confirm(txn_id=charge.txn_id)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.CANCELLED
    assert Refund.objects.get().amount == Decimal("46.80")


def test_nobody_pays_anothers_bill(bill) -> None:
    with pytest.raises(NotFound):
        services.payment_start(
            actor=make_user("thief"), bill_id=bill.pk, idempotency_key="k-00000004"
        )


def test_partial_then_full_refund(
    payer, bill, water_staff, django_capture_on_commit_callbacks
) -> None:
    pay_through_gateway(payer, bill, captured=django_capture_on_commit_callbacks)
    services.payment_refund(actor=water_staff, bill_id=bill.pk, amount="10.00", reason="多收")
    with pytest.raises(DomainError) as caught:
        services.payment_refund(actor=water_staff, bill_id=bill.pk, amount="40.00", reason="x")
    assert caught.value.code == "refund_too_large"
    services.payment_refund(actor=water_staff, bill_id=bill.pk, amount="36.80", reason="全退")
    bill.refresh_from_db()
    assert (bill.status, bill.refunded_amount) == (Bill.Status.REFUNDED, Decimal("46.80"))
    assert GatewayCharge.objects.get().refunded == Decimal("46.80")


def test_other_department_cannot_refund(payer, bill, django_capture_on_commit_callbacks) -> None:
    pay_through_gateway(payer, bill, captured=django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        services.payment_refund(
            actor=make_staff("civil", Role.DEPARTMENT_STAFF, "minzheng"),
            bill_id=bill.pk,
            amount="1.00",
            reason="x",
        )


@pytest.mark.parametrize(
    ("amount", "due", "title", "code"),
    [
        ("0", 5, "水费", "amount_out_of_range"),
        ("-3", 5, "水费", "amount_out_of_range"),
        ("abc", 5, "水费", "bad_amount"),
        ("10", -1, "水费", "due_in_past"),
        ("10", 5, "<b>水费</b>", "markup_not_allowed"),
    ],
)
def test_bad_bills_are_refused(payer, water_staff, amount, due, title, code) -> None:
    with pytest.raises(DomainError) as caught:
        services.bill_issue(
            actor=water_staff,
            department_id=Department.objects.get(code="shuiwu").pk,
            resident_id=Resident.objects.get(user=payer).pk,
            title=title,
            amount=amount,
            due_date=timezone.localdate() + timedelta(days=due),
        )
    assert caught.value.code == code
    assert not Bill.objects.exists()


def test_reconciliation_balances_and_spots_a_missing_callback(
    payer, bill, water_staff, django_capture_on_commit_callbacks
) -> None:
    pay_through_gateway(payer, bill, captured=django_capture_on_commit_callbacks)
    report = reconciliation_report(user=water_staff, day=timezone.localdate())
    assert report.balanced
    assert report.rows[0].paid == Decimal("46.80")
    second = services.bill_issue(
        actor=water_staff,
        department_id=bill.department_id,
        resident_id=Resident.objects.get(user=payer).pk,
        title="燃气费",
        amount="20.00",
        due_date=timezone.localdate(),
    )
    _p, charge = services.payment_start(
        actor=payer, bill_id=second.pk, idempotency_key="k-00000009"
    )
    # The gateway settled, but its callback never arrived.
    GatewayCharge.objects.filter(txn_id=charge.txn_id).update(status="paid", paid_at=timezone.now())
    report = reconciliation_report(user=water_staff, day=timezone.localdate())
    assert report.missing_here == [charge.txn_id]
    assert not report.balanced
