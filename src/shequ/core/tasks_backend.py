"""A django-tasks backend on huey: SQLite queue on a laptop, Redis when TASKS_URL is set.

Tasks are written as ``@django_tasks.task`` functions; this backend records each one in
``TaskRecord`` (so the console can show progress and results from any process) and hands
its id to huey. Workers run ``manage.py run_tasks``; while a task runs its worker beats
(``heartbeat_at``), and the workers' periodic sweep retries or fails tasks whose worker died
(``shequ.core.services.tasks_sweep_stale``).
"""

import logging
import threading
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, transaction
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.utils import get_exception_traceback, get_random_id, normalize_json
from huey import Huey, RedisHuey, SqliteHuey
from redis import ConnectionPool
from typing_extensions import ParamSpec

from shequ.core.models import TaskRecord
from shequ.core.services import task_heartbeat, task_record_finish, task_record_start

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")


class Heartbeat:
    """Beats for a running task from a side thread, every ``TASKS_HEARTBEAT_SECONDS``, so a
    long step without progress reports still shows its worker alive; dies with the worker."""

    def __init__(self, record_id: str, worker_id: str, interval: float) -> None:
        self.record_id, self.worker_id, self.interval = record_id, worker_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{record_id}")
        self._thread.daemon = True

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        used_db = False
        try:
            while not self._stop.wait(self.interval):
                used_db = True
                try:
                    if not task_heartbeat(self.record_id, self.worker_id):
                        return
                except Exception:
                    logger.exception("heartbeat of task %s failed", self.record_id)
        finally:
            if used_db:
                connections.close_all()


def run_task_record(record_id: str) -> None:
    """Execute one recorded task (in a worker, or inline in immediate mode)."""
    worker_id = get_random_id()
    if not task_record_start(record_id, worker_id):
        return
    record = TaskRecord.objects.get(pk=record_id)
    task: Task[Any, Any] = import_string(record.task_path)
    with Heartbeat(record_id, worker_id, settings.TASKS_HEARTBEAT_SECONDS):
        try:
            if task.takes_context:
                context = TaskContext(task_result=_result_from_record(task, record))
                value = task.call(context, *record.args, **record.kwargs)
            else:
                value = task.call(*record.args, **record.kwargs)
        except Exception as exc:
            task_record_finish(record_id, error=get_exception_traceback(exc), worker_id=worker_id)
            return
    task_record_finish(record_id, result=normalize_json(value), worker_id=worker_id)


def _result_from_record(task: Task[Any, Any], record: TaskRecord) -> TaskResult[Any]:
    errors = (
        [TaskError(exception_class_path="builtins.Exception", traceback=record.error)]
        if record.error
        else []
    )
    result: TaskResult[Any] = TaskResult(
        task=task,
        id=record.id,
        status=TaskResultStatus(record.status),
        enqueued_at=record.enqueued_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        last_attempted_at=record.started_at,
        args=record.args,
        kwargs=record.kwargs,
        backend="default",
        errors=errors,
        worker_ids=list(record.worker_ids),
    )
    object.__setattr__(result, "_return_value", record.result)
    return result


def build_huey(options: dict[str, Any]) -> Huey:
    url = options.get("url") or ""
    immediate = bool(options.get("immediate"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A Redis host that goes silent (machine gone, no refusal) fails a call within
        # seconds instead of hanging a worker or /readyz; reads outlast huey's 1 s BRPOP.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        return RedisHuey("shequ", connection_pool=pool, immediate=immediate)
    return SqliteHuey(
        "shequ", filename=options.get("sqlite_path", "tasks.sqlite3"), immediate=immediate
    )


class HueyTaskBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.enqueue_on_commit = bool(params.get("ENQUEUE_ON_COMMIT", True))
        self.huey = build_huey(self.options)
        self.run_record = self.huey.task(name="shequ.run_task_record")(run_task_record)

    def enqueue(self, task: Task[P, T], args: Any, kwargs: Any) -> TaskResult[T]:
        self.validate_task(task)
        record = TaskRecord.objects.create(
            id=get_random_id(),
            task_path=task.module_path,
            queue_name=task.queue_name,
            args=normalize_json(list(args)),
            kwargs=normalize_json(dict(kwargs)),
            run_after=task.run_after,
        )

        def send() -> None:
            eta: datetime | None = task.run_after
            if eta is not None:
                self.run_record.schedule((record.id,), eta=eta)
            else:
                self.run_record(record.id)

        if self.enqueue_on_commit:
            transaction.on_commit(send)
        else:
            send()
        return _result_from_record(task, record)

    def get_result(self, result_id: str) -> TaskResult[Any]:
        try:
            record = TaskRecord.objects.get(pk=result_id)
        except TaskRecord.DoesNotExist as exc:
            raise TaskResultDoesNotExist(result_id) from exc
        return _result_from_record(import_string(record.task_path), record)
