"""The audit viewer (审计日志) for the city committee, auditors and administrators."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.selectors import audit_event_list_for, audit_verbs
from shequ.people.permissions import can_view_audit, staff_required


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@staff_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not can_view_audit(request.user):
        raise PermissionDenied
    filters = {
        key: request.GET.get(key, "")[:64] for key in ("actor", "verb", "object_type", "object_id")
    }
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    events = audit_event_list_for(request.user, since=since, until=until, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "since": since,
            "until": until,
            "verbs": audit_verbs(),
        },
    )
