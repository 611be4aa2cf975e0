"""Periodic portal work: every dataset frozen nightly, the search index re-read nightly
(for bulk updates that send no signals)."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.core.task_policies import when_stale
from shequ.portal.indexing import rebuild
from shequ.portal.services import snapshot_all


@when_stale(retry=True)
@task(takes_context=True)
def portal_snapshots(context: TaskContext) -> dict[str, Any]:
    return snapshot_all()


@when_stale(retry=True)
@task(takes_context=True)
def portal_reindex(context: TaskContext) -> dict[str, Any]:
    return rebuild()


def register_periodic() -> None:
    from django_tasks import default_task_backend
    from huey import crontab

    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return

    def enqueue_snapshots() -> None:
        portal_snapshots.enqueue()

    def enqueue_reindex() -> None:
        portal_reindex.enqueue()

    huey.periodic_task(crontab(minute="10", hour="1"), name="portal.snapshots")(enqueue_snapshots)
    huey.periodic_task(crontab(minute="40", hour="1"), name="portal.reindex")(enqueue_reindex)
