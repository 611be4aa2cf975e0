"""Internal notes stay with the staff; a unit's reply templates fill the public reply."""

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealEvent, ReplyTemplate, Unit
from shequ.appeals.services.handling import appeal_close, appeal_sign
from shequ.appeals.services.replies import (
    appeal_note_add,
    reply_template_add,
    reply_template_delete,
)
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light

pytestmark = pytest.mark.django_db

NOTE = "内部：灯杆属于电力公司资产，需协调"
TEXT = "经现场核查，已更换灯泡，路灯恢复正常。感谢您的反映。"


@pytest.fixture(autouse=True)
def fixed_day() -> object:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def _njq() -> Unit:
    return Unit.objects.get(name="倪家桥社区居委会")


def test_notes_are_for_staff_only(
    client: Client, resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    appeal_note_add(actor=dispatcher, appeal_id=appeal.pk, text=NOTE)
    assert AuditEvent.objects.filter(verb="appeal.note").count() == 1
    client.force_login(worker)
    assert NOTE in client.get(f"/console/appeals/{appeal.pk}/").text
    assert NOTE not in Client().get(f"/appeals/{appeal.pk}/").text
    assert NOTE not in Client().get(f"/api/v1/appeals/public/{appeal.pk}").text
    reporter = Client()
    reporter.force_login(resident)
    assert NOTE not in reporter.get(f"/appeals/{appeal.pk}/").text


def test_bad_notes_change_nothing(resident: User, worker: User) -> None:
    appeal = street_light(resident)
    with pytest.raises(DomainError) as caught:
        appeal_note_add(actor=worker, appeal_id=appeal.pk, text="   ")
    assert "此项为必填项" in str(caught.value)
    with pytest.raises(NotFound):
        appeal_note_add(actor=resident, appeal_id=appeal.pk, text=NOTE)
    assert not AppealEvent.objects.filter(kind=AppealEvent.Kind.NOTE).exists()


def test_close_with_a_template(resident: User, worker: User, street: User) -> None:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    template = reply_template_add(actor=worker, unit_id=_njq().pk, title="灯泡更换", text=TEXT)
    other = reply_template_add(
        actor=street,
        unit_id=Unit.objects.get(name="玉林街道办事处").pk,
        title="街道模板",
        text="街道答复",
    )
    with pytest.raises(DomainError) as caught:
        appeal_close(actor=worker, appeal_id=appeal.pk, reply="", template_id=other.pk)
    assert "请从本单位的答复模板中选择" in str(caught.value)
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.IN_PROGRESS
    closed = appeal_close(actor=worker, appeal_id=appeal.pk, reply="", template_id=template.pk)
    assert closed.reply == TEXT
    assert closed.status == Appeal.Status.CLOSED


def test_templates_bad_input_and_delete(resident: User, worker: User, street: User) -> None:
    reply_template_add(actor=worker, unit_id=_njq().pk, title="灯泡更换", text=TEXT)
    for unit_id, title, text, words in [
        (_njq().pk, "灯泡更换", "再来一条", "本单位已有同名的答复模板"),
        (_njq().pk, "", TEXT, "此项为必填项"),
        (Unit.objects.get(name="玉林街道办事处").pk, "别人的", TEXT, "请从列表中选择您所在的单位"),
        ("abc", "x", TEXT, "请从列表中选择您所在的单位"),
    ]:
        with pytest.raises(DomainError) as caught:
            reply_template_add(actor=worker, unit_id=unit_id, title=title, text=text)
        assert words in str(caught.value)
    assert ReplyTemplate.objects.count() == 1
    template = ReplyTemplate.objects.get()
    with pytest.raises(NotFound):
        reply_template_delete(actor=street, template_id=template.pk)
    reply_template_delete(actor=worker, template_id=template.pk)
    assert not ReplyTemplate.objects.exists()


def test_console_templates_and_closing(client: Client, resident: User, worker: User) -> None:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    client.force_login(worker)
    assert 'data-testid="templates-tab"' in client.get("/console/appeals/templates/").text
    bad = client.post("/console/appeals/templates/", {"unit": _njq().pk, "title": "", "text": TEXT})
    assert bad.status_code == 400
    assert "此项为必填项" in bad.text
    saved = client.post(
        "/console/appeals/templates/", {"unit": _njq().pk, "title": "灯泡更换", "text": TEXT}
    )
    assert saved.status_code == 302
    page = client.get(f"/console/appeals/{appeal.pk}/")
    assert "灯泡更换</option>" in page.text
    template = ReplyTemplate.objects.get()
    done = client.post(
        f"/console/appeals/{appeal.pk}/close/", {"reply": "", "template": template.pk}
    )
    assert done.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).reply == TEXT
    noted = client.post(f"/console/appeals/{appeal.pk}/note/", {"text": NOTE})
    assert noted.status_code == 302


def test_api_notes_and_templates(client: Client, resident: User, worker: User) -> None:
    appeal = street_light(resident)
    client.force_login(worker)
    bad = client.post(
        f"/api/v1/appeals/{appeal.pk}/notes", {"text": ""}, content_type="application/json"
    )
    assert bad.status_code == 400
    made = client.post(
        f"/api/v1/appeals/{appeal.pk}/notes", {"text": NOTE}, content_type="application/json"
    )
    assert made.status_code == 201
    assert made.json()["note"] == NOTE
    created = client.post(
        "/api/v1/appeals/reply-templates",
        {"unit_id": _njq().pk, "title": "灯泡更换", "text": TEXT},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert [t["title"] for t in client.get("/api/v1/appeals/reply-templates").json()] == [
        "灯泡更换"
    ]
