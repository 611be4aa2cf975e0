"""Periodic requests' upkeep: send the follow-up questionnaires (回访) that are due, hourly."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.appeals.services.followups import followups_send
from shequ.core.task_policies import when_stale


@when_stale(retry=True)
@task(takes_context=True)
def followups_due(context: TaskContext) -> dict[str, Any]:
    """Ask the reporters whose follow-up is due (idempotent: once per rating)."""
    return {"sent": followups_send()}


def register_periodic() -> None:
    """Ask the huey consumer (``run_tasks`` runs periodic tasks) to enqueue the follow-ups
    every hour."""
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_followups() -> None:
        followups_due.enqueue()

    huey.periodic_task(crontab(minute="7"), name="appeals.followups_due")(enqueue_followups)
