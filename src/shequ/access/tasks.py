"""Background accessibility runs (django-tasks): progress goes to the run and the task record."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.access.services import network_imports, runs
from shequ.core.models import TaskRecord
from shequ.core.services import task_progress_update
from shequ.core.task_policies import when_stale


def _run_lost(record: TaskRecord) -> None:
    runs.run_lost(task_id=record.pk)


def _import_lost(record: TaskRecord) -> None:
    network_imports.network_import_lost(task_id=record.pk)


# A run starts over cleanly (result file written aside, coverage rows replaced).
@when_stale(retry=True, give_up=_run_lost)
@task(takes_context=True)
def access_run(context: TaskContext, run_id: int) -> dict[str, Any]:
    """Compute one queued run (sweep, coverage rows, result file)."""
    record_id = context.task_result.id

    def progress(done: int, total: int, message: str) -> None:
        task_progress_update(record_id, done=done, total=total, message=message)

    run = runs.run_execute(run_id, progress=progress)
    return {"run": run.pk, "status": run.status, "seconds": run.seconds}


@when_stale(give_up=_import_lost)
@task(takes_context=True)
def access_network_import(context: TaskContext, import_id: int) -> dict[str, Any]:
    """Import one uploaded OSM file as a walk network."""
    record_id = context.task_result.id

    def progress(done: int, total: int, message: str) -> None:
        task_progress_update(record_id, done=done, total=total, message=message)

    job = network_imports.network_import_execute(import_id, progress=progress)
    return {"import": job.pk, "status": job.status, "network": job.network_id}
