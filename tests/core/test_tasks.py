"""Background tasks through the django-tasks API on huey: recorded, run, results readable."""

import os
from typing import Any

import pytest
from django_tasks import default_task_backend
from django_tasks.base import TaskResultStatus
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from shequ.core.models import TaskRecord
from shequ.core.tasks_backend import build_huey
from shequ.places.tasks import divisions_reload

pytestmark = pytest.mark.usefixtures("chengdu")


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
    try:
        Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except RedisConnectionError:
        if os.environ.get("SHEQU_REQUIRE_POSTGRES") == "1":  # CI starts every service
            pytest.fail("Redis is required on CI but 127.0.0.1:6379 does not answer")
        pytest.skip("no Redis on 127.0.0.1:6379")
    huey = build_huey({"url": "redis://127.0.0.1:6379/15", "immediate": False})
    huey.flush()
    received: list[str] = []
    run = huey.task(name="shequ.test_record")(received.append)
    run("record-1")
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    assert received == ["record-1"]
    huey.flush()
