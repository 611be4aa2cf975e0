"""Exports whose worker dies: no half-written file under the final name, retried or failed."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shequ.core.models import AuditEvent, TaskRecord
from shequ.core.storage import private_storage
from shequ.people.models import User
from shequ.surveys import tasks
from tests.surveys.test_pages import FORM

CHENGDU = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=CHENGDU)


class WorkerKilled(BaseException):
    """The worker process dies here: the task's own error handling never runs."""


def _answer_one(client: Client, sampled: dict[str, Any]) -> None:
    token = next(iter(sampled["tokens"].values()))
    client.post(
        reverse("surveys:invitation", args=[token]), {**FORM, "q_comment": "好", "action": "submit"}
    )


def test_an_export_killed_half_way_leaves_no_file_under_its_final_name_and_is_retried(
    client: Client,
    committee: User,
    sampled: dict[str, Any],
    settings: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a response to export, and an export whose worker dies after the first row
    settings.MEDIA_ROOT = tmp_path
    _answer_one(client, sampled)
    client.force_login(committee)
    real_rows = tasks.export_rows

    def rows_then_death(*args: Any, **kwargs: Any) -> Any:
        rows = real_rows(*args, **kwargs)
        yield next(rows)
        raise WorkerKilled

    monkeypatch.setattr(tasks, "export_rows", rows_then_death)
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("surveys_console:export", args=[sampled["survey"].pk]), {"format": "csv"}
            )
        record = TaskRecord.objects.get(task_path__endswith="responses_export")
        # then nothing is offered under the final name while it hangs at "running"
        assert record.status == TaskRecord.Status.RUNNING
        assert not private_storage().exists(tasks.export_name(record.pk, "csv"))
        status = client.get(reverse("surveys_console:task", args=[record.pk])).content.decode()
        assert 'data-testid="download"' not in status
        assert client.get(reverse("surveys_console:download", args=[record.pk])).status_code == 404

        # when the worker has been silent for longer than allowed, the workers' sweep runs
        monkeypatch.setattr(tasks, "export_rows", real_rows)
        clock.shift(timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS - 1))
        call_command("sweep_stale_tasks")
        record.refresh_from_db()
        assert record.status == TaskRecord.Status.RUNNING  # not yet stale
        clock.shift(timedelta(seconds=2))
        with django_capture_on_commit_callbacks(execute=True):
            call_command("sweep_stale_tasks")

    # then the export is started again from the beginning and completes
    record.refresh_from_db()
    assert record.status == TaskRecord.Status.SUCCESSFUL, record.error
    assert record.attempts == 2
    status = client.get(reverse("surveys_console:task", args=[record.pk])).content.decode()
    assert 'data-testid="task-restarted"' in status
    assert 'data-testid="download"' in status
    download = client.get(reverse("surveys_console:download", args=[record.pk]))
    body = b"".join(download.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "非常满意" in body
    assert private_storage().listdir("survey-exports")[1] == [f"{record.pk}.csv"]
    assert AuditEvent.objects.filter(verb="task.retry_stale", object_id=record.pk).exists()


def test_a_task_whose_worker_stopped_beating_is_failed_with_a_reason_the_user_sees(
    client: Client, committee: User, sampled: dict[str, Any], settings: Any
) -> None:
    # given a sample-and-send task (not safe to run twice: it texts residents) stuck at 20 %
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        record = TaskRecord.objects.create(
            id="stuck-sending",
            task_path="shequ.surveys.tasks.sample_draw_and_send",
            kwargs={"survey_id": sampled["survey"].pk, "actor_id": committee.pk},
            status=TaskRecord.Status.RUNNING,
            worker_id="w1",
            attempts=1,
            progress=0.2,
            progress_message="sending",
            started_at=MONDAY_MORNING,
            heartbeat_at=MONDAY_MORNING,
        )
        # when its worker has been silent past the limit and the sweep runs
        clock.shift(timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS + 1))
        call_command("sweep_stale_tasks")
    # then it is failed, not retried, and its page says why (in the user's language)
    record.refresh_from_db()
    assert record.status == TaskRecord.Status.FAILED
    assert record.failure == TaskRecord.Failure.STALE
    client.force_login(committee)
    page = client.get(
        reverse("surveys_console:task", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert 'data-testid="task-failed"' in page
    assert "停止响应" in page
    assert "2026-03-02 09:00" in page
    assert "hx-get" not in page  # the page stops polling
    assert AuditEvent.objects.filter(verb="task.fail_stale", object_id=record.pk).exists()
