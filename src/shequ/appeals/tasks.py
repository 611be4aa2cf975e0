"""Periodic requests' upkeep: escalate overdue requests (督办) every 15 minutes and send the
follow-up questionnaires (回访) that are due, hourly."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.appeals.services.escalation import appeals_escalate
from shequ.appeals.services.followups import followups_send
from shequ.core.task_policies import when_stale


@when_stale(retry=True)
@task(takes_context=True)
def appeals_escalate_overdue(context: TaskContext) -> dict[str, Any]:
    """Escalate overdue requests to their unit, then to the supervising desk (idempotent)."""
    return {"escalated": appeals_escalate()}


@when_stale(retry=True)
@task(takes_context=True)
def followups_due(context: TaskContext) -> dict[str, Any]:
    """Ask the reporters whose follow-up is due (idempotent: once per rating)."""
    return {"sent": followups_send()}


def register_periodic() -> None:
    """Ask the huey consumer (``run_tasks`` runs periodic tasks) to enqueue the escalation
    every 15 minutes and the follow-ups every hour."""
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_escalation() -> None:
        appeals_escalate_overdue.enqueue()

    def enqueue_followups() -> None:
        followups_due.enqueue()

    huey.periodic_task(crontab(minute="*/15"), name="appeals.escalate_overdue")(enqueue_escalation)
    huey.periodic_task(crontab(minute="7"), name="appeals.followups_due")(enqueue_followups)
