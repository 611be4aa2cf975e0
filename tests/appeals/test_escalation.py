"""督办: an open request past its deadline is escalated to its unit ("已超期"), and a day later
to the supervising desk; each level once, however often the task runs."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.services.escalation import appeals_escalate
from shequ.appeals.services.handling import appeal_close, appeal_rate, appeal_sign
from shequ.appeals.tasks import appeals_escalate_overdue, register_periodic
from shequ.core.models import AuditEvent
from shequ.notices.models import Message
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_day() -> object:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def _messages(user: User, words: str) -> int:
    return Message.objects.filter(user=user, title__contains=words).count()


def test_unit_first_then_the_desk_each_once(
    resident: User, worker: User, dispatcher: User, fixed_day: time_machine.Traveller
) -> None:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    assert appeals_escalate(now=appeal.deadline_at - timedelta(minutes=1)) == 0

    fixed_day.move_to(appeal.deadline_at + timedelta(hours=1))
    assert appeals_escalate() == 1
    assert appeals_escalate() == 0
    assert Appeal.objects.get(pk=appeal.pk).escalation_level == 1
    assert _messages(worker, "已超期") == 1
    assert _messages(dispatcher, "超期督办") == 0

    fixed_day.move_to(appeal.deadline_at + timedelta(hours=25))
    assert appeals_escalate() == 1
    assert appeals_escalate() == 0
    assert Appeal.objects.get(pk=appeal.pk).escalation_level == 2
    assert _messages(dispatcher, "超期督办") == 1
    assert _messages(worker, "已超期") == 1
    levels = list(
        AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.ESCALATED).values_list(
            "text", flat=True
        )
    )
    assert levels == ["1", "2"]
    assert AuditEvent.objects.filter(verb="appeal.escalate").count() == 2
    # Nothing more, ever, for this round.
    fixed_day.move_to(appeal.deadline_at + timedelta(days=30))
    assert appeals_escalate() == 0


def test_a_late_run_sends_both_levels_once(
    resident: User, worker: User, dispatcher: User, fixed_day: time_machine.Traveller
) -> None:
    appeal = street_light(resident)
    fixed_day.move_to(appeal.deadline_at + timedelta(hours=30))
    assert appeals_escalate() == 2
    assert appeals_escalate() == 0
    assert _messages(worker, "已超期") == 1
    assert _messages(dispatcher, "超期督办") == 1


def test_the_delay_before_the_desk_is_configurable(
    settings: Any, resident: User, worker: User, dispatcher: User
) -> None:
    settings.SHEQU_APPEALS_ESCALATE_AFTER_HOURS = 2
    appeal = street_light(resident)
    assert appeals_escalate(now=appeal.deadline_at + timedelta(hours=1)) == 1
    assert appeals_escalate(now=appeal.deadline_at + timedelta(hours=3)) == 1
    assert Appeal.objects.get(pk=appeal.pk).escalation_level == 2


def test_handled_requests_are_left_alone_and_a_reopened_one_starts_again(
    resident: User, worker: User, fixed_day: time_machine.Traveller
) -> None:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    fixed_day.move_to(appeal.deadline_at + timedelta(hours=2))
    assert appeals_escalate() == 1
    appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修复")
    fixed_day.move_to(appeal.deadline_at + timedelta(days=3))
    assert appeals_escalate() == 0
    appeal_rate(
        actor=resident, appeal_id=appeal.pk, level="dissatisfied", fixed=False, comment="还是不亮"
    )
    reopened = Appeal.objects.get(pk=appeal.pk)
    assert reopened.escalation_level == 0
    assert appeals_escalate() == 0
    fixed_day.move_to(reopened.deadline_at + timedelta(hours=1))
    assert appeals_escalate() == 1


def test_pages_show_it_to_staff_only(
    client: Client, resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    appeals_escalate(now=appeal.deadline_at + timedelta(hours=30))
    client.force_login(worker)
    page = client.get("/console/appeals/overdue/")
    assert page.status_code == 200
    assert 'data-testid="count-escalated">1<' in page.text
    assert 'data-testid="level-2"' in page.text
    assert appeal.number in page.text
    detail = client.get(f"/console/appeals/{appeal.pk}/")
    assert 'data-testid="escalation-level"' in detail.text
    public = Client().get(f"/appeals/{appeal.pk}/")
    assert 'data-testid="event-escalated"' not in public.text
    assert "超期督办" not in public.text
    desk = Client()
    desk.force_login(dispatcher)
    listed = desk.get("/api/v1/appeals/escalated").json()
    assert [(a["number"], a["escalation_level"]) for a in listed["items"]] == [(appeal.number, 2)]


def test_the_task_escalates_and_is_registered(
    resident: User,
    worker: User,
    fixed_day: time_machine.Traveller,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    appeal = street_light(resident)
    fixed_day.move_to(appeal.deadline_at + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        appeals_escalate_overdue.enqueue()
    assert Appeal.objects.get(pk=appeal.pk).escalation_level == 1
    assert _messages(worker, "已超期") == 1

    registered: list[str] = []

    class FakeHuey:
        def periodic_task(self, schedule: object, name: str) -> Any:
            registered.append(name)
            return lambda function: function

    import django_tasks

    monkeypatch.setattr(django_tasks.default_task_backend, "huey", FakeHuey(), raising=False)
    register_periodic()
    assert registered == ["appeals.escalate_overdue", "appeals.followups_due"]
