"""Reads of the audit trail, scoped to the viewer's area."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from shequ.core.models import AuditEvent
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
