"""Background evaluation runs (django-tasks); the work is in ``evaluation``."""

from typing import Any

from django_tasks import task

from shequ.core.models import TaskRecord
from shequ.core.task_policies import when_stale
from shequ.indicators import evaluation


def _run_lost(record: TaskRecord) -> None:
    evaluation.run_lost(record)


# Safe to start over: values are replaced per indicator and year, results per run.
@when_stale(retry=True, give_up=_run_lost)
@task()
def indicators_run(run_id: int) -> dict[str, Any]:
    """Compute the values of the run's version and year, then score, rank and bound."""
    run = evaluation.run_with_values(run_id)
    return {"run": run.pk, "status": run.status, "seconds": run.seconds}
