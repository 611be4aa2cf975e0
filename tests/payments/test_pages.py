from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from shequ.payments.models import Bill, GatewayCharge, Payment
from shequ.payments.services import bill_issue
from shequ.people.models import Resident


def test_resident_pays_on_the_cashier_and_sees_the_receipt(
    client: Client, payer, bill, django_capture_on_commit_callbacks
) -> None:
    client.force_login(payer)
    page = client.get(f"/payments/bills/{bill.pk}/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    first = client.post(f"/payments/bills/{bill.pk}/pay/", {"idempotency_key": key})
    second = client.post(f"/payments/bills/{bill.pk}/pay/", {"idempotency_key": key})
    assert first["Location"] == second["Location"]
    assert GatewayCharge.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(first["Location"])
    html = client.get(f"/payments/bills/{bill.pk}/").content.decode()
    assert 'data-testid="receipt-number"' in html
    assert Bill.objects.get(pk=bill.pk).status == Bill.Status.PAID


def test_bill_list_query_count(
    client: Client, payer, bill, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.force_login(payer)
    client.get("/payments/")
    few = _queries(client, "/payments/")
    bill_issue(
        actor=None,
        department_id=bill.department_id,
        resident_id=Resident.objects.get(user=payer).pk,
        title="燃气费",
        amount="3.00",
        due_date=timezone.localdate(),
    )
    with django_assert_num_queries(few):
        html = client.get("/payments/").content.decode()
    assert html.count('data-testid="bill-row"') == 2


def test_api_pay_is_idempotent_and_callback_checks_signature(client: Client, payer, bill) -> None:
    client.force_login(payer)
    body = {"idempotency_key": "api-key-0001"}
    one = client.post(
        f"/api/v1/payments/bills/{bill.pk}/pay", body, content_type="application/json"
    )
    two = client.post(
        f"/api/v1/payments/bills/{bill.pk}/pay", body, content_type="application/json"
    )
    assert one.json()["txn_id"] == two.json()["txn_id"]
    assert Payment.objects.count() == 1
    forged = client.post(
        "/api/v1/payments/callbacks/local",
        data=b'{"txn_id": "x"}',
        content_type="application/json",
        HTTP_X_SIGNATURE="nope",
    )
    assert forged.status_code == 400
    assert forged.json()["code"] == "bad_signature"


def test_console_bills_are_scoped_to_department(client: Client, bill, water_staff) -> None:
    from shequ.core.scopes import Role
    from tests.factories import make_staff

    client.force_login(water_staff)
    assert client.get("/console/payments/").content.decode().count('data-testid="bill-row"') == 1
    assert client.get("/console/payments/reconciliation/").status_code == 200
    client.force_login(make_staff("civil", Role.DEPARTMENT_STAFF, "minzheng"))
    assert client.get("/console/payments/").content.decode().count('data-testid="bill-row"') == 0
    assert client.get(f"/console/payments/bills/{bill.pk}/").status_code == 404


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_bill_lists_keep_a_constant_query_count(client: Client, payer, bill, water_staff) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from shequ.payments.services import bill_issue
    from shequ.people.models import Resident

    client.force_login(payer)
    resident_before = _queries(client, "/api/v1/payments/bills")
    client.force_login(water_staff)
    staff_before = [
        _queries(client, "/console/payments/"),
        _queries(client, "/api/v1/payments/staff/bills"),
    ]
    for n in range(4):
        bill_issue(
            actor=water_staff,
            department_id=bill.department_id,
            resident_id=Resident.objects.get(user=payer).pk,
            title=f"账单{n}",
            amount="1.00",
            due_date=timezone.localdate() + timedelta(days=1),
        )
    assert [
        _queries(client, "/console/payments/"),
        _queries(client, "/api/v1/payments/staff/bills"),
    ] == staff_before
    client.force_login(payer)
    assert _queries(client, "/api/v1/payments/bills") == resident_before
