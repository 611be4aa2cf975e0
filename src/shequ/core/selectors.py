"""Reads of the audit trail, scoped to the viewer's area; the task queue's state for health
checks and metrics."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from shequ.core.models import AuditEvent, TaskRecord, WorkerHeartbeat
from shequ.core.scopes import Role


def audit_event_list_for(
    user: Any,
    *,
    actor: str = "",
    verb: str = "",
    object_type: str = "",
    object_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events the user may read: city committee, auditors and admins, in their area."""
    from shequ.people.selectors import scope_queryset

    queryset = scope_queryset(
        AuditEvent.objects.all(),
        user,
        division_field="division_code",
        roles={Role.CITY_COMMITTEE, Role.AUDITOR},
    )
    if actor:
        queryset = queryset.filter(actor_label=actor)
    if verb:
        queryset = queryset.filter(verb=verb)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    zone = timezone.get_current_timezone()
    if since:
        queryset = queryset.filter(created_at__gte=datetime.combine(since, time.min, zone))
    if until:
        queryset = queryset.filter(created_at__lte=datetime.combine(until, time.max, zone))
    return queryset


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.values_list("verb", flat=True).distinct().order_by("verb"))


def worker_last_seen() -> datetime | None:
    """When any task worker last beat (``run_tasks``), or None if none ever did."""
    return WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]


def workers_alive_count(*, within_seconds: int) -> int:
    """Task worker processes that beat in the last ``within_seconds``."""
    since = timezone.now() - timedelta(seconds=within_seconds)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).count()


@dataclass(frozen=True)
class TaskQueueState:
    """Counts of recorded tasks, for the metrics: waiting per queue, running, failed by
    cause (``error`` or ``stale``), and running ones whose worker stopped beating but that
    the sweep has not handled yet."""

    queued: dict[str, int]
    running: int
    failed: dict[str, int]
    stale_running: int


def task_queue_state() -> TaskQueueState:
    """The task queue as the task records show it (one grouped query and one count)."""
    cutoff = timezone.now() - timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS)
    queued: dict[str, int] = {}
    failed: dict[str, int] = {
        TaskRecord.Failure.ERROR.value: 0,
        TaskRecord.Failure.STALE.value: 0,
    }
    running = 0
    rows = (
        TaskRecord.objects.exclude(status=TaskRecord.Status.SUCCESSFUL)
        .values("status", "queue_name", "failure")
        .annotate(n=Count("pk"))
    )
    for row in rows.order_by():
        if row["status"] == TaskRecord.Status.READY:
            queued[row["queue_name"]] = queued.get(row["queue_name"], 0) + row["n"]
        elif row["status"] == TaskRecord.Status.RUNNING:
            running += row["n"]
        elif row["status"] == TaskRecord.Status.FAILED:
            cause = row["failure"] or TaskRecord.Failure.ERROR.value
            failed[cause] = failed.get(cause, 0) + row["n"]
    stale_running = TaskRecord.objects.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff),
        status=TaskRecord.Status.RUNNING,
    ).count()
    return TaskQueueState(
        queued=queued, running=running, failed=failed, stale_running=stale_running
    )
