"""Residents' bills, paying through the provider's cashier, receipts; the local cashier page."""

import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.payments import selectors, services
from shequ.payments.forms import BindAccountForm, DonationForm
from shequ.payments.models import GatewayCharge, Payment
from shequ.people.models import User


@login_required
def bill_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    try:
        services.utility_dues_sync_for_user(user=user)
    except DomainError:
        # The companies' interface is down: show what we have; the next visit asks again.
        messages.warning(request, _("Could not reach the utility companies; bills may be late."))
    bills = selectors.bill_list_for_user(user=user)[:200]
    accounts = selectors.utility_accounts_for_user(user=user)
    return render(request, "payments/bill_list.html", {"bills": bills, "accounts": accounts})


@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    """The resident's bound utility accounts (户号) and binding a new one."""
    user = cast(User, request.user)
    form = BindAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.utility_account_bind(
                actor=user,
                company_id=form.cleaned_data["company"].pk,
                number=form.cleaned_data["number"],
                label=form.cleaned_data["label"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(
                request,
                _("Bound %(company)s account %(number)s (%(holder)s).")
                % {
                    "company": account.company.name,
                    "number": account.number,
                    "holder": account.holder_masked,
                },
            )
            return redirect("payments:bill_list")
    context = {"form": form, "accounts": selectors.utility_accounts_for_user(user=user)}
    return render(request, "payments/accounts.html", context)


@login_required
@require_POST
def unbind(request: HttpRequest, account_id: int) -> HttpResponse:
    services.utility_account_unbind(actor=cast(User, request.user), account_id=account_id)
    messages.success(request, _("Account unbound. Its bills stay in your list."))
    return redirect("payments:accounts")


@login_required
def donate(request: HttpRequest, code: str) -> HttpResponse:
    """Give to a community's foundation (社区基金) online; the cashier opens next."""
    community = selectors.donation_community(code)
    form = DonationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = cast(User, request.user)
        try:
            bill = services.donation_start(
                actor=user,
                community_code=community.code,
                amount=form.cleaned_data["amount"],
                purpose=form.cleaned_data["purpose"],
                name_public=form.cleaned_data["name_public"],
            )
            _payment, charge = services.payment_start(
                actor=user, bill_id=bill.pk, idempotency_key=uuid.uuid4().hex
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            return redirect(charge.pay_url)
    return render(request, "payments/donate.html", {"form": form, "community": community})


@login_required
def bill_detail(request: HttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.bill_get_for_user(user=request.user, bill_id=bill_id)
    pending = bill.payments.filter(status=Payment.Status.CREATED).exists()
    context = {
        "bill": bill,
        "receipt": selectors.receipt_for_bill(bill),
        "pending": pending,
        # A fresh key per page view: a double click sends the same key twice.
        "idempotency_key": uuid.uuid4().hex,
    }
    htmx = request.headers.get("HX-Request") == "true"
    template = "payments/_bill_status.html" if htmx else "payments/bill_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def pay(request: HttpRequest, bill_id: int) -> HttpResponse:
    try:
        _payment, charge = services.payment_start(
            actor=cast(User, request.user),
            bill_id=bill_id,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("payments:bill", bill_id=bill_id)
    return redirect(charge.pay_url)


@login_required
def gateway(request: HttpRequest, txn_id: str) -> HttpResponse:
    """The local gateway's cashier page (收银台): what the payer sees at the provider."""
    charge = GatewayCharge.objects.filter(txn_id=txn_id).first()
    payment = Payment.objects.filter(
        provider_txn_id=txn_id, bill__user=cast(User, request.user)
    ).first()
    if charge is None or payment is None:
        raise NotFound("payment_not_found", _("Unknown transaction."))
    if request.method == "POST":
        services.local_gateway_confirm(txn_id=txn_id)
        return redirect("payments:bill", bill_id=payment.bill_id)
    return render(request, "payments/gateway.html", {"charge": charge, "payment": payment})
