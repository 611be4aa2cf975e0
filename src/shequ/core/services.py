"""Writes of the core: the audit trail and task progress."""

import functools
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, RateLimited
from shequ.core.models import AuditEvent, TaskRecord
from shequ.core.pii import PIIValue

logger = logging.getLogger(__name__)


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


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    # Cached by value, so a changed setting (tests, a reload) is parsed afresh.
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse_ip(raw: object) -> IPAddress | None:
    """One address as a proxy writes it (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``), or None."""
    text = str(raw or "").strip()
    if text.startswith("["):  # [v6]:port
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # v4:port; a bare v6 address has several colons
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # one client, one key, whichever socket family it came on
    return address


def client_ip_from_meta(meta: Mapping[str, Any]) -> str | None:
    """The client's address from WSGI-style ``META``: the one answer for lockout, limits, audit.

    ``X-Forwarded-For`` is anyone's to write, so it counts only when the connecting peer is a
    proxy listed in ``SHEQU_TRUSTED_PROXIES``. Then the list is read from the right (each
    proxy appends the address it saw) past every trusted proxy, and the first address that is
    not a trusted proxy is the client: entries to its left are the client's own claims.
    """
    address = _parse_ip(meta.get("REMOTE_ADDR"))
    if address is None:
        return None
    trusted = _trusted_networks(tuple(settings.SHEQU_TRUSTED_PROXIES))
    hops = str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for raw in reversed(hops):
        if not any(address in network for network in trusted):
            break
        hop = _parse_ip(raw)
        if hop is None:
            # A trusted proxy that passed no readable address: the proxy is the best we know,
            # never a value further left that the client could have written.
            break
        address = hop
    return str(address)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address for a request (see ``client_ip_from_meta``); also axes' callable."""
    if request is None:
        return None
    return client_ip_from_meta(request.META)


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


@transaction.atomic
def audit_export_record(
    *,
    actor: Any,
    file_format: str,
    filters: Mapping[str, Any],
    rows: int,
    division_code: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Trail an export of the audit trail itself: who took which slice, in which format."""
    return audit_record(
        actor=actor,
        verb="audit.export",
        division_code=division_code,
        ip=ip,
        changes={
            "format": file_format,
            "filters": {k: str(v) for k, v in filters.items() if v},
            "rows": rows,
        },
    )


def pii_reveal_reason_clean(reason: str) -> str:
    """The reason staff give for seeing a full ID or phone number, whitespace folded.

    Raises: DomainError ``reason_required`` (shorter than 4 characters).
    """
    text = " ".join(reason.split())
    if len(text) < 4:
        raise DomainError(
            "reason_required",
            _("Please give the reason for viewing the full number (at least 4 characters)."),
            field="reason",
        )
    return text


def pii_reveal_allowance_check(actor: Any) -> None:
    """Staff reveal full ID and phone numbers (registry or form answers) a limited number of
    times an hour, all kinds together, counted from the audit trail.

    Raises: RateLimited.
    """
    window_start = timezone.now() - timedelta(hours=1)
    recent = AuditEvent.objects.filter(
        actor=actor, verb="pii.reveal", created_at__gte=window_start
    ).count()
    if recent >= settings.SHEQU_PII_REVEALS_PER_HOUR:
        raise RateLimited(
            "reveal_rate_limited",
            _("You have viewed too many full numbers in the last hour. Please try later."),
        )


def task_progress_update(record_id: str, *, done: int, total: int, message: str = "") -> None:
    """Record how far a running task is, for the console's progress bars (also a heartbeat).

    A record already finished or failed (its worker was given up for lost) is left alone."""
    fraction = 0.0 if total <= 0 else min(1.0, done / total)
    TaskRecord.objects.filter(
        pk=record_id, status__in=(TaskRecord.Status.READY, TaskRecord.Status.RUNNING)
    ).update(
        progress=fraction,
        progress_message=message[:200],
        status=TaskRecord.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )


def task_heartbeat(record_id: str, worker_id: str) -> bool:
    """The worker ``worker_id`` is alive and still running the task; False once it is not
    the task's worker any more (the sweep gave the attempt up)."""
    return bool(
        TaskRecord.objects.filter(
            pk=record_id, worker_id=worker_id, status=TaskRecord.Status.RUNNING
        ).update(heartbeat_at=timezone.now())
    )


def task_record_start(record_id: str, worker_id: str) -> bool:
    """Claim a queued record for ``worker_id``; False when it already finished or failed
    (a duplicate delivery from the queue runs nothing)."""
    record = TaskRecord.objects.filter(pk=record_id).first()
    if record is None or record.status in (
        TaskRecord.Status.SUCCESSFUL,
        TaskRecord.Status.FAILED,
    ):
        return False
    now = timezone.now()
    return bool(
        TaskRecord.objects.filter(pk=record_id, status=record.status).update(
            status=TaskRecord.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            worker_id=worker_id,
            attempts=models.F("attempts") + 1,
            worker_ids=[*record.worker_ids, worker_id],
        )
    )


def task_record_finish(
    record_id: str, *, result: Any = None, error: str = "", worker_id: str | None = None
) -> None:
    """Record the outcome. With ``worker_id``, only if that worker still owns the task."""
    status = TaskRecord.Status.FAILED if error else TaskRecord.Status.SUCCESSFUL
    records = TaskRecord.objects.filter(pk=record_id)
    if worker_id is not None:
        records = records.filter(worker_id=worker_id, status=TaskRecord.Status.RUNNING)
    records.update(
        status=status,
        result=result,
        error=error,
        failure=TaskRecord.Failure.ERROR if error else "",
        progress=1.0 if not error else models.F("progress"),
        finished_at=timezone.now(),
    )


@dataclass(frozen=True)
class SweepReport:
    retried: list[str]
    failed: list[str]


def tasks_sweep_stale(*, now: datetime | None = None) -> SweepReport:
    """Retry or fail running tasks whose worker stopped beating (killed, machine lost).

    A task with no heartbeat for ``TASKS_STALE_AFTER_SECONDS`` is queued again when it is
    declared idempotent (``when_stale(retry=True)``) and has been lost fewer than
    ``TASKS_STALE_RETRIES`` times; otherwise it is failed with ``failure = stale``, which the
    user sees, and its ``give_up`` hook fails what it was driving. Each decision is audited.
    Safe to run from several workers at once: each record is claimed by a conditional update.
    """
    from shequ.core.task_policies import policy_for

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS)
    stale = list(
        TaskRecord.objects.filter(status=TaskRecord.Status.RUNNING)
        .filter(
            models.Q(heartbeat_at__lt=cutoff)
            | models.Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
            | models.Q(heartbeat_at__isnull=True, started_at__isnull=True)
        )
        .order_by("heartbeat_at")[:500]
    )
    retried: list[str] = []
    failed: list[str] = []
    for record in stale:
        policy = policy_for(record.task_path)
        retry = policy.retry and record.lost_workers < settings.TASKS_STALE_RETRIES
        with transaction.atomic():
            claimed = TaskRecord.objects.filter(
                pk=record.pk,
                status=TaskRecord.Status.RUNNING,
                worker_id=record.worker_id,
                heartbeat_at=record.heartbeat_at,
            )
            last_seen = record.heartbeat_at or record.started_at
            if retry:
                if not claimed.update(
                    status=TaskRecord.Status.READY,
                    worker_id="",
                    heartbeat_at=None,
                    progress=0.0,
                    progress_message="",
                    lost_workers=models.F("lost_workers") + 1,
                ):
                    continue
                verb = "task.retry_stale"
                transaction.on_commit(partial(_requeue, record.pk))
                retried.append(record.pk)
            else:
                if not claimed.update(
                    status=TaskRecord.Status.FAILED,
                    failure=TaskRecord.Failure.STALE,
                    error=f"worker {record.worker_id or '?'} stopped responding; "
                    f"last heartbeat {last_seen.isoformat() if last_seen else 'never'}",
                    lost_workers=models.F("lost_workers") + 1,
                    finished_at=now,
                ):
                    continue
                failed.append(record.pk)
                verb = "task.fail_stale"
            audit_record(
                actor=None,
                verb=verb,
                target=record,
                reason="worker stopped responding",
                changes={
                    "task": record.task_path,
                    "status": [record.status, "READY" if retry else "FAILED"],
                    "last_heartbeat": last_seen.isoformat() if last_seen else None,
                    "attempts": record.attempts,
                },
            )
        if not retry and policy.give_up is not None:
            record.refresh_from_db()
            try:
                policy.give_up(record)
            except Exception:
                logger.exception("give-up hook of %s failed", record.task_path)
    return SweepReport(retried=retried, failed=failed)


def _requeue(record_id: str) -> None:
    from django_tasks import default_task_backend

    send = getattr(default_task_backend, "run_record", None)
    if send is not None:
        send(record_id)
