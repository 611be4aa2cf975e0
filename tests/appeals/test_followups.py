"""The follow-up questionnaire (回访, issue 16 item 5): for the categories the committee
chooses, N days after a request is rated fixed its reporter is asked in the inbox whether it
is still fixed; "no" files the problem again as a recurrence in the same cluster. Sending is
periodic and idempotent; only the reporter answers, once."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealFollowup, Category
from shequ.appeals.services.followups import followup_answer, followups_send
from shequ.appeals.services.handling import appeal_close, appeal_rate, appeal_sign
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.notices.models import Message
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def followed_up(days: int = 14) -> None:
    Category.objects.filter(code="ludeng").update(followup=True, followup_days=days)


def fixed(resident: User, worker: User) -> Appeal:
    appeal = street_light(resident)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    appeal_close(actor=worker, appeal_id=appeal.pk, reply="已更换灯泡")
    return appeal_rate(actor=resident, appeal_id=appeal.pk, level="satisfied", fixed=True)


def asked(resident: User) -> Any:
    return Message.objects.filter(user=resident, title__contains="问题是否仍已解决")


def test_the_committee_turns_follow_ups_on_for_a_category(
    dispatcher: User, world: None, client: Client
) -> None:
    lamp = Category.objects.get(code="ludeng")
    client.force_login(dispatcher)
    data = {
        "code": "ludeng",
        "name": lamp.name,
        "nature": lamp.nature,
        "deadline_class": lamp.deadline_class,
        "position": lamp.position,
        "is_active": "on",
        "followup": "on",
    }
    bad = client.post(f"/console/appeals/categories/{lamp.pk}/", {**data, "followup_days": 0})
    assert bad.status_code == 400
    assert "回访时间须在评价后 1 至 365 天之间" in bad.content.decode()
    lamp.refresh_from_db()
    assert lamp.followup is False
    done = client.post(f"/console/appeals/categories/{lamp.pk}/", {**data, "followup_days": 14})
    assert done.status_code == 302
    lamp.refresh_from_db()
    assert (lamp.followup, lamp.followup_days) == (True, 14)
    listing = client.get("/console/appeals/categories/").content.decode()
    assert "14 天后" in listing


def test_the_question_is_sent_once_when_due(resident: User, worker: User, fixed_now: Any) -> None:
    followed_up(14)
    appeal = fixed(resident, worker)
    fixed_now.shift(timedelta(days=13))
    assert followups_send() == 0
    fixed_now.shift(timedelta(days=1, minutes=1))
    assert followups_send() == 1
    message = asked(resident).get()
    followup = AppealFollowup.objects.get(appeal=appeal)
    assert message.url == f"/appeals/followups/{followup.pk}/"
    assert appeal.number in message.title
    assert AuditEvent.objects.filter(verb="appeal.followup_send").count() == 1
    # Idempotent: running again (every hour) asks nobody twice.
    fixed_now.shift(timedelta(hours=1))
    assert followups_send() == 0
    assert asked(resident).count() == 1


def test_categories_without_follow_up_and_unhappy_ratings_are_not_asked(
    resident: User, worker: User, fixed_now: Any
) -> None:
    fixed(resident, worker)
    fixed_now.shift(timedelta(days=40))
    assert followups_send() == 0
    assert AppealFollowup.objects.count() == 0


def test_yes_on_the_one_tap_page_and_twice_changes_nothing(
    resident: User, worker: User, fixed_now: Any, client: Client
) -> None:
    followed_up(14)
    appeal = fixed(resident, worker)
    fixed_now.shift(timedelta(days=15))
    followups_send()
    followup = AppealFollowup.objects.get()
    url = f"/appeals/followups/{followup.pk}/"
    client.force_login(resident)
    page = client.get(url).content.decode()
    assert "问题是否仍已解决？" in page
    assert 'data-testid="answer-yes"' in page
    # Bad input: no choice. A clear error in Chinese, nothing saved.
    bad = client.post(url, {"still_fixed": "maybe"})
    assert bad.status_code == 400
    assert "请选择问题是否仍已解决" in bad.content.decode()
    followup.refresh_from_db()
    assert followup.answered_at is None
    done = client.post(url, {"still_fixed": "yes", "comment": "一直亮着"})
    assert done.status_code == 302
    followup.refresh_from_db()
    assert followup.still_fixed is True
    assert followup.comment == "一直亮着"
    again = client.post(url, {"still_fixed": "no", "comment": "又坏了"})
    assert again.status_code == 409
    assert "您已回答过这次回访" in again.content.decode()
    followup.refresh_from_db()
    assert followup.still_fixed is True
    assert Appeal.objects.count() == 1
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.RATED
    # Only the reporter may answer (or even see it).
    stranger = Client()
    stranger.force_login(make_user("stranger"))
    assert stranger.get(url).status_code == 404
    with pytest.raises(NotFound):
        followup_answer(actor=make_user("other"), followup_id=followup.pk, still_fixed=False)


def test_no_files_a_recurrence_in_the_same_cluster(
    resident: User, worker: User, fixed_now: Any, client: Client
) -> None:
    followed_up(14)
    old = fixed(resident, worker)
    fixed_now.shift(timedelta(days=15))
    followups_send()
    followup = AppealFollowup.objects.get()
    client.force_login(resident)
    done = client.post(
        f"/appeals/followups/{followup.pk}/", {"still_fixed": "no", "comment": "路灯又不亮了"}
    )
    followup.refresh_from_db()
    new = followup.recurrence
    assert new is not None
    assert done.status_code == 302
    assert done["Location"] == f"/appeals/{new.pk}/"
    assert new.recurrence_of_id == old.pk
    assert new.cluster_id is not None
    assert Appeal.objects.get(pk=old.pk).cluster_id == new.cluster_id
    assert new.description == "路灯又不亮了"
    assert new.reporter_id == resident.pk
    assert new.status == Appeal.Status.DISPATCHED  # routed like any request
    assert Appeal.objects.get(pk=old.pk).status == Appeal.Status.RATED
    assert AuditEvent.objects.filter(verb="appeal.followup_answer").count() == 1
    page = client.get(f"/appeals/{new.pk}/").content.decode()
    assert "同一问题已有 2 次反映。" in page
    assert "办结后又复发 1 次。" in page


def test_api_reads_and_answers_a_follow_up(
    resident: User, worker: User, fixed_now: Any, client: Client
) -> None:
    followed_up(7)
    fixed(resident, worker)
    fixed_now.shift(timedelta(days=8))
    followups_send()
    followup = AppealFollowup.objects.get()
    client.force_login(resident)
    url = f"/api/v1/appeals/followups/{followup.pk}"
    assert client.get(url).json()["answered_at"] is None
    bad = client.post(
        f"{url}/answer",
        {"still_fixed": True, "comment": "x" * 600},
        content_type="application/json",
    )
    assert bad.status_code == 400
    followup.refresh_from_db()
    assert followup.answered_at is None
    ok = client.post(f"{url}/answer", {"still_fixed": False}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["recurrence_id"] is not None
    again = client.post(f"{url}/answer", {"still_fixed": True}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    with pytest.raises(DomainError):
        followup_answer(actor=resident, followup_id=followup.pk, still_fixed=True)
    assert Appeal.objects.count() == 2


def test_the_periodic_task_sends_what_is_due(
    resident: User, worker: User, fixed_now: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from shequ.appeals.tasks import followups_due

    followed_up(7)
    fixed(resident, worker)
    fixed_now.shift(timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        followups_due.enqueue()
    assert asked(resident).count() == 1
