"""Periodic casework: escalate applications past their legal deadline (every 15 minutes)."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.casework.services.deadlines import applications_escalate_overdue
from shequ.core.task_policies import when_stale


@when_stale(retry=True)
@task(takes_context=True)
def applications_escalate(context: TaskContext) -> dict[str, Any]:
    """Escalate overdue applications to the supervisors' queue (idempotent)."""
    return {"escalated": applications_escalate_overdue()}


def register_periodic() -> None:
    """Ask the huey consumer (``run_tasks`` runs periodic tasks) to enqueue the escalation."""
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_escalation() -> None:
        applications_escalate.enqueue()

    huey.periodic_task(crontab(minute="*/15"), name="casework.escalate_overdue")(enqueue_escalation)
