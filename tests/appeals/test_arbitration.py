"""审定: a request that bounced goes to the city committee, which names the unit that handles
it in writing; that unit cannot return it, and the public sees the decision only."""

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealEvent, Unit
from shequ.appeals.services.arbitration import appeal_refer, appeal_rule
from shequ.appeals.services.handling import appeal_dispatch, appeal_return, appeal_sign
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.notices.models import Message
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light

pytestmark = pytest.mark.django_db

RULING = "依据《社区路灯管护办法》第五条，社区内路灯由社区居委会负责报修"


@pytest.fixture(autouse=True)
def fixed_day() -> object:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def _unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def _bounced(resident: User, worker: User, street: User, dispatcher: User) -> Appeal:
    """Returned by the community, re-dispatched to the street, returned again."""
    appeal = street_light(resident)
    appeal_return(actor=worker, appeal_id=appeal.pk, reason="not_our_duty", text="应由街道负责")
    appeal_dispatch(
        actor=dispatcher, appeal_id=appeal.pk, unit_id=_unit("玉林街道办事处").pk, note="请街道办理"
    )
    appeal_return(actor=street, appeal_id=appeal.pk, reason="not_our_duty", text="应由社区负责")
    return Appeal.objects.get(pk=appeal.pk)


def test_returned_twice_waits_for_the_committee(
    resident: User, worker: User, street: User, dispatcher: User
) -> None:
    appeal = _bounced(resident, worker, street, dispatcher)
    assert appeal.status == Appeal.Status.RULING
    assert appeal.unit is None
    assert AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.REFERRED).exists()
    assert Message.objects.filter(user=dispatcher, title__contains="待审定").exists()
    # Dispatchers cannot re-dispatch it: the committee rules.
    with pytest.raises(DomainError) as caught:
        appeal_dispatch(
            actor=dispatcher, appeal_id=appeal.pk, unit_id=_unit("倪家桥社区居委会").pk, note="x"
        )
    assert caught.value.code == "awaiting_ruling"
    assert "等待市委审定" in str(caught.value)
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.RULING


def test_the_ruled_unit_handles_it_and_cannot_return_it(
    resident: User, worker: User, street: User, dispatcher: User
) -> None:
    appeal = _bounced(resident, worker, street, dispatcher)
    deadline = appeal.deadline_at
    ruled = appeal_rule(
        actor=dispatcher, appeal_id=appeal.pk, unit_id=_unit("倪家桥社区居委会").pk, ruling=RULING
    )
    assert ruled.status == Appeal.Status.DISPATCHED
    assert ruled.unit == ruled.ruling_unit == _unit("倪家桥社区居委会")
    # The clock runs on from intake.
    assert ruled.deadline_at == deadline
    assert AuditEvent.objects.filter(verb="appeal.rule").count() == 1
    assert Message.objects.filter(user=resident, title__contains="市委已审定承办单位").exists()
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    events = AppealEvent.objects.filter(appeal=appeal).count()
    with pytest.raises(DomainError) as caught:
        appeal_return(actor=worker, appeal_id=appeal.pk, reason="wrong_area", text="不归我们")
    assert caught.value.code == "ruled"
    assert "经市委 2026-09-30 审定" in str(caught.value)
    assert "不能退单" in str(caught.value)
    assert RULING in str(caught.value)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.status == Appeal.Status.IN_PROGRESS
    assert AppealEvent.objects.filter(appeal=appeal).count() == events


def test_the_public_sees_the_decision_not_the_ruling(
    client: Client, resident: User, worker: User, street: User, dispatcher: User
) -> None:
    appeal = _bounced(resident, worker, street, dispatcher)
    appeal_rule(
        actor=dispatcher, appeal_id=appeal.pk, unit_id=_unit("倪家桥社区居委会").pk, ruling=RULING
    )
    page = Client().get(f"/appeals/{appeal.pk}/")
    assert "经市委审定，由倪家桥社区居委会承办。" in page.text
    assert RULING not in page.text
    client.force_login(dispatcher)
    staff = client.get(f"/console/appeals/{appeal.pk}/")
    assert RULING in staff.text
    assert 'data-testid="appeal-ruling"' in staff.text


def test_a_dispatcher_sends_it_for_a_ruling_instead(
    resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    appeal_return(actor=worker, appeal_id=appeal.pk, reason="overlapping", text="与城管职责交叉")
    appeal_refer(actor=dispatcher, appeal_id=appeal.pk, note="社区与城管互相推诿")
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.RULING
    assert AuditEvent.objects.filter(verb="appeal.refer").count() == 1
    event = AppealEvent.objects.get(appeal=appeal, kind=AppealEvent.Kind.REFERRED)
    assert event.note == "社区与城管互相推诿"
    assert event.text == ""


@pytest.mark.parametrize(
    ("unit", "ruling", "code", "words"),
    [
        ("abc", RULING, "unit_required", "请从列表中选择承办单位"),
        ("999999", RULING, "unit_required", "请从列表中选择承办单位"),
        ("ok", "  ", "required", "此项为必填项"),
    ],
)
def test_bad_rulings_change_nothing(
    resident: User,
    worker: User,
    street: User,
    dispatcher: User,
    unit: str,
    ruling: str,
    code: str,
    words: str,
) -> None:
    appeal = _bounced(resident, worker, street, dispatcher)
    unit_id = str(_unit("倪家桥社区居委会").pk) if unit == "ok" else unit
    with pytest.raises(DomainError) as caught:
        appeal_rule(actor=dispatcher, appeal_id=appeal.pk, unit_id=unit_id, ruling=ruling)
    assert caught.value.code == code
    assert words in str(caught.value)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.status == Appeal.Status.RULING
    assert fresh.ruling_unit is None
    assert not AppealEvent.objects.filter(kind=AppealEvent.Kind.RULED).exists()
    assert not AuditEvent.objects.filter(verb="appeal.rule").exists()


def test_only_the_committee_rules_and_only_waiting_requests(
    resident: User, worker: User, street: User, dispatcher: User
) -> None:
    appeal = _bounced(resident, worker, street, dispatcher)
    for who in (worker, street):
        with pytest.raises(NotFound):
            appeal_rule(
                actor=who, appeal_id=appeal.pk, unit_id=_unit("玉林街道办事处").pk, ruling=RULING
            )
    fresh = street_light(resident)
    with pytest.raises(DomainError) as caught:
        appeal_rule(
            actor=dispatcher, appeal_id=fresh.pk, unit_id=_unit("玉林街道办事处").pk, ruling="x"
        )
    assert "不在待审定状态" in str(caught.value)
    with pytest.raises(DomainError) as caught:
        appeal_refer(actor=dispatcher, appeal_id=fresh.pk, note="x")
    assert caught.value.code == "not_referable"
    assert Appeal.objects.get(pk=fresh.pk).status == Appeal.Status.DISPATCHED


def test_console_queue_and_ruling_with_a_picker(
    client: Client, resident: User, worker: User, street: User, dispatcher: User
) -> None:
    appeal = _bounced(resident, worker, street, dispatcher)
    client.force_login(dispatcher)
    queue = client.get("/console/appeals/?queue=ruling")
    assert 'data-testid="count-ruling">1<' in queue.text
    assert appeal.number in queue.text
    assert 'data-testid="count-dispatch">0<' in queue.text
    page = client.get(f"/console/appeals/{appeal.pk}/")
    assert 'data-testid="ruling-form"' in page.text
    assert "<select" in page.text
    assert "倪家桥社区居委会</option>" in page.text
    bad = client.post(f"/console/appeals/{appeal.pk}/rule/", {"unit": "", "ruling": RULING})
    assert bad.status_code == 400
    assert "请从列表中选择承办单位" in bad.text
    done = client.post(
        f"/console/appeals/{appeal.pk}/rule/",
        {"unit": _unit("倪家桥社区居委会").pk, "ruling": RULING},
    )
    assert done.status_code == 302
    assert 'data-testid="count-ruling">0<' in client.get("/console/appeals/?queue=ruling").text
    worker_client = Client()
    worker_client.force_login(worker)
    ruled_page = worker_client.get(f"/console/appeals/{appeal.pk}/")
    assert 'data-testid="return-form"' not in ruled_page.text
    assert 'data-testid="ruled-here"' in ruled_page.text
    street_client = Client()
    street_client.force_login(street)
    assert 'data-testid="count-ruling">0<' in street_client.get("/console/appeals/").text


def test_api_refer_list_and_rule(
    client: Client, resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    appeal_return(actor=worker, appeal_id=appeal.pk, reason="overlapping", text="职责交叉")
    client.force_login(dispatcher)
    empty = client.post(
        f"/api/v1/appeals/{appeal.pk}/arbitration", {"note": ""}, content_type="application/json"
    )
    assert empty.status_code == 400
    assert empty.json()["code"] == "required"
    referred = client.post(
        f"/api/v1/appeals/{appeal.pk}/arbitration",
        {"note": "互相推诿"},
        content_type="application/json",
    )
    assert referred.status_code == 200, referred.content
    assert referred.json()["status"] == "ruling"
    listed = client.get("/api/v1/appeals/arbitration").json()
    assert [a["number"] for a in listed["items"]] == [appeal.number]
    units = {u["name"]: u["id"] for u in client.get("/api/v1/appeals/units").json()}
    ruled = client.post(
        f"/api/v1/appeals/{appeal.pk}/ruling",
        {"unit_id": units["玉林街道办事处"], "ruling": RULING},
        content_type="application/json",
    )
    assert ruled.status_code == 200, ruled.content
    body = ruled.json()
    assert body["status"] == "dispatched"
    assert body["ruling_unit"] == "玉林街道办事处"
    public = Client().get(f"/api/v1/appeals/public/{appeal.pk}").json()
    assert "ruling" not in public
    assert RULING not in str(public)
