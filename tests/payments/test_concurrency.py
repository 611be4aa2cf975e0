"""Simultaneous duplicate callbacks and double clicks on PostgreSQL, with real threads."""

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from shequ.payments import callbacks, services
from shequ.payments.models import Bill, GatewayCharge, Payment, Receipt
from shequ.payments.providers import LocalGateway, sign
from shequ.people.models import Department, Resident
from shequ.places.services import divisions_load
from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.postgres


def race(n: int, action: Callable[[int], str]) -> list[str]:
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            result = action(i)
        except Exception as error:
            result = f"error:{getattr(error, 'code', type(error).__name__)}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres("real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_double_clicks_and_duplicate_callbacks_charge_once() -> None:
    divisions_load()
    Department.objects.get_or_create(
        code="shuiwu", defaults={"name": "水务局", "short_name": "水务"}
    )
    payer = make_user("racer")
    make_resident(NIJIAQIAO, user=payer)
    bill = services.bill_issue(
        actor=None,
        department_id=Department.objects.get(code="shuiwu").pk,
        resident_id=Resident.objects.get(user=payer).pk,
        title="水费",
        amount=Decimal("12.30"),
        due_date=timezone.localdate() + timedelta(days=3),
    )

    def click(i: int) -> str:
        _payment, charge = services.payment_start(
            actor=payer, bill_id=bill.pk, idempotency_key=f"click-{i:08d}"
        )
        return charge.txn_id

    txn_ids = race(12, click)
    assert len(set(txn_ids)) == 1, txn_ids
    assert GatewayCharge.objects.count() == 1
    txn_id = txn_ids[0]
    GatewayCharge.objects.filter(txn_id=txn_id).update(status="paid", paid_at=timezone.now())
    body = LocalGateway.callback_body(txn_id)

    def deliver(_i: int) -> str:
        return callbacks.payment_callback_receive(
            provider_name="local", body=body, signature=sign(body)
        )

    outcomes = race(12, deliver)
    assert sorted(outcomes) == ["duplicate"] * 11 + ["paid"]
    assert Payment.objects.filter(bill=bill, status="succeeded").count() == 1
    assert Receipt.objects.count() == 1
    assert Bill.objects.get(pk=bill.pk).status == Bill.Status.PAID
