"""/healthz (alive) and /readyz (ready to serve): what a load balancer and an operator see."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_tasks import default_task_backend
from huey import RedisHuey

from shequ.core import health
from shequ.core.models import WorkerHeartbeat
from shequ.core.workers import worker_beat

pytestmark = pytest.mark.usefixtures("chengdu")


def _readyz(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_ready_when_database_queue_cache_storage_and_a_worker_answer(
    client: Client, worker_alive: None
) -> None:
    status, body = _readyz(client)
    assert status == 200
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "queue", "cache", "storage", "worker", "divisions"}
    assert all(check["ok"] for check in body["checks"].values())


def test_without_any_worker_readyz_is_503_naming_the_worker(client: Client) -> None:
    status, body = _readyz(client)
    assert status == 503
    assert body["status"] == "not ready"
    assert body["checks"]["worker"] == {"ok": False, "error": "no task worker has ever started"}
    assert body["checks"]["database"]["ok"] is True


def test_a_worker_silent_for_over_a_minute_is_reported_and_ready_again_once_it_beats(
    client: Client,
) -> None:
    # given a worker that beat, then went quiet (killed, machine gone)
    started = timezone.now()
    worker_beat(name="worker-1:100", hostname="worker-1", pid=100, started_at=started)
    with time_machine.travel(started + timedelta(seconds=90), tick=False):
        status, body = _readyz(client)
        assert status == 503
        assert body["checks"]["worker"]["error"] == "no task worker seen in the last 60 s"
        assert body["checks"]["worker"]["last_seen_seconds_ago"] == 90
        # when it (or a replacement) beats again
        worker_beat(name="worker-1:101", hostname="worker-1", pid=101, started_at=started)
        # then the instance is ready again
        status, body = _readyz(client)
    assert status == 200
    assert body["checks"]["worker"] == {"ok": True, "last_seen_seconds_ago": 0}


def test_an_unreachable_database_is_reported_without_its_details(
    client: Client, worker_alive: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class DeadConnection:
        vendor = "postgresql"

        def cursor(self) -> Any:
            raise OperationalError(
                'connection to server at "db.internal" (10.0.0.9), port 5432 failed: '
                'password authentication failed for user "shequ"'
            )

    monkeypatch.setattr(health, "connection", DeadConnection())
    status, body = _readyz(client)
    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    # the other checks still answer
    assert body["checks"]["storage"]["ok"] is True
    assert "db.internal" not in str(body)
    assert 'shequ"' not in str(body)


def test_a_redis_queue_that_dies_is_reported_and_ready_again_when_it_returns(
    client: Client, worker_alive: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    working = default_task_backend.huey  # type: ignore[attr-defined]
    # given the queue on a Redis server that is down (nothing listens on port 1)
    monkeypatch.setattr(
        default_task_backend, "huey", RedisHuey("shequ-test", url="redis://127.0.0.1:1/0")
    )
    status, body = _readyz(client)
    assert status == 503
    assert body["checks"]["queue"] == {"ok": False, "error": "ConnectionError"}
    # when the queue is back
    monkeypatch.setattr(default_task_backend, "huey", working)
    status, body = _readyz(client)
    assert status == 200
    assert body["checks"]["queue"]["ok"] is True


def test_storage_that_refuses_files_is_reported(
    client: Client, worker_alive: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullDisk:
        def save(self, name: str, content: Any) -> str:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(health, "default_storage", FullDisk())
    status, body = _readyz(client)
    assert status == 503
    assert body["checks"]["storage"] == {"ok": False, "error": "OSError"}


def test_worker_rows_of_long_gone_processes_are_forgotten() -> None:
    started = timezone.now()
    worker_beat(name="old:1", hostname="old", pid=1, started_at=started)
    with time_machine.travel(started + timedelta(days=2), tick=False):
        worker_beat(name="new:2", hostname="new", pid=2, started_at=timezone.now())
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["new:2"]
