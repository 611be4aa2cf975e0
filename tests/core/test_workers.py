"""A task worker process beats while its threads run, so /readyz can tell it is there."""

from typing import Any

import pytest
from django.test import Client

from shequ.core.models import WorkerHeartbeat
from shequ.core.tasks_backend import build_huey
from shequ.core.workers import BeatingConsumer

pytestmark = pytest.mark.usefixtures("chengdu")


@pytest.fixture
def consumer() -> BeatingConsumer:
    return BeatingConsumer(build_huey({"immediate": True}), workers=1, worker_type="thread")


def test_a_worker_whose_threads_run_beats_and_makes_the_site_ready(
    client: Client, consumer: BeatingConsumer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/readyz").status_code == 503
    monkeypatch.setattr(consumer, "threads_alive", lambda: True)
    consumer.beat()
    beat = WorkerHeartbeat.objects.get()
    assert beat.name == consumer.name
    assert beat.pid == consumer.pid
    assert client.get("/readyz").status_code == 200


def test_a_worker_whose_threads_are_down_does_not_beat(consumer: BeatingConsumer) -> None:
    # the consumer's threads were never started (or died and were not restarted)
    assert consumer.threads_alive() is False
    consumer.beat()
    assert not WorkerHeartbeat.objects.exists()


def test_a_beat_that_cannot_reach_the_database_does_not_stop_the_worker(
    consumer: BeatingConsumer, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr(consumer, "threads_alive", lambda: True)

    def unreachable(**kwargs: Any) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr("shequ.core.workers.worker_beat", unreachable)
    consumer.beat()  # logs, does not raise
    assert "heartbeat failed" in caplog.text


def test_the_main_loop_beats_every_interval(
    consumer: BeatingConsumer, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.WORKER_HEARTBEAT_SECONDS = 3600
    beats: list[int] = []
    monkeypatch.setattr(consumer, "beat", lambda: beats.append(1))
    consumer._stop_flag_timeout = 0
    consumer.loop()
    consumer.loop()
    assert beats == [1]  # the second loop is within the hour
