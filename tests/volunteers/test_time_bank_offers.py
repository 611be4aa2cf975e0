"""The time bank's other party is told (站内信), offers and requests over the API, and the
settlements between communities marked settled by the community that owes them."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from shequ.people.models import User
from shequ.volunteers import selectors
from shequ.volunteers.models import TimeBankOffer, TimeBankRequest, TimeSettlement
from shequ.volunteers.services import timebank
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, login_verified, make_staff
from tests.volunteers.test_time_bank import balance, honour, refused, volunteer, zh_client


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def alice(worker: User, volunteer_user: User) -> User:
    honour(worker, volunteer_user, "10")
    timebank.time_deposit(actor=volunteer_user, amount="5")
    return volunteer_user


@pytest.fixture
def haircut(chengdu: None) -> TimeBankOffer:
    barber = volunteer("barber")
    return timebank.offer_create(actor=barber, service="haircut", title="上门理发", hours="1")


def inbox(user: User) -> list[Message]:
    return list(Message.objects.filter(user=user).order_by("pk"))


# --- The other party is told ---------------------------------------------------------------


def test_the_provider_is_told_of_a_request_and_the_requester_of_the_confirmation(
    alice: User, haircut: TimeBankOffer
) -> None:
    barber = haircut.provider.user
    asked = timebank.request_create(actor=alice, offer_id=haircut.pk, note="周六上午")
    told = inbox(barber)
    assert [m.title for m in told] == ["有人申请了您在时间银行提供的服务：上门理发"]
    assert told[0].body == "留言：周六上午"
    assert told[0].url == f"/volunteers/time-bank/#time-request-{asked.pk}"
    assert inbox(alice) == []
    timebank.request_confirm(actor=barber, request_id=asked.pk, hours="1.5")
    told = inbox(alice)
    assert [m.title for m in told] == ["您在时间银行申请的服务已完成：上门理发"]
    assert "1.5 小时" in told[0].body
    assert told[0].url == f"/volunteers/time-bank/#time-request-{asked.pk}"
    assert len(inbox(barber)) == 1  # the provider is not told of their own confirmation
    # The link leads to the request on the requester's page.
    page = zh_client(alice).get("/volunteers/time-bank/").content.decode()
    assert f'id="time-request-{asked.pk}"' in page


def test_a_cancellation_tells_only_the_other_party(alice: User, haircut: TimeBankOffer) -> None:
    barber = haircut.provider.user
    first = timebank.request_create(actor=alice, offer_id=haircut.pk)
    timebank.request_cancel(actor=alice, request_id=first.pk)
    assert [m.title for m in inbox(barber)][
        -1
    ] == "您在时间银行提供的服务“上门理发”的一项申请已被取消"
    assert inbox(alice) == []
    second = timebank.request_create(actor=alice, offer_id=haircut.pk)
    timebank.request_cancel(actor=barber, request_id=second.pk)
    assert [m.title for m in inbox(alice)] == ["服务提供者取消了您在时间银行的申请：上门理发"]
    assert len(inbox(barber)) == 3  # two requests and one cancellation, nothing more


def test_a_refused_request_sends_no_message(alice: User, haircut: TimeBankOffer) -> None:
    barber = haircut.provider.user
    with refused("own_offer"):
        timebank.request_create(actor=barber, offer_id=haircut.pk)
    asked = timebank.request_create(actor=alice, offer_id=haircut.pk)
    with refused("insufficient_credits"):
        timebank.request_confirm(actor=barber, request_id=asked.pk, hours="6")
    assert inbox(alice) == []
    assert len(inbox(barber)) == 1


# --- The API -------------------------------------------------------------------------------


def test_the_api_offers_asks_and_confirms(alice: User) -> None:
    barber = volunteer("barber")
    provider = zh_client(barber)
    made = provider.post(
        "/api/v1/volunteers/time-bank/offers",
        {"service": "meals", "title": "助餐送餐", "hours": "1"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    offer = made.json()
    assert (offer["title"], offer["service_label"], offer["mine"]) == ("助餐送餐", "助餐送餐", True)
    assert [
        o["id"] for o in provider.get("/api/v1/volunteers/time-bank/offers/mine").json()["items"]
    ] == [offer["id"]]
    client = zh_client(alice)
    listed = client.get("/api/v1/volunteers/time-bank/offers").json()["items"]
    assert [(o["id"], o["mine"]) for o in listed] == [(offer["id"], False)]
    asked = client.post(
        f"/api/v1/volunteers/time-bank/offers/{offer['id']}/requests",
        {"note": "中午"},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "requested"
    assert Message.objects.filter(user=barber).count() == 1
    waiting = provider.get("/api/v1/volunteers/time-bank/requests?to_me=true").json()["items"]
    assert [r["id"] for r in waiting] == [request_id]
    done = provider.post(
        f"/api/v1/volunteers/time-bank/requests/{request_id}/confirm",
        {"hours": "1"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert (balance(alice), balance(barber)) == (Decimal("4.0"), Decimal("1.0"))
    mine = client.get("/api/v1/volunteers/time-bank/requests").json()["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(request_id, "done")]
    closed = provider.post(f"/api/v1/volunteers/time-bank/offers/{offer['id']}/close")
    assert closed.json()["is_active"] is False


def test_the_api_refuses_in_chinese_and_changes_nothing(
    alice: User, haircut: TimeBankOffer
) -> None:
    barber = haircut.provider.user
    client = zh_client(alice)
    bad = client.post(
        "/api/v1/volunteers/time-bank/offers",
        {"service": "spaceflight", "title": "上天", "hours": "1"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")
    assert TimeBankOffer.objects.count() == 1
    asked = timebank.request_create(actor=alice, offer_id=haircut.pk)
    # Only the provider confirms: the requester and strangers are refused.
    own = client.post(
        f"/api/v1/volunteers/time-bank/requests/{asked.pk}/confirm",
        {"hours": "1"},
        content_type="application/json",
    )
    assert own.status_code == 403
    assert "只有提供服务的志愿者才能确认" in own.json()["title"]
    stranger = zh_client(volunteer("stranger"))
    assert (
        stranger.post(f"/api/v1/volunteers/time-bank/requests/{asked.pk}/cancel").status_code == 404
    )
    assert (
        stranger.post(f"/api/v1/volunteers/time-bank/offers/{haircut.pk}/close").status_code == 404
    )
    assert TimeBankRequest.objects.get().status == TimeBankRequest.Status.REQUESTED
    assert TimeBankOffer.objects.get().is_active
    assert balance(alice) == Decimal("5.0")
    assert Message.objects.filter(user=alice).count() == 0
    # Not a volunteer, or not logged in.
    outsider = make_staff("outsider", Role.COMMUNITY_WORKER, NIJIAQIAO)
    assert zh_client(outsider).get("/api/v1/volunteers/time-bank/offers").status_code == 404
    assert Client().get("/api/v1/volunteers/time-bank/offers").status_code == 401
    assert Message.objects.filter(user=barber).count() == 1  # only the one request


# --- Settlements between communities --------------------------------------------------------


@pytest.fixture
def settlement(alice: User) -> TimeSettlement:
    far = volunteer("faraway", community=SHUIJINGFANG)
    offer = timebank.offer_create(actor=far, service="escort", title="陪诊到华西医院", hours="3")
    asked = timebank.request_create(actor=alice, offer_id=offer.pk)
    timebank.request_confirm(actor=far, request_id=asked.pk, hours="3")
    return TimeSettlement.objects.get()


def unchanged(found: TimeSettlement) -> None:
    found.refresh_from_db()
    assert (found.settled_at, found.settled_by, found.settled_how, found.settled_note) == (
        None,
        None,
        "",
        "",
    )
    assert not AuditEvent.objects.filter(verb="timebank.settle").exists()


def test_the_debtor_settles_once_and_the_creditor_sees_it(
    worker: User, settlement: TimeSettlement
) -> None:
    there = make_staff("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    assert selectors.settlement_totals(selectors.settlements_for_staff(user=there))[0][
        "outstanding"
    ] == Decimal("3.0")
    done = timebank.settlement_settle(
        actor=worker, settlement_id=settlement.pk, method="hours", note="三月回馈服务 3 小时"
    )
    assert done.settled_by == worker
    assert done.settled_at is not None
    assert AuditEvent.objects.filter(verb="timebank.settle").count() == 1
    pair = selectors.settlement_totals(selectors.settlements_for_staff(user=there))[0]
    assert (pair["hours"], pair["outstanding"], pair["settled"]) == (
        Decimal("3.0"),
        Decimal("0"),
        Decimal("3.0"),
    )
    with pytest.raises(DomainError) as twice:
        timebank.settlement_settle(
            actor=worker, settlement_id=settlement.pk, method="agreement", note="再结一次"
        )
    assert twice.value.code == "already_settled"
    assert "已经结清" in str(twice.value)
    settlement.refresh_from_db()
    assert (settlement.settled_how, settlement.settled_note) == ("hours", "三月回馈服务 3 小时")
    assert AuditEvent.objects.filter(verb="timebank.settle").count() == 1
    # The creditor's console shows it settled, with the note, and no form to settle.
    client = zh_client(there)
    login_verified(client, there)
    html = client.get("/console/volunteers/time-bank/").content.decode()
    assert 'data-testid="settlement-settled"' in html
    assert "三月回馈服务 3 小时" in html
    assert "以服务时长偿还" in html
    assert 'data-testid="settle-form"' not in html
    assert 'data-testid="pair-settled">3.0<' in html


def test_the_creditor_or_another_community_may_not_settle(
    settlement: TimeSettlement,
) -> None:
    creditor = make_staff("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(PermissionDenied) as caught:
        timebank.settlement_settle(
            actor=creditor, settlement_id=settlement.pk, method="hours", note="我们说了算"
        )
    assert caught.value.code == "not_debtor"
    assert "只有时间积分被使用的社区" in str(caught.value)
    assert "倪家桥" in str(caught.value)
    unchanged(settlement)
    elsewhere = make_staff("worker_other", Role.COMMUNITY_WORKER, "510107005001")
    with pytest.raises(NotFound):
        timebank.settlement_settle(
            actor=elsewhere, settlement_id=settlement.pk, method="hours", note="路过"
        )
    unchanged(settlement)
    # The creditor's page has no settle button; posting anyway says why, nothing changes.
    client = zh_client(creditor)
    login_verified(client, creditor)
    assert (
        'data-testid="settle-form"'
        not in client.get("/console/volunteers/time-bank/").content.decode()
    )
    page = client.post(
        f"/console/volunteers/time-bank/settlements/{settlement.pk}/settle/",
        {"method": "hours", "note": "我们说了算"},
        follow=True,
    )
    assert "只有时间积分被使用的社区" in page.content.decode()
    unchanged(settlement)


@pytest.mark.parametrize(
    ("method", "note", "code"),
    [
        ("cash", "付现金", "bad_choice"),
        ("hours", "   ", "required"),
        ("hours", "<b>x</b>", "markup_not_allowed"),
    ],
)
def test_bad_settlements_are_refused(
    worker: User, settlement: TimeSettlement, method: str, note: str, code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        timebank.settlement_settle(
            actor=worker, settlement_id=settlement.pk, method=method, note=note
        )
    assert caught.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(caught.value))
    unchanged(settlement)


def test_the_debtor_settles_on_the_console_and_an_officer_above_may_too(
    worker: User, settlement: TimeSettlement
) -> None:
    client = zh_client(worker)
    login_verified(client, worker)
    html = client.get("/console/volunteers/time-bank/").content.decode()
    assert 'data-testid="settle-form"' in html
    assert 'data-testid="pair-outstanding">3.0<' in html
    page = client.post(
        f"/console/volunteers/time-bank/settlements/{settlement.pk}/settle/",
        {"method": "agreement", "note": "两社区协商互免"},
        follow=True,
    )
    html = page.content.decode()
    assert "已标记为结清" in html
    assert "协商结清" in html
    assert 'data-testid="pair-outstanding">0.0<' in html
    settlement.refresh_from_db()
    assert settlement.settled_by == worker
    # A district officer above the debtor community may settle too (here: already done).
    officer = make_staff("officer_wh", Role.DISTRICT_OFFICER, WUHOU)
    with pytest.raises(DomainError) as caught:
        timebank.settlement_settle(
            actor=officer, settlement_id=settlement.pk, method="hours", note="再结"
        )
    assert caught.value.code == "already_settled"


def test_an_officer_above_the_debtor_may_settle_over_the_api(settlement: TimeSettlement) -> None:
    officer = make_staff("officer_wh", Role.DISTRICT_OFFICER, WUHOU)
    client = zh_client(officer)
    listed = client.get("/api/v1/volunteers/staff/time-bank/settlements?outstanding=true")
    assert [row["id"] for row in listed.json()["items"]] == [settlement.pk]
    done = client.post(
        f"/api/v1/volunteers/staff/time-bank/settlements/{settlement.pk}/settle",
        {"method": "hours", "note": "区级统筹结清"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["settled_how"] == "hours"
    again = client.post(
        f"/api/v1/volunteers/staff/time-bank/settlements/{settlement.pk}/settle",
        {"method": "hours", "note": "区级统筹结清"},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert "已经结清" in again.json()["title"]
    creditor = zh_client(make_staff("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG))
    refused_api = creditor.post(
        f"/api/v1/volunteers/staff/time-bank/settlements/{settlement.pk}/settle",
        {"method": "hours", "note": "x"},
        content_type="application/json",
    )
    assert refused_api.status_code == 403
    resident = zh_client(volunteer("nosy"))
    assert resident.get("/api/v1/volunteers/staff/time-bank/settlements").status_code == 403
