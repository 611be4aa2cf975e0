"""Writes of the core: the audit trail and task progress."""

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from shequ.core.models import AuditEvent, TaskRecord
from shequ.core.pii import PIIValue


def _summary_value(value: Any) -> Any:
    if isinstance(value, PIIValue):
        return value.masked
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields that differ; personal data already masked."""
    changed: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _summary_value(before.get(key)), _summary_value(after.get(key))
        if old != new:
            changed[key] = [old, new]
    return changed


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    division_code: str = "",
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the audit trail. Call inside the service's transaction."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=user.get_username() if user is not None else "system",
        verb=verb,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        division_code=division_code,
        ip=ip,
        reason=reason,
        changes=dict(changes or {}),
    )


def task_progress_update(record_id: str, *, done: int, total: int, message: str = "") -> None:
    """Record how far a running task is, for the console's progress bars."""
    fraction = 0.0 if total <= 0 else min(1.0, done / total)
    TaskRecord.objects.filter(pk=record_id).update(
        progress=fraction, progress_message=message[:200], status=TaskRecord.Status.RUNNING
    )


def task_record_finish(record_id: str, *, result: Any = None, error: str = "") -> None:
    status = TaskRecord.Status.FAILED if error else TaskRecord.Status.SUCCESSFUL
    TaskRecord.objects.filter(pk=record_id).update(
        status=status,
        result=result,
        error=error,
        progress=1.0 if not error else models.F("progress"),
        finished_at=timezone.now(),
    )
