"""``run_tasks`` schedules periodic tasks unless told not to: exactly one worker in a city does."""

from typing import Any

import pytest
from django.core.management import call_command

from shequ.core.management.commands import run_tasks


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The consumers ``run_tasks`` would start, with their options, instead of running them."""
    calls: list[dict[str, Any]] = []

    class Recorder:
        def __init__(self, huey: object, **options: Any) -> None:
            calls.append(options)

        def run(self) -> None:
            pass

    monkeypatch.setattr(run_tasks, "BeatingConsumer", Recorder)
    return calls


def test_a_worker_schedules_periodic_tasks_by_default(
    started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TASKS_PERIODIC", raising=False)
    call_command("run_tasks", "--workers", "1")
    assert started == [{"workers": 1, "worker_type": "thread", "periodic": True}]


def test_no_periodic_runs_queued_tasks_only(started: list[dict[str, Any]]) -> None:
    call_command("run_tasks", "--no-periodic")
    assert started[0]["periodic"] is False
    assert started[0]["workers"] == 2


def test_tasks_periodic_0_in_the_environment_does_the_same(
    started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKS_PERIODIC", "0")
    call_command("run_tasks")
    assert started[0]["periodic"] is False
