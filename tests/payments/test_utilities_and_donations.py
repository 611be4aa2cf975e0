"""Binding utility accounts (户号), bills from the company's interface, and online donations to a
community fund posted to its ledger with a generated receipt."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Account, Donation, Track
from shequ.funds.receipts import amount_in_words
from shequ.payments import services
from shequ.payments.models import (
    Bill,
    LocalUtilityAccount,
    Receipt,
    UtilityAccount,
    UtilityCompany,
)
from shequ.payments.utilities import luhn_complete
from shequ.people.models import Department, User
from tests.factories import NIJIAQIAO, make_staff

CHENGDU = ZoneInfo("Asia/Shanghai")
NOV_20 = datetime(2026, 11, 20, 10, 0, tzinfo=CHENGDU)
WATER_NUMBER = luhn_complete("100623184")


@pytest.fixture
def water(chengdu: None) -> UtilityCompany:
    department, _ = Department.objects.get_or_create(
        code="shuiwu", defaults={"name": "成都市水务局", "short_name": "市水务局"}
    )
    company = UtilityCompany.objects.create(
        code="cd-water", name="成都市自来水有限责任公司", kind="water", department=department
    )
    LocalUtilityAccount.objects.create(
        company=company,
        number=WATER_NUMBER,
        holder_name="王五",
        address="倪家桥社区 1 栋",
        monthly_amount=Decimal("52.60"),
    )
    return company


@time_machine.travel(NOV_20, tick=False)
def test_binding_a_checked_account_brings_last_months_bill_once(payer: User, water) -> None:
    account = services.utility_account_bind(
        actor=payer, company_id=water.pk, number=f" {WATER_NUMBER[:4]} {WATER_NUMBER[4:]} "
    )
    assert account.number == WATER_NUMBER
    assert account.holder_masked == "王*"
    bill = Bill.objects.get(utility_account=account)
    assert bill.amount == Decimal("52.60")
    assert bill.period == "2026-10"
    assert bill.due_date.isoformat() == "2026-11-30"
    assert bill.department.code == "shuiwu"
    assert bill.user == payer
    # Asking again (the bills page does, every few hours) adds nothing for the same month.
    assert services.utility_dues_sync(account=account) == 0
    assert Bill.objects.filter(utility_account=account).count() == 1
    assert AuditEvent.objects.filter(verb="utility_account.bind").count() == 1


@time_machine.travel(NOV_20, tick=False)
def test_next_month_brings_the_next_bill(payer: User, water) -> None:
    account = services.utility_account_bind(actor=payer, company_id=water.pk, number=WATER_NUMBER)
    with time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=CHENGDU), tick=False):
        assert services.utility_dues_sync(account=account) == 1
    periods = sorted(Bill.objects.filter(utility_account=account).values_list("period", flat=True))
    assert periods == ["2026-10", "2026-11"]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("12ab", "bad_account_number"),
        ("", "bad_account_number"),
        # One digit changed: the check digit no longer fits.
        (WATER_NUMBER[:-1] + str((int(WATER_NUMBER[-1]) + 1) % 10), "account_check_failed"),
        (luhn_complete("99999999"), "account_unknown"),
    ],
)
def test_a_number_the_company_refuses_binds_nothing(payer: User, water, number, code) -> None:
    with pytest.raises(DomainError) as caught:
        services.utility_account_bind(actor=payer, company_id=water.pk, number=number)
    assert caught.value.code == code
    assert caught.value.field == "number"
    assert not UtilityAccount.objects.exists()
    assert not Bill.objects.exists()


def test_the_same_account_twice_is_refused(payer: User, water) -> None:
    services.utility_account_bind(actor=payer, company_id=water.pk, number=WATER_NUMBER)
    with pytest.raises(DomainError) as caught:
        services.utility_account_bind(actor=payer, company_id=water.pk, number=WATER_NUMBER)
    assert caught.value.code == "already_bound"
    assert UtilityAccount.objects.count() == 1


def test_unbinding_keeps_the_bills_and_only_the_owner_may(payer: User, water) -> None:
    account = services.utility_account_bind(actor=payer, company_id=water.pk, number=WATER_NUMBER)
    other = make_staff("nosy", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(NotFound):
        services.utility_account_unbind(actor=other, account_id=account.pk)
    services.utility_account_unbind(actor=payer, account_id=account.pk)
    assert not UtilityAccount.objects.exists()
    assert Bill.objects.filter(user=payer, category="utility").count() == 1


def test_only_an_administrator_registers_a_company(chengdu: None) -> None:
    department = Department.objects.create(code="jingxin", name="成都市经信局", short_name="经信")
    worker = make_staff("w1", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with pytest.raises(PermissionDenied):
        services.utility_company_create(
            actor=worker,
            code="cd-power",
            name="供电公司",
            kind="power",
            department_id=department.pk,
        )
    admin = make_staff("root", Role.SYSTEM_ADMIN)
    with pytest.raises(DomainError) as caught:
        services.utility_company_create(
            actor=admin, code="供电", name="供电公司", kind="power", department_id=department.pk
        )
    assert caught.value.field == "code"
    assert not UtilityCompany.objects.exists()
    company = services.utility_company_create(
        actor=admin, code="cd-power", name="供电公司", kind="power", department_id=department.pk
    )
    assert company.department == department


def pay(payer: User, bill: Bill, captured) -> None:
    _payment, charge = services.payment_start(
        actor=payer, bill_id=bill.pk, idempotency_key=f"donate-{bill.pk:06d}"
    )
    with captured(execute=True):
        services.local_gateway_confirm(txn_id=charge.txn_id)


def fund_balance(code: str) -> Decimal:
    account = Account.objects.filter(
        kind=Account.Kind.FUND, division_id=code, track=Track.DONATION
    ).first()
    return account.balance if account else Decimal("0")


def test_a_paid_donation_reaches_the_fund_with_a_receipt(
    payer: User, django_capture_on_commit_callbacks
) -> None:
    before = fund_balance(NIJIAQIAO)
    bill = services.donation_start(
        actor=payer,
        community_code=NIJIAQIAO,
        amount="200",
        purpose="社区食堂",
        name_public=False,
    )
    assert bill.department is None
    assert bill.community_id == NIJIAQIAO
    # Nothing reaches the fund before the money arrives.
    assert not Donation.objects.exists()
    pay(payer, bill, django_capture_on_commit_callbacks)
    donation = Donation.objects.get(bill=bill)
    assert donation.amount == Decimal("200.00")
    assert donation.donor_public == "王*"
    assert fund_balance(NIJIAQIAO) == before + Decimal("200.00")
    pages = PdfReader(io.BytesIO(donation.receipt.read())).pages
    text = "".join(page.extract_text() for page in pages).replace("\x00", "")
    assert "贰佰元整" in text
    assert "王*" in text
    assert "王五" not in text
    assert Receipt.objects.get(payment__bill=bill).number in text
    # A repeated callback changes nothing.
    assert Donation.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "1000000000", "abc", "NaN", "0.001"])
def test_a_donation_outside_the_limits_is_refused(payer: User, amount: str) -> None:
    with pytest.raises(DomainError) as caught:
        services.donation_start(
            actor=payer, community_code=NIJIAQIAO, amount=amount, name_public=False
        )
    assert caught.value.field == "amount"
    assert not Bill.objects.exists()


def test_a_donation_to_no_community_is_refused(payer: User) -> None:
    with pytest.raises(NotFound):
        services.donation_start(
            actor=payer, community_code="510107000000", amount="10", name_public=False
        )
    assert not Bill.objects.exists()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("200", "贰佰元整"),
        ("1001", "壹仟零壹元整"),
        ("10010.50", "壹万零壹拾元伍角"),
        ("100000.05", "壹拾万元零伍分"),
        ("50000", "伍万元整"),
    ],
)
def test_receipt_amount_in_capitals(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


@time_machine.travel(NOV_20, tick=False)
def test_resident_binds_on_the_page_and_sees_the_bill(payer: User, water, client: Client) -> None:
    client.force_login(payer)
    page = client.get("/payments/accounts/")
    assert "成都市自来水有限责任公司" in page.content.decode()
    refused = client.post(
        "/payments/accounts/", {"company": water.pk, "number": "12345678", "label": ""}
    )
    assert refused.status_code == 200
    assert "成都市自来水有限责任公司" in refused.content.decode()
    assert "户号有误" in refused.content.decode()
    assert not UtilityAccount.objects.exists()
    done = client.post(
        "/payments/accounts/", {"company": water.pk, "number": WATER_NUMBER, "label": "家"}
    )
    assert done.status_code == 302
    bills = client.get("/payments/").content.decode()
    assert "52.60" in bills
    assert WATER_NUMBER in bills


def test_donation_page_refuses_zero_in_chinese_and_opens_the_cashier(
    payer: User, client: Client
) -> None:
    client.force_login(payer)
    refused = client.post(f"/payments/donate/{NIJIAQIAO}/", {"amount": "0"})
    assert refused.status_code == 200
    assert "1 至 50,000 元" in refused.content.decode()
    assert not Bill.objects.exists()
    started = client.post(f"/payments/donate/{NIJIAQIAO}/", {"amount": "88.80"})
    assert started.status_code == 302
    assert "/payments/gateway/" in started["Location"]
    assert Bill.objects.get().amount == Decimal("88.80")


def test_donation_over_the_api(payer: User, client: Client) -> None:
    client.force_login(payer)
    response = client.post(
        "/api/v1/payments/donations",
        {"community_code": NIJIAQIAO, "amount": "1000000000"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Bill.objects.exists()
    response = client.post(
        "/api/v1/payments/donations",
        {"community_code": NIJIAQIAO, "amount": "66"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["category"] == "donation"
