"""More time (延期申请): the unit asks, the supervising desk grants or refuses; granted, the
deadline moves and the public timeline says so without the reasons."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealEvent, AppealExtension
from shequ.appeals.services.extensions import extension_ask, extension_decide
from shequ.appeals.services.handling import appeal_close, appeal_sign
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light
from tests.factories import SHUIJINGFANG, make_staff

pytestmark = pytest.mark.django_db

LATER = "2026-10-20T18:00"


@pytest.fixture(autouse=True)
def fixed_day() -> object:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def _asked(resident: User, worker: User) -> tuple[Appeal, AppealExtension]:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    extension = extension_ask(
        actor=worker, appeal_id=appeal.pk, new_deadline=LATER, reason="需要更换灯杆，等待供货"
    )
    return appeal, extension


def _unchanged(appeal: Appeal) -> None:
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.deadline_at == appeal.deadline_at


def test_granted_moves_the_deadline_and_tells_the_resident(
    resident: User, worker: User, dispatcher: User
) -> None:
    appeal, extension = _asked(resident, worker)
    assert extension.status == AppealExtension.Status.PENDING
    assert extension.old_deadline == appeal.deadline_at
    assert AuditEvent.objects.filter(verb="appeal.extension_ask").count() == 1
    assert Message.objects.filter(user=dispatcher, title__contains="延期申请待审批").exists()

    extension_decide(actor=dispatcher, extension_id=extension.pk, approve=True, reason="同意")
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.deadline_at == extension.new_deadline
    assert fresh.deadline_at > appeal.deadline_at
    assert AppealExtension.objects.get().status == AppealExtension.Status.APPROVED
    event = AppealEvent.objects.get(appeal=appeal, kind=AppealEvent.Kind.EXTENDED)
    assert event.text == "2026-10-20 18:00"
    assert Message.objects.filter(user=resident, title__contains="办理时限已延期").exists()
    assert Message.objects.filter(user=worker, title__contains="延期申请已批准").exists()
    assert AuditEvent.objects.filter(verb="appeal.extension_decide").count() == 1


def test_refused_keeps_the_deadline(resident: User, worker: User, dispatcher: User) -> None:
    appeal, extension = _asked(resident, worker)
    extension_decide(actor=dispatcher, extension_id=extension.pk, approve=False, reason="时限足够")
    _unchanged(appeal)
    assert AppealExtension.objects.get().status == AppealExtension.Status.REFUSED
    assert not AppealEvent.objects.filter(kind=AppealEvent.Kind.EXTENDED).exists()
    assert Message.objects.filter(user=worker, title__contains="延期申请被驳回").exists()
    # Refused, the unit may ask again.
    extension_ask(actor=worker, appeal_id=appeal.pk, new_deadline=LATER, reason="再次申请")


def test_asked_after_the_deadline_clears_overdue(
    resident: User, worker: User, dispatcher: User, fixed_day: time_machine.Traveller
) -> None:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    fixed_day.shift(timedelta(days=20))
    assert Appeal.objects.get(pk=appeal.pk).is_overdue
    extension = extension_ask(
        actor=worker, appeal_id=appeal.pk, new_deadline="2026-10-30T18:00", reason="施工受阻"
    )
    extension_decide(actor=dispatcher, extension_id=extension.pk, approve=True, reason="同意")
    assert not Appeal.objects.get(pk=appeal.pk).is_overdue
    closed = appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修复")
    assert AppealEvent.objects.get(appeal=closed, kind=AppealEvent.Kind.CLOSED).on_time is True


@pytest.mark.parametrize(
    ("new_deadline", "reason", "code", "words"),
    [
        (LATER, "  ", "required", "此项为必填项"),
        ("2026-10-01T09:00", "太忙", "deadline_not_later", "新的办理时限必须晚于当前时限"),
        ("下周", "太忙", "deadline_required", "请填写新的办理时限"),
    ],
)
def test_bad_asks_are_refused_in_chinese(
    resident: User, worker: User, new_deadline: str, reason: str, code: str, words: str
) -> None:
    appeal = street_light(resident)
    with pytest.raises(DomainError) as caught:
        extension_ask(actor=worker, appeal_id=appeal.pk, new_deadline=new_deadline, reason=reason)
    assert caught.value.code == code
    assert words in str(caught.value)
    assert not AppealExtension.objects.exists()
    assert not AuditEvent.objects.filter(verb="appeal.extension_ask").exists()
    _unchanged(appeal)


def test_asking_twice_while_pending_is_refused(resident: User, worker: User) -> None:
    appeal, _ = _asked(resident, worker)
    with pytest.raises(DomainError) as caught:
        extension_ask(actor=worker, appeal_id=appeal.pk, new_deadline=LATER, reason="再问一次")
    assert caught.value.code == "extension_pending"
    assert "已有一条延期申请正在等待审批" in str(caught.value)
    assert AppealExtension.objects.count() == 1


def test_another_units_ticket_is_not_found(resident: User, world: None) -> None:
    appeal = street_light(resident)
    other = make_staff("sjf_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound) as caught:
        extension_ask(actor=other, appeal_id=appeal.pk, new_deadline=LATER, reason="不是我们的")
    assert "没有这条诉求" in str(caught.value)
    assert not AppealExtension.objects.exists()


def test_deciding_ones_own_request_is_refused(resident: User, world: None) -> None:
    # A district officer of 武侯区 both works in the district unit and supervises the place.
    officer = make_staff("wuhou_officer", Role.DISTRICT_OFFICER, "510107000000")
    appeal = street_light(resident)
    from shequ.appeals.models import Unit
    from shequ.appeals.services.handling import appeal_dispatch

    district = Unit.objects.get(kind=Unit.Kind.DISTRICT, division_id="510107000000")
    appeal_dispatch(actor=officer, appeal_id=appeal.pk, unit_id=district.pk, note="区里办")
    extension = extension_ask(actor=officer, appeal_id=appeal.pk, new_deadline=LATER, reason="忙")
    with pytest.raises(DomainError) as caught:
        extension_decide(actor=officer, extension_id=extension.pk, approve=True, reason="同意")
    assert caught.value.code == "own_extension"
    assert "不能审批自己提交的延期申请" in str(caught.value)
    assert AppealExtension.objects.get().status == AppealExtension.Status.PENDING
    _unchanged(appeal)


def test_only_the_supervising_desk_decides(resident: User, worker: User, street: User) -> None:
    appeal, extension = _asked(resident, worker)
    for who in (worker, street):
        with pytest.raises(NotFound):
            extension_decide(actor=who, extension_id=extension.pk, approve=True, reason="同意")
    other_district = make_staff("jj_desk", Role.DISTRICT_OFFICER, "510104000000")
    with pytest.raises(NotFound):
        extension_decide(actor=other_district, extension_id=extension.pk, approve=True, reason="x")
    assert AppealExtension.objects.get().status == AppealExtension.Status.PENDING
    _unchanged(appeal)


def test_decision_needs_a_reason_and_happens_once(
    resident: User, worker: User, dispatcher: User
) -> None:
    appeal, extension = _asked(resident, worker)
    with pytest.raises(DomainError) as caught:
        extension_decide(actor=dispatcher, extension_id=extension.pk, approve=True, reason="")
    assert "此项为必填项" in str(caught.value)
    assert AppealExtension.objects.get().status == AppealExtension.Status.PENDING
    _unchanged(appeal)
    extension_decide(actor=dispatcher, extension_id=extension.pk, approve=False, reason="不同意")
    with pytest.raises(DomainError) as caught:
        extension_decide(actor=dispatcher, extension_id=extension.pk, approve=True, reason="改主意")
    assert "已经审批过了" in str(caught.value)
    _unchanged(appeal)


def test_console_ask_queue_and_grant(
    client: Client, resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    client.force_login(worker)
    page = client.get(f"/console/appeals/{appeal.pk}/")
    assert 'data-testid="extension-form"' in page.text
    assert 'data-testid="extensions-tab"' not in page.text
    assert client.get("/console/appeals/extensions/").status_code == 403
    bad = client.post(
        f"/console/appeals/{appeal.pk}/extend/", {"new_deadline": LATER, "reason": ""}
    )
    assert bad.status_code == 400
    assert "此项为必填项" in bad.text
    asked = client.post(
        f"/console/appeals/{appeal.pk}/extend/", {"new_deadline": LATER, "reason": "等待供货"}
    )
    assert asked.status_code == 302
    desk = Client()
    desk.force_login(dispatcher)
    queue = desk.get("/console/appeals/extensions/")
    assert 'data-testid="extensions-tab"' in queue.text
    assert 'data-testid="count-extensions">1<' in queue.text
    assert "等待供货" in queue.text
    detail = desk.get(f"/console/appeals/{appeal.pk}/")
    assert 'data-testid="decision-form"' in detail.text
    extension = AppealExtension.objects.get()
    done = desk.post(
        f"/console/appeals/extensions/{extension.pk}/decide/",
        {"decision": "approve", "reason": "同意延期"},
    )
    assert done.status_code == 302
    assert 'data-testid="count-extensions">0<' in desk.get("/console/appeals/extensions/").text
    public = Client().get(f"/appeals/{appeal.pk}/")
    assert "已延期" in public.text
    assert "2026-10-20 18:00" in public.text
    assert "等待供货" not in public.text
    assert "同意延期" not in public.text


def test_api_ask_list_and_refuse(
    client: Client, resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    client.force_login(worker)
    early = client.post(
        f"/api/v1/appeals/{appeal.pk}/extensions",
        {"new_deadline": "2026-09-30T09:00", "reason": "忙"},
        content_type="application/json",
    )
    assert early.status_code == 400
    assert early.json()["code"] == "deadline_not_later"
    asked = client.post(
        f"/api/v1/appeals/{appeal.pk}/extensions",
        {"new_deadline": LATER, "reason": "等待供货"},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["status"] == "pending"
    desk = Client()
    desk.force_login(dispatcher)
    listed = desk.get("/api/v1/appeals/extensions").json()
    assert [e["number"] for e in listed["items"]] == [appeal.number]
    assert client.get("/api/v1/appeals/extensions").json()["items"] == []
    refused = desk.post(
        f"/api/v1/appeals/extensions/{asked.json()['id']}/decision",
        {"approve": False, "reason": "时限足够"},
        content_type="application/json",
    )
    assert refused.status_code == 200, refused.content
    assert refused.json()["status"] == "refused"
    _unchanged(appeal)
