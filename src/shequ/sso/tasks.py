"""Periodic single sign-on upkeep: expired tokens purged nightly."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.core.task_policies import when_stale
from shequ.sso.services import expired_tokens_purge


@when_stale(retry=True)
@task(takes_context=True)
def sso_purge_expired(context: TaskContext) -> dict[str, Any]:
    """Expired tokens and old code records go (idempotent)."""
    return expired_tokens_purge()


def register_periodic() -> None:
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_purge() -> None:
        sso_purge_expired.enqueue()

    huey.periodic_task(crontab(hour="3", minute="17"), name="sso.purge_expired")(enqueue_purge)
