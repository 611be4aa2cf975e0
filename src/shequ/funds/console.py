"""Staff pages for community money: allocation, a community's spending, reports."""

from decimal import Decimal
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.civil.selectors import organisation_choices_for
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.scopes import CITY_CODE, Role
from shequ.core.services import client_ip
from shequ.funds import councils, selectors
from shequ.funds.forms import (
    CommitmentForm,
    DecisionForm,
    DonationForm,
    FormulaForm,
    PaymentForm,
)
from shequ.funds.models import Commitment, Objection, SecurityFormula
from shequ.funds.permissions import (
    can_answer_objection,
    can_configure_allocation,
    can_manage_incentive_pool,
    can_record_decision,
    can_spend,
    can_view_funds,
)
from shequ.funds.services import allocation, decisions, donations, objections, spending
from shequ.people.permissions import areas_of, staff_required
from shequ.places.models import Division
from shequ.web.confirmations import confirmation_page


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or timezone.now().year)
    except ValueError:
        return timezone.now().year


def _home_division(user: Any) -> str:
    areas = [a for a in areas_of(user) if a.division_code]
    if any(a.role == Role.SYSTEM_ADMIN for a in areas_of(user)) or not areas:
        return CITY_CODE
    return areas[0].division_code or CITY_CODE


def allocation_post_consequence(year: int, district_name: str) -> str:
    """What posting an allocation does, said before it is done (page and dialog alike)."""
    if district_name:
        return _(
            "Posting writes the %(year)s security and incentive funds of every community in "
            "%(district)s into their ledgers, where residents see them. A posted allocation "
            "cannot be taken back; only a correcting entry can change it."
        ) % {"year": year, "district": district_name}
    return _(
        "Posting writes the %(year)s security and incentive funds of every community in every "
        "ready district into their ledgers, where residents see them. A posted allocation "
        "cannot be taken back; only a correcting entry can change it."
    ) % {"year": year}


@staff_required
def funds_home(request: HttpRequest) -> HttpResponse:
    """Allocation preview per district for finance officers; a worker's community for workers."""
    year = _year(request)
    home = _home_division(request.user)
    division = Division.objects.filter(code=home).first()
    if division is not None and division.level == Division.Level.COMMUNITY:
        return redirect("funds_console:community", code=home)
    preview: list[allocation.DistrictPreview] = []
    try:
        preview = allocation.allocation_preview(actor=request.user, year=year)
    except NotFound:
        preview = []
    totals = {
        "security": sum((r.security for r in preview), Decimal("0.00")),
        "incentive": sum((r.incentive for r in preview), Decimal("0.00")),
        "communities": sum(r.communities for r in preview),
    }
    return render(
        request,
        "funds/console/home.html",
        {
            "year": year,
            "preview": preview,
            "totals": totals,
            "home": division,
            "may_post": any(not r.posted and r.has_formula for r in preview),
            "may_manage_pool": can_manage_incentive_pool(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def formula_edit(request: HttpRequest, year: int, district: str) -> HttpResponse:
    if not can_configure_allocation(request.user, district):
        raise NotFound("district_not_found", _("No such district in your area."))
    division = Division.objects.filter(code=district).first()
    existing = SecurityFormula.objects.filter(year=year, district_id=district).first()
    initial = (
        {f: str(getattr(existing, f)) for f in (*allocation.FORMULA_FIELDS, "city_share")}
        if existing
        else {"city_share": "50"}
    )
    form = FormulaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            allocation.formula_save(
                actor=request.user,
                year=year,
                district_code=district,
                data=form.cleaned_data,
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Formula saved."))
            return redirect(f"/console/funds/?year={year}")
    return render(
        request,
        "funds/console/formula.html",
        {"form": form, "year": year, "district": division},
    )


@staff_required
@require_POST
def allocation_post(request: HttpRequest, year: int) -> HttpResponse:
    district_code = request.POST.get("district", "")
    district = Division.objects.filter(pk=district_code).first() if district_code else None
    if ask := confirmation_page(
        request,
        title=_("Post the allocation?"),
        consequence=allocation_post_consequence(year, district.name if district else ""),
        confirm_label=_("Post"),
        cancel_url=f"/console/funds/?year={year}",
    ):
        return ask
    try:
        runs = allocation.allocation_post(
            actor=request.user,
            year=year,
            district_code=request.POST.get("district") or None,
            ip=client_ip(request),
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Posted the %(year)s allocation for %(n)s district(s).")
            % {"year": year, "n": len(runs)},
        )
    return redirect(f"/console/funds/?year={year}")


@staff_required
@require_POST
def scores_import(request: HttpRequest, year: int) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError("file_required", "")
        result = allocation.scores_import(
            actor=request.user, year=year, file=upload, ip=client_ip(request)
        )
    except DomainError as error:
        messages.error(request, str(error) or _("Attach the file."))
    else:
        if result.errors:
            for number, problem in result.errors[:20]:
                messages.error(
                    request, _("Row %(row)s: %(problem)s") % {"row": number, "problem": problem}
                )
        else:
            messages.success(request, _("Imported %(n)s scores.") % {"n": result.saved})
    return redirect(f"/console/funds/?year={year}")


@staff_required
@require_POST
def pool_save(request: HttpRequest, year: int) -> HttpResponse:
    tiers = []
    for part in request.POST.get("tiers", "").split(","):
        if ":" in part:
            minimum, weight = part.split(":", 1)
            tiers.append([minimum.strip(), weight.strip()])
    try:
        allocation.incentive_pool_save(
            actor=request.user,
            year=year,
            amount=request.POST.get("amount", ""),
            method=request.POST.get("method", ""),
            tiers=tiers,
            ip=client_ip(request),
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Incentive pool saved."))
    return redirect(f"/console/funds/?year={year}")


def _community_context(request: HttpRequest, code: str) -> dict[str, Any]:
    if not can_view_funds(request.user, code):
        raise NotFound("community_not_found", _("No such community in your area."))
    data = selectors.community_disclosure(code)
    may_spend = can_spend(request.user, code)
    spending_pages = Paginator(selectors.community_spending_for_staff(code), selectors.LATEST)
    # Several forms share one page: distinct ids keep every label tied to its own field.
    commit_form = CommitmentForm(initial={"year": timezone.now().year}, auto_id="commit_%s")
    commit_form.fields["approval"].choices = [  # type: ignore[attr-defined]
        (d.pk, f"{d.meeting_date} {d.subject} ({d.amount})")
        for d in selectors.decisions_with_room(code)[:100]
    ]
    commit_form.fields["organisation"].choices = [  # type: ignore[attr-defined]
        ("", "—"),
        *organisation_choices_for(code),
    ]
    latest_objections = list(
        Objection.objects.filter(community_id=code).select_related("approval").order_by("-id")[:50]
    )
    return {
        "data": data,
        "page": spending_pages.get_page(request.GET.get("page")),
        "may_spend": may_spend,
        "may_decide": can_record_decision(request.user, code),
        "may_answer": can_answer_objection(request.user, code),
        "decision_form": DecisionForm(auto_id="decision_%s", meetings=_meetings(code)),
        "register_today": councils.members_in_office(code, timezone.localdate()),
        "commit_form": commit_form,
        "donation_form": DonationForm(auto_id="donation_%s"),
        "objections": latest_objections,
        "now": timezone.now(),
    }


def _meetings(code: str) -> list[tuple[int, str]]:
    """The community's held council meetings to choose from, with their counts."""
    return [
        (
            m.meeting_id,
            _("%(day)s %(title)s (%(present)s of %(total)s members signed in)")
            % {"day": m.held_on, "title": m.title, "present": m.present, "total": m.in_office},
        )
        for m in councils.meetings_held(code)
    ]


@staff_required
def community(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "funds/console/community.html", _community_context(request, code))


def _done(request: HttpRequest, code: str, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("funds_console:community", code=code)


def _form_error(request: HttpRequest, code: str, form: Any) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("funds_console:community", code=code)


@staff_required
@require_POST
def decision_create(request: HttpRequest, code: str) -> HttpResponse:
    form = DecisionForm(request.POST, request.FILES, meetings=_meetings(code))
    if not form.is_valid():
        return _form_error(request, code, form)
    data = form.cleaned_data
    return _done(
        request,
        code,
        lambda: decisions.approval_record_create(
            actor=request.user, community_code=code, ip=client_ip(request), **data
        ),
        _("Decision recorded and disclosed."),
    )


@staff_required
@require_POST
def commitment_create(request: HttpRequest, code: str) -> HttpResponse:
    form = CommitmentForm(request.POST)
    form.fields["approval"].choices = [(request.POST.get("approval"), "")]  # type: ignore[attr-defined]
    # The service checks the organisation; the form only reads its number.
    form.fields["organisation"].choices = [  # type: ignore[attr-defined]
        ("", "—"),
        (request.POST.get("organisation", ""), ""),
    ]
    if not form.is_valid():
        return _form_error(request, code, form)
    data = dict(form.cleaned_data)
    approval_id = data.pop("approval")
    data["organisation_id"] = data.pop("organisation")
    data["supplier"] = data.get("supplier") or ""
    return _done(
        request,
        code,
        lambda: spending.commitment_create(
            actor=request.user,
            community_code=code,
            approval_id=approval_id,
            ip=client_ip(request),
            **data,
        ),
        _("Committed."),
    )


def _commitment_code(request: HttpRequest, commitment_id: int) -> str:
    return selectors.commitment_get_for(request.user, commitment_id).community_id


@staff_required
@require_POST
def payment_create(request: HttpRequest, commitment_id: int) -> HttpResponse:
    code = _commitment_code(request, commitment_id)
    form = PaymentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_error(request, code, form)
    return _done(
        request,
        code,
        lambda: spending.payment_create(
            actor=request.user,
            commitment_id=commitment_id,
            ip=client_ip(request),
            **form.cleaned_data,
        ),
        _("Payment recorded."),
    )


@staff_required
@require_POST
def commitment_close(request: HttpRequest, commitment_id: int) -> HttpResponse:
    code = _commitment_code(request, commitment_id)
    return _done(
        request,
        code,
        lambda: spending.commitment_close(
            actor=request.user, commitment_id=commitment_id, ip=client_ip(request)
        ),
        _("Closed; the unspent money is back in the fund."),
    )


@staff_required
@require_POST
def objection_answer(request: HttpRequest, objection_id: int) -> HttpResponse:
    objection = Objection.objects.filter(pk=objection_id).first()
    if objection is None or not can_answer_objection(request.user, objection.community_id):
        raise NotFound("objection_not_found", _("No such objection in your area."))
    return _done(
        request,
        objection.community_id,
        lambda: objections.objection_answer(
            actor=request.user,
            objection_id=objection_id,
            answer=request.POST.get("answer", ""),
            ip=client_ip(request),
        ),
        _("Answered: the answer is on the public disclosure page and in the resident's inbox."),
    )


@staff_required
@require_POST
def donation_create(request: HttpRequest, code: str) -> HttpResponse:
    form = DonationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_error(request, code, form)
    return _done(
        request,
        code,
        lambda: donations.donation_record(
            actor=request.user, community_code=code, ip=client_ip(request), **form.cleaned_data
        ),
        _("Donation recorded."),
    )


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    """Execution rate and spending by category per child division, with a chart and Excel."""
    year = _year(request)
    code = request.GET.get("division") or _home_division(request.user)
    rows = selectors.funds_report(request.user, year=year, division_code=code)
    division = Division.objects.get(code=code)
    if request.GET.get("format") == "xlsx":
        return _report_xlsx(rows, year, code)
    months = selectors.monthly_payments(request.user, year=year, division_code=code)
    categories = [c for c, _label in Commitment.Category.choices]
    return render(
        request,
        "funds/console/report.html",
        {
            "year": year,
            "division": division,
            "rows": rows,
            "months": months,
            "chart": {
                "names": [r.name for r in rows],
                "allocated": [float(r.allocated) for r in rows],
                "paid": [float(r.paid) for r in rows],
                "categories": [str(label) for _c, label in Commitment.Category.choices],
                "by_category": [
                    float(sum(r.by_category.get(c, Decimal(0)) for r in rows)) for c in categories
                ],
                "months": [float(v) for _m, v in months],
            },
        },
    )


def _report_xlsx(rows: list[selectors.ReportRow], year: int, code: str) -> HttpResponse:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101
    sheet.append(["区划代码", "名称", "分配", "承诺中", "已支付", "执行率%"])
    for r in rows:
        sheet.append(
            [
                r.code,
                r.name,
                float(r.allocated),
                float(r.committed),
                float(r.paid),
                float(r.execution_rate),
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="funds-report-{code}-{year}.xlsx"'
    return response
