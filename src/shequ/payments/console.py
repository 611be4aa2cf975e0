"""Department staff: bills issued, issue a bill, refund, the daily reconciliation."""

from datetime import date
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.payments import selectors, services
from shequ.payments.forms import BillForm, RefundForm, UtilityCompanyForm
from shequ.payments.permissions import can_issue_bills, is_system_admin
from shequ.people.models import User
from shequ.people.permissions import areas_of, staff_required


def _department_id(user: User) -> int | None:
    ids = [a.department_id for a in areas_of(user) if a.department_id is not None]
    return ids[0] if ids else None


@staff_required
def bill_list(request: HttpRequest) -> HttpResponse:
    if not can_issue_bills(request.user):
        raise DjangoPermissionDenied
    user = cast(User, request.user)
    form = BillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        department_id = _department_id(user)
        try:
            if department_id is None:
                raise DomainError("no_department", _("You do not work for a department."))
            services.bill_issue(actor=user, department_id=department_id, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotFound):
                form.add_error("resident_id", str(error))
            else:
                add_domain_error(form, error)
        else:
            messages.success(request, _("The bill is issued."))
            return redirect("payments_console:bills")
    status = request.GET.get("status", "")
    page = Paginator(selectors.bill_list_for(user=user, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "payments/console/bill_list.html",
        {"form": form, "page": page, "status": status},
        status=400 if form.errors else 200,
    )


@staff_required
def bill_detail(request: HttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.bill_get_for(user=request.user, bill_id=bill_id)
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_refund(
                actor=cast(User, request.user), bill_id=bill.pk, **form.cleaned_data
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The refund is made."))
            return redirect("payments_console:bill", bill_id=bill.pk)
    return render(
        request,
        "payments/console/bill_detail.html",
        {"bill": bill, "form": form, "receipt": selectors.receipt_for_bill(bill)},
        status=400 if form.errors else 200,
    )


@staff_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    if not can_issue_bills(request.user):
        raise DjangoPermissionDenied
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    report = selectors.reconciliation_report(user=request.user, day=day)
    return render(request, "payments/console/reconciliation.html", {"report": report})


@staff_required
def companies(request: HttpRequest) -> HttpResponse:
    """Utility companies residents can bind accounts of (system administrators register them)."""
    user = cast(User, request.user)
    if not is_system_admin(user):
        raise DjangoPermissionDenied
    form = UtilityCompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.utility_company_create(
                actor=user,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                department_id=data["department"].pk,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The company is registered."))
            return redirect("payments_console:companies")
    return render(
        request,
        "payments/console/companies.html",
        {"form": form, "companies": selectors.utility_companies()},
        status=400 if form.errors else 200,
    )
