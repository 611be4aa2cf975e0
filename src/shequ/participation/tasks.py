"""Periodic participation work: remind residents who have not voted that a round's voting
closes within a day (hourly; each round once)."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.core.task_policies import when_stale
from shequ.participation.services.rounds import round_closing_reminders_send


@when_stale(retry=True)
@task(takes_context=True)
def participation_closing_reminders(context: TaskContext) -> dict[str, Any]:
    """Send each round's closing reminder once (idempotent)."""
    return {"reminded": round_closing_reminders_send()}


def register_periodic() -> None:
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_reminders() -> None:
        participation_closing_reminders.enqueue()

    huey.periodic_task(crontab(minute="20"), name="participation.closing_reminders")(
        enqueue_reminders
    )
