"""Reads of the audit trail, scoped to the viewer's area; the task queue's state for health
checks and metrics."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.audit_verbs import AUDIT_VERB_LABELS, audit_verb_label
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


def audit_verb_choices() -> list[tuple[str, str]]:
    """Every action the filter offers, (code, label) sorted by label: those in the trail and
    those the code base writes."""
    codes = set(audit_verbs()) | set(AUDIT_VERB_LABELS)
    return sorted(((c, audit_verb_label(c)) for c in codes), key=lambda pair: pair[1])


def audit_object_type_label(object_type: str) -> str:
    """``funds.allocation`` → the model's name (``资金分配``); unknown types show as stored."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def audit_object_type_choices() -> list[tuple[str, str]]:
    """The kinds of object in the trail, (type, label) sorted by label."""
    types = AuditEvent.objects.exclude(object_type="").values_list("object_type", flat=True)
    return sorted(
        ((t, audit_object_type_label(t)) for t in types.distinct().order_by()),
        key=lambda pair: pair[1],
    )


def audit_actor_labels_for(user: Any, *, limit: int = 300) -> list[str]:
    """Who appears in the trail the user may read (for the actor filter's suggestions)."""
    events = audit_event_list_for(user).exclude(actor_label="")
    return list(
        events.order_by("actor_label").values_list("actor_label", flat=True).distinct()[:limit]
    )


@dataclass(frozen=True)
class AuditRow:
    """One audit event as the console and its exports show it."""

    created_at: datetime
    actor: str
    verb: str
    verb_label: str
    object_type: str
    object_type_label: str
    object_id: str
    object_repr: str
    division_code: str
    division_name: str
    reason: str
    details: str
    ip: str


def _value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v) for v in value)
    return str(value)


def audit_changes_text(changes: Any) -> str:
    """``{"status": ["open", "closed"], "n": 3}`` → ``status: open → closed; n: 3``."""
    if not isinstance(changes, dict):
        return _value_text(changes)
    parts = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {_value_text(value[0])} → {_value_text(value[1])}")
        else:
            parts.append(f"{key}: {_value_text(value)}")
    return "; ".join(parts)


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Events with their labels: action, kind of object and division names, looked up once for
    the whole batch (no query per row)."""
    from shequ.places.models import Division

    batch = list(events)
    codes = {e.division_code for e in batch if e.division_code}
    names = {
        code: short or name
        for code, short, name in Division.objects.filter(code__in=codes).values_list(
            "code", "short_name", "name"
        )
    }
    type_labels = {t: audit_object_type_label(t) for t in {e.object_type for e in batch}}
    zone = timezone.get_current_timezone()
    return [
        AuditRow(
            created_at=timezone.localtime(e.created_at, zone),
            actor=str(_("System")) if e.actor_label == "system" else e.actor_label,
            verb=e.verb,
            verb_label=audit_verb_label(e.verb),
            object_type=e.object_type,
            object_type_label=type_labels.get(e.object_type, e.object_type),
            object_id=e.object_id,
            object_repr=e.object_repr,
            division_code=e.division_code,
            division_name=names.get(e.division_code, ""),
            reason=e.reason,
            details=audit_changes_text(e.changes),
            ip=e.ip or "",
        )
        for e in batch
    ]


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
