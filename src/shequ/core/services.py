"""Writes of the core: the audit trail and task progress."""

import functools
import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings
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
