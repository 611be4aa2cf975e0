"""The audit viewer (审计日志) for the city committee, auditors and administrators: the trail in
plain words, filtered, paged, and exported to CSV or Excel (each export itself audited)."""

import csv
import io
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.models import AuditEvent
from shequ.core.selectors import (
    AuditRow,
    audit_actor_labels_for,
    audit_event_list_for,
    audit_object_type_choices,
    audit_rows,
    audit_verb_choices,
)
from shequ.core.services import audit_export_record, client_ip
from shequ.people.permissions import areas_of, can_view_audit, staff_required

PAGE_SIZE = 50
# An export is a file for an auditor's spreadsheet, not a dump of the whole city's trail.
EXPORT_LIMIT = 50_000
FILTER_KEYS = ("actor", "verb", "object_type", "object_id")

EXPORT_COLUMNS = (
    gettext_lazy("Time"),
    gettext_lazy("Operator"),
    gettext_lazy("Operation"),
    gettext_lazy("Operation code"),
    gettext_lazy("Object type"),
    gettext_lazy("Affected object"),
    gettext_lazy("Object ID"),
    gettext_lazy("Jurisdiction"),
    gettext_lazy("Division code"),
    gettext_lazy("Reason"),
    gettext_lazy("Details"),
    "IP",
)


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filtered(request: HttpRequest) -> tuple[dict[str, Any], QuerySet[AuditEvent], list[str]]:
    """The filters asked for, the events they select, and what was wrong with them."""
    if not can_view_audit(request.user):
        raise PermissionDenied
    filters: dict[str, Any] = {key: request.GET.get(key, "")[:64].strip() for key in FILTER_KEYS}
    problems = []
    since_raw, until_raw = request.GET.get("since", ""), request.GET.get("until", "")
    since, until = _date(since_raw), _date(until_raw)
    if (since_raw and since is None) or (until_raw and until is None):
        problems.append(_("Please give the dates as year-month-day."))
    if since and until and since > until:
        problems.append(_("The start date is after the end date, so no event can match."))
    filters["since"], filters["until"] = since, until
    events = audit_event_list_for(request.user, **filters)
    return filters, events, problems


@staff_required
def audit_list(request: HttpRequest) -> HttpResponse:
    filters, events, problems = _filtered(request)
    for problem in problems:
        messages.error(request, problem)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "rows": audit_rows(page.object_list),
            "filters": filters,
            "since": filters["since"],
            "until": filters["until"],
            "verbs": audit_verb_choices(),
            "object_types": audit_object_type_choices(),
            "actors": audit_actor_labels_for(request.user),
            "export_query": query.urlencode(),
        },
    )


def _export_cells(row: AuditRow) -> list[str]:
    return [
        row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        row.actor,
        row.verb_label,
        row.verb,
        row.object_type_label,
        row.object_repr,
        row.object_id,
        row.division_name,
        row.division_code,
        row.reason,
        row.details,
        row.ip,
    ]


def _csv(rows: list[AuditRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in EXPORT_COLUMNS])
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(["'" + c if c[:1] in "=+-@" else c for c in _export_cells(row)])
    return out.getvalue().encode("utf-8-sig")  # the BOM tells Excel the file is UTF-8


def _xlsx(rows: list[AuditRow]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = _("Audit trail")[:31]
    sheet.append([str(c) for c in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells: list[Any] = _export_cells(row)
        cells[0] = row.created_at.replace(tzinfo=None)  # a real date cell, local time
        sheet.append(cells)
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd hh:mm:ss"
        for column in range(2, len(cells) + 1):
            sheet.cell(row=sheet.max_row, column=column).data_type = "s"
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKL", (20, 16, 24, 24, 14, 30, 10, 18, 14, 24, 40, 16), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@staff_required
def audit_export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The filtered trail as a file (CSV or Excel); the export is itself written to the trail."""
    filters, events, problems = _filtered(request)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("console:audit")
    rows = audit_rows(events[:EXPORT_LIMIT])
    areas = [a.division_code for a in areas_of(request.user) if a.division_code]
    audit_export_record(
        actor=request.user,
        file_format=file_format,
        filters=filters,
        rows=len(rows),
        division_code=areas[0] if len(areas) == 1 else "",
        ip=client_ip(request),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        response = HttpResponse(
            _xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{file_format}"'
    return response
