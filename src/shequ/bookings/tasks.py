"""Periodic bookings work: reminders for the next 24 hours (hourly)."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.bookings.services import booking_reminders_send
from shequ.core.task_policies import when_stale


@when_stale(retry=True)
@task(takes_context=True)
def bookings_remind(context: TaskContext) -> dict[str, Any]:
    """Send each booking's reminder once (idempotent)."""
    return {"reminded": booking_reminders_send()}


def register_periodic() -> None:
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_reminders() -> None:
        bookings_remind.enqueue()

    huey.periodic_task(crontab(minute="5"), name="bookings.remind")(enqueue_reminders)
