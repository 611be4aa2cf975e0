"""The time bank (时间银行): saving service hours as credits, giving them to a family
member, spending them on another volunteer's service, settlements between communities, the
pages, the API, and every refusal in Chinese with nothing changed."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.volunteers import selectors
from shequ.volunteers.models import (
    HoursEntry,
    TimeBankOffer,
    TimeBankRequest,
    TimeCreditAccount,
    TimeCreditEntry,
    TimeSettlement,
    Volunteer,
)
from shequ.volunteers.services import ledger, timebank
from tests.factories import NIJIAQIAO, SHUIJINGFANG, login_verified, make_staff
from tests.volunteers.conftest import register, resident_user


@contextmanager
def refused(code: str, *, kind: type[DomainError] = DomainError) -> Iterator[None]:
    """The block raises ``code`` with a message in Chinese; nothing of the time bank moved."""
    before = (
        TimeCreditEntry.objects.count(),
        list(TimeCreditAccount.objects.order_by("pk").values_list("balance", "deposited")),
        list(TimeBankRequest.objects.order_by("pk").values_list("status", flat=True)),
        TimeSettlement.objects.count(),
    )
    with pytest.raises(kind) as caught:
        yield
    assert caught.value.code == code, caught.value.code
    message = str(caught.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    after = (
        TimeCreditEntry.objects.count(),
        list(TimeCreditAccount.objects.order_by("pk").values_list("balance", "deposited")),
        list(TimeBankRequest.objects.order_by("pk").values_list("status", flat=True)),
        TimeSettlement.objects.count(),
    )
    assert after == before


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


def volunteer(username: str, community: str = NIJIAQIAO) -> User:
    user = resident_user(username, community=community)
    register(user)
    return user


def honour(worker: User, user: User, hours: str) -> HoursEntry:
    return ledger.hours_honour_add(
        actor=worker,
        volunteer_id=user.volunteer.pk,
        hours=hours,
        served_on=date(2026, 12, 5),
        content="社区环境整治",
        reason="纸质签到表补录",
    )


def balance(user: User) -> Decimal:
    return selectors.time_balance_of(Volunteer.objects.get(user=user)).balance


@pytest.fixture
def alice(worker: User, volunteer_user: User) -> User:
    honour(worker, volunteer_user, "10")
    return volunteer_user


# --- Saving hours as credits --------------------------------------------------------------


def test_saving_hours_leaves_the_service_hours_whole(alice: User) -> None:
    entry = timebank.time_deposit(actor=alice, amount="4.5")
    assert entry.kind == TimeCreditEntry.Kind.DEPOSIT
    assert entry.balance_after == Decimal("4.5")
    found = selectors.time_balance_of(alice.volunteer)
    assert (found.balance, found.deposited, found.saveable) == (
        Decimal("4.5"),
        Decimal("4.5"),
        Decimal("5.5"),
    )
    # Star levels and certificates count the hours as before.
    assert selectors.volunteer_totals(alice.volunteer).total == Decimal("10.0")
    assert AuditEvent.objects.filter(verb="timebank.deposit").count() == 1
    timebank.time_deposit(actor=alice, amount="５.５")  # full width, from a Chinese keyboard
    assert selectors.time_balance_of(alice.volunteer).saveable == 0


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0", "bad_amount"),
        ("-2", "bad_amount"),
        ("abc", "bad_amount"),
        ("NaN", "bad_amount"),
        ("", "bad_amount"),
        ("1.25", "half_hours"),
        ("0.3", "half_hours"),
        ("10.5", "over_saveable"),
        ("5000", "too_many"),
        ("1e400", "too_many"),
        ("٣", "bad_amount"),  # another script's digit
    ],
)
def test_bad_deposits_are_refused(alice: User, amount: str, code: str) -> None:
    with refused(code):
        timebank.time_deposit(actor=alice, amount=amount)


def test_a_correction_lowers_what_may_still_be_saved(worker: User, alice: User) -> None:
    timebank.time_deposit(actor=alice, amount="6")
    entry = HoursEntry.objects.get(volunteer=alice.volunteer)
    ledger.hours_correct(actor=worker, entry_id=entry.pk, reason="重复登记")
    assert selectors.time_balance_of(alice.volunteer).saveable == 0
    with refused("over_saveable"):
        timebank.time_deposit(actor=alice, amount="0.5")
    assert balance(alice) == Decimal("6.0")  # what was saved stays saved


def test_a_resident_who_is_not_a_volunteer_is_refused(chengdu: None) -> None:
    user = resident_user("nobody")
    with refused("not_volunteer", kind=NotFound):
        timebank.time_deposit(actor=user, amount="1")


# --- Giving to a family member ------------------------------------------------------------


def test_giving_credits_to_a_family_member(alice: User) -> None:
    mother = volunteer("mother")
    timebank.time_deposit(actor=alice, amount="8")
    given = timebank.time_transfer(
        actor=alice,
        to_number=mother.volunteer.number.lower(),
        to_name=mother.resident.real_name,
        amount="3.5",
    )
    assert given.amount == Decimal("-3.5")
    assert balance(alice) == Decimal("4.5")
    assert balance(mother) == Decimal("3.5")
    received = TimeCreditEntry.objects.get(kind=TimeCreditEntry.Kind.RECEIVED)
    assert received.counterparty == given.account
    assert AuditEvent.objects.filter(verb="timebank.give").count() == 1


def test_bad_gifts_are_refused(alice: User) -> None:
    mother = volunteer("mother")
    timebank.time_deposit(actor=alice, amount="2")
    number, name = mother.volunteer.number, mother.resident.real_name
    with refused("insufficient_credits"):
        timebank.time_transfer(actor=alice, to_number=number, to_name=name, amount="2.5")
    with refused("to_self"):
        timebank.time_transfer(
            actor=alice,
            to_number=alice.volunteer.number,
            to_name=alice.resident.real_name,
            amount="1",
        )
    with refused("no_receiver"):
        timebank.time_transfer(actor=alice, to_number=number, to_name="别人", amount="1")
    with refused("no_receiver"):
        timebank.time_transfer(actor=alice, to_number="ZY0000", to_name=name, amount="1")
    for amount, code in [("0", "bad_amount"), ("-1", "bad_amount"), ("0.7", "half_hours")]:
        with refused(code):
            timebank.time_transfer(actor=alice, to_number=number, to_name=name, amount=amount)
    assert balance(alice) == Decimal("2.0")


# --- Offers, requests and settlements -----------------------------------------------------


@pytest.fixture
def haircut(chengdu: None) -> TimeBankOffer:
    barber = volunteer("barber")
    return timebank.offer_create(
        actor=barber, service="haircut", title="上门理发", description="给行动不便的老人理发"
    )


def test_a_service_moves_credits_from_the_requester_to_the_provider(
    alice: User, haircut: TimeBankOffer
) -> None:
    barber = haircut.provider.user
    assert list(selectors.time_offers_nearby(alice.volunteer)) == [haircut]
    with refused("no_credits"):
        timebank.request_create(actor=alice, offer_id=haircut.pk)
    timebank.time_deposit(actor=alice, amount="3")
    asked = timebank.request_create(actor=alice, offer_id=haircut.pk, note="周六上午")
    with refused("already_requested"):
        timebank.request_create(actor=alice, offer_id=haircut.pk)
    with refused("own_offer"):
        timebank.request_create(actor=barber, offer_id=haircut.pk)
    assert list(selectors.time_requests_to(haircut.provider)) == [asked]
    done = timebank.request_confirm(actor=barber, request_id=asked.pk, hours="1.5")
    assert done.status == TimeBankRequest.Status.DONE
    assert balance(alice) == Decimal("1.5")
    assert balance(barber) == Decimal("1.5")
    # The provider earns credits, not service hours; same community: no settlement.
    assert selectors.volunteer_totals(haircut.provider).total == 0
    assert TimeSettlement.objects.count() == 0
    with refused("not_open"):
        timebank.request_confirm(actor=barber, request_id=asked.pk, hours="1")


def test_bad_confirmations_are_refused(alice: User, haircut: TimeBankOffer) -> None:
    barber = haircut.provider.user
    timebank.time_deposit(actor=alice, amount="2")
    asked = timebank.request_create(actor=alice, offer_id=haircut.pk)
    stranger = volunteer("stranger")
    with refused("not_provider", kind=PermissionDenied):
        timebank.request_confirm(actor=stranger, request_id=asked.pk, hours="1")
    with refused("not_provider", kind=PermissionDenied):
        timebank.request_confirm(actor=alice, request_id=asked.pk, hours="1")
    with refused("insufficient_credits"):
        timebank.request_confirm(actor=barber, request_id=asked.pk, hours="2.5")
    for hours, code in [("0", "bad_amount"), ("-1", "bad_amount"), ("1.2", "half_hours")]:
        with refused(code):
            timebank.request_confirm(actor=barber, request_id=asked.pk, hours=hours)
    with refused("not_found", kind=NotFound):
        timebank.request_cancel(actor=stranger, request_id=asked.pk)
    timebank.request_cancel(actor=alice, request_id=asked.pk)
    with refused("not_open"):
        timebank.request_confirm(actor=barber, request_id=asked.pk, hours="1")
    assert balance(alice) == Decimal("2.0")


def test_a_service_across_communities_records_a_settlement(worker: User, alice: User) -> None:
    far = volunteer("faraway", community=SHUIJINGFANG)
    offer = timebank.offer_create(actor=far, service="escort", title="陪诊到华西医院", hours="3")
    assert offer not in selectors.time_offers_nearby(alice.volunteer)  # another street
    timebank.time_deposit(actor=alice, amount="5")
    asked = timebank.request_create(actor=alice, offer_id=offer.pk)
    timebank.request_confirm(actor=far, request_id=asked.pk, hours="3")
    settled = TimeSettlement.objects.get()
    assert (settled.debtor_id, settled.creditor_id, settled.hours) == (
        NIJIAQIAO,
        SHUIJINGFANG,
        Decimal("3.0"),
    )
    there = make_staff("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    elsewhere = make_staff("worker_other", Role.COMMUNITY_WORKER, "510107005001")
    for staff in (worker, there):
        rows = selectors.settlements_for_staff(user=staff)
        assert selectors.settlement_totals(rows) == [
            {
                "debtor_id": NIJIAQIAO,
                "debtor__name": settled.debtor.name,
                "creditor_id": SHUIJINGFANG,
                "creditor__name": settled.creditor.name,
                "hours": Decimal("3.0"),
                "services": 1,
                "outstanding": Decimal("3.0"),
                "settled": Decimal("0"),
            }
        ]
    assert not selectors.settlements_for_staff(user=elsewhere).exists()
    # Balances: each community's workers see the accounts it keeps.
    assert [a.volunteer.user for a in selectors.time_accounts_for_staff(user=there)] == [far]


# --- Pages and API ------------------------------------------------------------------------


def zh_client(user: User) -> Client:
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)
    return client


def test_the_time_bank_page_deposits_and_gives_with_chinese_errors(alice: User) -> None:
    mother = volunteer("mother")
    client = zh_client(alice)
    page = client.get("/volunteers/time-bank/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "时间银行" in html
    assert 'data-testid="time-saveable">10.0<' in html
    bad = client.post("/volunteers/time-bank/deposit/", {"deposit-amount": "11"})
    assert bad.status_code == 400
    assert "您最多还能将 10.0 小时服务时长存入时间银行" in bad.content.decode()
    assert not TimeCreditEntry.objects.exists()
    ok = client.post("/volunteers/time-bank/deposit/", {"deposit-amount": "4"}, follow=True)
    assert "服务时长不变" in ok.content.decode()
    assert 'data-testid="time-balance">4.0<' in ok.content.decode()
    too_much = client.post(
        "/volunteers/time-bank/give/",
        {
            "give-number": mother.volunteer.number,
            "give-name": mother.resident.real_name,
            "give-amount": "5",
        },
    )
    assert too_much.status_code == 400
    assert "余额为 4.0 小时，不足" in too_much.content.decode()
    client.post(
        "/volunteers/time-bank/give/",
        {
            "give-number": mother.volunteer.number,
            "give-name": mother.resident.real_name,
            "give-amount": "1",
        },
    )
    assert balance(mother) == Decimal("1.0")


def test_offer_pages_and_confirming_on_the_phone(alice: User) -> None:
    barber = volunteer("barber")
    provider = zh_client(barber)
    made = provider.post(
        "/volunteers/time-bank/offers/",
        {"service": "meals", "title": "助餐送餐", "description": "", "hours": "1"},
    )
    assert made.status_code == 302
    offer = TimeBankOffer.objects.get()
    bad = provider.post(
        "/volunteers/time-bank/offers/",
        {"service": "meals", "title": "送餐", "description": "", "hours": "0.2"},
    )
    assert bad.status_code == 400
    assert "半小时" in bad.content.decode()
    client = zh_client(alice)
    timebank.time_deposit(actor=alice, amount="2")
    assert "助餐送餐" in client.get("/volunteers/time-bank/offers/").content.decode()
    client.post(f"/volunteers/time-bank/offers/{offer.pk}/request/", {"note": "中午"})
    asked = TimeBankRequest.objects.get()
    # Alice cannot confirm her own request: a clear message, nothing moved.
    refused_page = client.post(
        f"/volunteers/time-bank/requests/{asked.pk}/confirm/", {"hours": "1"}, follow=True
    )
    assert "只有提供服务的志愿者才能确认" in refused_page.content.decode()
    assert balance(alice) == Decimal("2.0")
    assert 'data-testid="to-confirm"' in provider.get("/volunteers/time-bank/").content.decode()
    provider.post(f"/volunteers/time-bank/requests/{asked.pk}/confirm/", {"hours": "1"})
    assert (balance(alice), balance(barber)) == (Decimal("1.0"), Decimal("1.0"))


def test_the_console_page_is_for_the_area_staff(worker: User, alice: User) -> None:
    timebank.time_deposit(actor=alice, amount="3")
    client = zh_client(worker)
    login_verified(client, worker)
    page = client.get("/console/volunteers/time-bank/")
    assert page.status_code == 200
    assert alice.volunteer.number in page.content.decode()
    other = make_staff("worker_sjf2", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client = zh_client(other)
    login_verified(client, other)
    assert (
        alice.volunteer.number not in client.get("/console/volunteers/time-bank/").content.decode()
    )
    assert zh_client(alice).get("/console/volunteers/time-bank/").status_code in (302, 403)


def test_the_api_balance_history_deposit_and_transfer(alice: User) -> None:
    mother = volunteer("mother")
    client = zh_client(alice)
    made = client.post(
        "/api/v1/volunteers/time-bank/deposit", {"amount": 3}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert Decimal(str(made.json()["balance_after"])) == 3
    problem = client.post(
        "/api/v1/volunteers/time-bank/transfer",
        {"to_number": mother.volunteer.number, "to_name": mother.resident.real_name, "amount": "9"},
        content_type="application/json",
    )
    assert problem.status_code == 400
    assert problem["Content-Type"].startswith("application/problem+json")
    assert problem.json()["title"]
    sent = client.post(
        "/api/v1/volunteers/time-bank/transfer",
        {
            "to_number": mother.volunteer.number,
            "to_name": mother.resident.real_name,
            "amount": "1.5",
        },
        content_type="application/json",
    )
    assert sent.status_code == 201
    got = client.get("/api/v1/volunteers/time-bank/balance").json()
    assert Decimal(str(got["balance"])) == Decimal("1.5")
    assert Decimal(str(got["saveable"])) == Decimal("7.0")
    history = client.get("/api/v1/volunteers/time-bank/history").json()
    assert [row["kind"] for row in history["items"]] == ["given", "deposit"]


# --- Concurrency (PostgreSQL) -------------------------------------------------------------

ATTEMPTS = 12


@pytest.mark.postgres("needs PostgreSQL row locks and real concurrency")
def test_concurrent_gifts_never_overspend(transactional_db: None, chengdu: None) -> None:
    worker = make_staff("worker_tb_c", Role.COMMUNITY_WORKER, NIJIAQIAO)
    giver = volunteer("giver")
    honour(worker, giver, "10")
    timebank.time_deposit(actor=giver, amount="10")
    # Half the threads give to one family member, half to another (opposite lock orders).
    family = [volunteer("kin_a"), volunteer("kin_b")]
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        kin = family[index % 2]
        try:
            barrier.wait()
            timebank.time_transfer(
                actor=giver,
                to_number=kin.volunteer.number,
                to_name=kin.resident.real_name,
                amount="1.5",
            )
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 6  # 6 x 1.5 = 9 of the 10 credits
    assert set(outcomes) == {"ok", "insufficient_credits"}
    assert balance(giver) == Decimal("1.0")
    assert balance(family[0]) + balance(family[1]) == Decimal("9.0")
    for account in TimeCreditAccount.objects.all():
        total = sum(account.entries.values_list("amount", flat=True), Decimal(0))
        assert total == account.balance


@pytest.mark.postgres("needs PostgreSQL row locks and real concurrency")
def test_concurrent_deposits_never_save_more_than_the_hours(
    transactional_db: None, chengdu: None
) -> None:
    worker = make_staff("worker_tb_d", Role.COMMUNITY_WORKER, NIJIAQIAO)
    saver = volunteer("saver")
    honour(worker, saver, "5")
    timebank.time_deposit(actor=saver, amount="0.5")  # the account exists before the race
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            timebank.time_deposit(actor=saver, amount="1")
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 4
    assert balance(saver) == Decimal("4.5")
    assert selectors.volunteer_totals(saver.volunteer).total == Decimal("5.0")
