"""Background work on divisions."""

from typing import Any

from django_tasks import task
from django_tasks.base import TaskContext

from shequ.core.services import task_progress_update
from shequ.core.task_policies import when_stale
from shequ.places.services import divisions_load


@when_stale(retry=True)
@task(takes_context=True)
def divisions_reload(context: TaskContext, actor_id: int | None = None) -> dict[str, Any]:
    """Reload the shipped NBS division file (idempotent); returns the load report."""
    from shequ.people.models import User

    record_id = context.task_result.id
    task_progress_update(record_id, done=0, total=1, message="loading divisions")
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    report = divisions_load(actor=actor)
    task_progress_update(record_id, done=1, total=1, message="done")
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "deactivated": report.deactivated,
    }
