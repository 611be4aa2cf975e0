"""Public pages: each community's fund disclosure (公示), its downloads, receipts, objections."""

import csv
from decimal import Decimal
from io import BytesIO

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shequ.appeals.selectors import attach_requests_behind
from shequ.core.errors import DomainError
from shequ.core.services import client_ip
from shequ.core.storage import stored_file_response
from shequ.core.uploads import FILE_TYPES
from shequ.funds import selectors
from shequ.funds.models import ApprovalRecord, Donation, Payment
from shequ.funds.services import objections
from shequ.web.community_choice import choose_community


def home(request: HttpRequest) -> HttpResponse:
    """Go to one's own community's funds; others choose a community."""
    return choose_community(request, url_name="funds:community", title=_("Community funds"))


SECTION_TEMPLATES = {
    "decisions": "funds/_decisions.html",
    "spending": "funds/_spending.html",
    "reservations": "funds/_reservations.html",
    "allocations": "funds/_allocations.html",
    "donations": "funds/_donations.html",
}


def _section_title(section: str) -> str:
    return str(
        {
            "decisions": gettext_lazy("Council decisions"),
            "spending": gettext_lazy("Spending"),
            "reservations": gettext_lazy("Reserved for budgeting rounds"),
            "allocations": gettext_lazy("Allocations"),
            "donations": gettext_lazy("Community foundation donations"),
        }[section]
    )


def _may_object(request: HttpRequest, code: str) -> bool:
    resident = getattr(request.user, "resident", None) if request.user.is_authenticated else None
    return resident is not None and resident.community_id == code


@require_GET
def community_funds(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone may read a community's money: the balances and the latest items of each
    section (allocations, decisions, spending, reservations, donations), each with a link to
    its full list. A fixed number of queries, whatever the size of the ledger."""
    data = selectors.community_disclosure(code)
    attach_requests_behind(commitments=data.commitments, decisions=data.decisions)
    shown = {
        "decisions": data.decisions,
        "spending": data.commitments,
        "reservations": data.reservations,
        "allocations": data.allocations,
        "donations": data.donations,
    }
    sections = [
        {
            "name": name,
            "title": _section_title(name),
            "template": SECTION_TEMPLATES[name],
            "items": shown[name],
            "total": data.counts[name],
            "more": data.more(name),
        }
        for name in selectors.SECTIONS
        # A community that never reserved money is not shown an empty reservations table.
        if name != "reservations" or data.counts[name]
    ]
    return render(
        request,
        "funds/community.html",
        {"data": data, "sections": sections, "may_object": _may_object(request, code)},
    )


@require_GET
def community_section(request: HttpRequest, code: str, section: str) -> HttpResponse:
    """The full list of one section of the disclosure, ``LATEST`` items a page."""
    community = selectors.community_get(code)
    queryset = selectors.public_section(code, section)
    page = Paginator(queryset, selectors.LATEST).get_page(request.GET.get("page"))
    if section == "decisions":
        selectors.decisions_with_window(list(page.object_list))
        attach_requests_behind(decisions=list(page.object_list))
    elif section == "spending":
        attach_requests_behind(commitments=list(page.object_list))
    return render(
        request,
        "funds/section.html",
        {
            "community": community,
            "section": section,
            "title": _section_title(section),
            "template": SECTION_TEMPLATES[section],
            "page": page,
            "may_object": _may_object(request, code),
        },
    )


def _disclosure_rows(code: str) -> tuple[list[str], list[list[object]]]:
    """Every disclosed item of the community (not only the latest), for the downloads."""
    selectors.community_get(code)
    header = [
        _("Type"),
        _("Date"),
        _("Item"),
        _("Fund"),
        _("Amount (yuan)"),
        _("Detail"),
    ]
    rows: list[list[object]] = []
    for line in selectors.public_allocations(code):
        rows.append([_("Allocation"), line.year, "", line.get_track_display(), line.amount, ""])
    for decision in selectors.public_decisions(code).iterator(chunk_size=2000):
        rows.append(
            [
                _("Council decision"),
                decision.meeting_date.isoformat(),
                decision.subject,
                "",
                decision.amount,
                f"{decision.votes_for}/{decision.votes_against}/{decision.votes_abstain}",
            ]
        )
    for reservation in selectors.public_reservations(code).iterator(chunk_size=2000):
        rows.append(
            [
                _("Reservation"),
                reservation.created_at.date().isoformat(),
                reservation.purpose,
                reservation.get_track_display(),
                reservation.amount,
                reservation.get_status_display(),
            ]
        )
    for item in selectors.public_spending(code).iterator(chunk_size=2000):
        rows.append(
            [
                _("Commitment"),
                item.created_at.date().isoformat(),
                item.project,
                item.get_track_display(),
                item.amount,
                item.supplier,
            ]
        )
        for payment in item.payments.all():
            detail = payment.invoice_number
            if payment.urgent_reason:
                detail += " · " + _("paid before the objection period ended: %(reason)s") % {
                    "reason": payment.urgent_reason
                }
            rows.append(
                [
                    _("Payment"),
                    payment.created_at.date().isoformat(),
                    item.project,
                    item.get_track_display(),
                    payment.amount,
                    detail,
                ]
            )
    for donation in selectors.public_donations(code).iterator(chunk_size=2000):
        rows.append(
            [
                _("Donation"),
                donation.received_at.date().isoformat(),
                donation.purpose,
                "",
                donation.amount,
                donation.donor_public,
            ]
        )
    return [str(h) for h in header], rows


@require_GET
def disclosure_csv(request: HttpRequest, code: str) -> HttpResponse:
    header, rows = _disclosure_rows(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="funds-{code}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@require_GET
def disclosure_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    import openpyxl

    header, rows = _disclosure_rows(code)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101
    sheet.title = "公示"
    sheet.append(header)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="funds-{code}.xlsx"'
    return response


def _file(field: FieldFile) -> HttpResponseBase:
    # Receipts and decision minutes are part of the fund's public disclosure (公示): anyone may
    # read them here, but they are kept in the private store so this view stays the one gate
    # (a bucket address cannot be guessed or listed, and a later rule lands in one place).
    if not field:
        raise Http404
    name = field.name or ""
    extension = name.rsplit(".", 1)[-1].lower()
    content_type = FILE_TYPES.get(extension, ("application/octet-stream", ()))[0]
    return stored_file_response(field.storage, name, content_type=content_type)


@require_GET
def payment_receipt(request: HttpRequest, payment_id: int) -> HttpResponseBase:
    """Receipts are part of the disclosure."""
    return _file(get_object_or_404(Payment, pk=payment_id).receipt)


@require_GET
def donation_receipt(request: HttpRequest, donation_id: int) -> HttpResponseBase:
    return _file(get_object_or_404(Donation, pk=donation_id).receipt)


@require_GET
def decision_minutes(request: HttpRequest, approval_id: int) -> HttpResponseBase:
    return _file(get_object_or_404(ApprovalRecord, pk=approval_id).minutes)


@require_POST
def object_to_decision(request: HttpRequest, approval_id: int) -> HttpResponse:
    decision = get_object_or_404(ApprovalRecord, pk=approval_id)
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next=/funds/{decision.community_id}/")
    try:
        objections.objection_raise(
            actor=request.user,
            approval_id=approval_id,
            reason=request.POST.get("reason", "")[:2000],
            ip=client_ip(request),
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your objection is recorded; the street office will answer."))
    return redirect("funds:community", code=decision.community_id)
