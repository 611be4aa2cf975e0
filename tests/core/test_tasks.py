"""Background tasks through the django-tasks API on huey: recorded, run, results readable."""

import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_tasks import default_task_backend
from django_tasks.base import TaskResultStatus

from shequ.core import tasks_backend
from shequ.core.models import AuditEvent, TaskRecord
from shequ.core.services import (
    task_heartbeat,
    task_progress_update,
    task_record_finish,
    task_record_start,
    tasks_sweep_stale,
)
from shequ.core.tasks_backend import build_huey
from shequ.places.tasks import divisions_reload
from tests.redis_server import redis_at

pytestmark = pytest.mark.usefixtures("chengdu")

NINE_AM = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_task_is_enqueued_on_commit_runs_and_reports_its_result(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = divisions_reload.enqueue()
        assert TaskRecord.objects.get(pk=result.id).status == TaskRecord.Status.READY
    assert len(callbacks) == 1  # nothing is sent to the queue before the commit
    callbacks[0]()
    record = TaskRecord.objects.get(pk=result.id)
    assert record.status == TaskRecord.Status.SUCCESSFUL
    assert record.progress == 1.0
    assert record.result == {"created": 0, "updated": 0, "unchanged": 3329, "deactivated": 0}
    fetched = default_task_backend.get_result(result.id)
    assert fetched.status == TaskResultStatus.SUCCESSFUL
    assert fetched.return_value == record.result


def test_a_failing_task_is_recorded_as_failed(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = divisions_reload.enqueue(actor_id="not-a-number")  # type: ignore[arg-type]
    record = TaskRecord.objects.get(pk=result.id)
    assert record.status == TaskRecord.Status.FAILED
    assert "ValueError" in record.error or "Field 'id'" in record.error


def test_redis_queue_carries_the_task_to_a_worker() -> None:
    redis_at("redis://127.0.0.1:6379/15")
    huey = build_huey({"url": "redis://127.0.0.1:6379/15", "immediate": False})
    huey.flush()
    received: list[str] = []
    run = huey.task(name="shequ.test_record")(received.append)
    run("record-1")
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    assert received == ["record-1"]
    huey.flush()


def _running_reload(capture: Any, worker_id: str) -> str:
    """A divisions reload picked up by ``worker_id`` (which then dies without a word)."""
    with capture(execute=False):
        result = divisions_reload.enqueue()
    assert task_record_start(result.id, worker_id)
    return result.id


def test_an_idempotent_task_whose_worker_died_is_run_again_then_failed_when_retries_run_out(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS_STALE_RETRIES = 1
    silence = timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS + 1)
    with time_machine.travel(NINE_AM, tick=False) as clock:
        # given a reload whose worker was killed
        record_id = _running_reload(django_capture_on_commit_callbacks, "killed-1")
        clock.shift(silence)
        # when the sweep finds it silent
        with django_capture_on_commit_callbacks(execute=True):
            report = tasks_sweep_stale()
        # then it runs again (here, at once) and finishes
        assert report.retried == [record_id]
        record = TaskRecord.objects.get(pk=record_id)
        assert record.status == TaskRecord.Status.SUCCESSFUL
        assert (record.attempts, record.lost_workers) == (2, 1)
        assert record.result["unchanged"] == 3329

        # given another whose worker has already been lost as often as allowed
        record_id = _running_reload(django_capture_on_commit_callbacks, "killed-2")
        TaskRecord.objects.filter(pk=record_id).update(lost_workers=1)
        clock.shift(silence)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            report = tasks_sweep_stale()
    # then it is failed with the reason, not queued again
    assert (report.retried, report.failed, callbacks) == ([], [record_id], [])
    record = TaskRecord.objects.get(pk=record_id)
    assert record.status == TaskRecord.Status.FAILED
    assert record.failure == TaskRecord.Failure.STALE
    assert "killed-2 stopped responding" in record.error
    assert AuditEvent.objects.filter(verb="task.fail_stale", object_id=record_id).count() == 1


def test_a_beating_task_is_left_alone_and_a_lost_worker_cannot_overwrite_the_outcome(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS_STALE_RETRIES = 0
    limit = settings.TASKS_STALE_AFTER_SECONDS
    with time_machine.travel(NINE_AM, tick=False) as clock:
        record_id = _running_reload(django_capture_on_commit_callbacks, "slow")
        clock.shift(timedelta(seconds=limit - 10))
        assert task_heartbeat(record_id, "slow")
        clock.shift(timedelta(seconds=limit - 10))
        assert tasks_sweep_stale().failed == []  # beat within the limit
        clock.shift(timedelta(seconds=11))
        assert tasks_sweep_stale().failed == [record_id]
        # the worker was only stalled; when it wakes, its outcome no longer counts
        assert not task_heartbeat(record_id, "slow")
        task_progress_update(record_id, done=9, total=10)
        task_record_finish(record_id, result={"late": True}, worker_id="slow")
    record = TaskRecord.objects.get(pk=record_id)
    assert record.status == TaskRecord.Status.FAILED
    assert record.result is None
    assert record.progress_message == ""


def test_a_finished_task_delivered_again_does_not_run_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = divisions_reload.enqueue()
    finished = TaskRecord.objects.get(pk=result.id)
    tasks_backend.run_task_record(result.id)
    again = TaskRecord.objects.get(pk=result.id)
    assert (again.attempts, again.finished_at) == (1, finished.finished_at)


def test_the_heartbeat_beats_from_its_own_thread_until_the_task_is_not_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    beats: list[tuple[str, str]] = []
    third = threading.Event()

    def beat(record_id: str, worker_id: str) -> bool:
        beats.append((record_id, worker_id))
        if len(beats) == 3:
            third.set()
            return False  # the sweep gave this attempt up: stop beating
        return True

    monkeypatch.setattr(tasks_backend, "task_heartbeat", beat)
    with tasks_backend.Heartbeat("r1", "w1", interval=0.001):
        assert third.wait(timeout=10)
    assert beats == [("r1", "w1")] * 3
