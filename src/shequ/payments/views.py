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
from shequ.payments.models import GatewayCharge, Payment
from shequ.people.models import User


@login_required
def bill_list(request: HttpRequest) -> HttpResponse:
    bills = selectors.bill_list_for_user(user=request.user)[:200]
    return render(request, "payments/bill_list.html", {"bills": bills})


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
