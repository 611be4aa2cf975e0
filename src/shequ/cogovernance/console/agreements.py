"""Console pages of co-governance: co-building agreements, commitments and deliveries."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.cogovernance import forms as f
from shequ.cogovernance import selectors
from shequ.cogovernance.console._common import (
    PAGE,
    _area,
    _console,
    _editable,
    _form_page,
    _posted,
    _run,
)
from shequ.cogovernance.models import Delivery
from shequ.cogovernance.permissions import can_edit
from shequ.cogovernance.services import agreements
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers

# Agreements ----------------------------------------------------------------------------


@staff_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    area = _area(request)
    page = Paginator(selectors.agreement_list_for(user, area=area), PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "cogovernance/console/agreements.html", {"page": page})


@staff_required
def agreement_new(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = f.AgreementForm(request.POST or None, user=user)
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        agreement = _run(
            form,
            lambda: agreements.agreement_create(
                actor=user, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if agreement is not None:
            messages.success(request, _("Agreement recorded: now add its commitments."))
            return redirect("cogovernance_console:agreement", agreement.pk)
    return _form_page(
        request, form, _("New co-building agreement"), back="cogovernance_console:agreements"
    )


def _agreement_page(
    request: HttpRequest,
    agreement_id: int,
    *,
    commitment_form: Any = None,
    delivery_form: Any = None,
) -> HttpResponse:
    agreement = selectors.agreement_get_for(request.user, agreement_id=agreement_id)
    rows = selectors.commitment_rows(agreement)
    choices = [(str(r.commitment.pk), r.commitment.description) for r in rows]
    bound = any(x is not None and x.errors for x in (commitment_form, delivery_form))
    return render(
        request,
        "cogovernance/console/agreement.html",
        {
            "agreement": agreement,
            "rows": rows,
            "rate": selectors.agreement_rate(rows),
            "deliveries": selectors.deliveries_of(agreement),
            "projects": selectors.project_list_for(request.user).filter(
                commitment__agreement=agreement
            ),
            "commitment_form": commitment_form or f.CommitmentForm(),
            "delivery_form": delivery_form or f.DeliveryForm(commitments=choices),
            "may_edit": can_edit(request.user, agreement.community_id),
        },
        status=400 if bound else 200,
    )


@staff_required
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    _console(request)
    return _agreement_page(request, agreement_id)


@staff_required
@require_POST
def commitment_add(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _console(request)
    form = f.CommitmentForm(request.POST)
    if form.is_valid():
        done = _run(
            form,
            lambda: agreements.commitment_add(
                actor=user, agreement_id=agreement_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Commitment added."))
            return redirect("cogovernance_console:agreement", agreement_id)
    return _agreement_page(request, agreement_id, commitment_form=form)


@staff_required
@require_POST
def delivery_add(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _console(request)
    agreement = selectors.agreement_get_for(user, agreement_id=agreement_id)
    choices = [(str(c.pk), c.description) for c in agreement.commitments.all()]
    form = f.DeliveryForm(request.POST, request.FILES, commitments=choices)
    if form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo")
        done = _run(
            form,
            lambda: agreements.delivery_record(
                actor=user,
                commitment_id=int(data["commitment"]),
                data=data,
                photo=photo,
                ip=client_ip(request),
            ),
        )
        if done is not None:
            messages.success(request, _("Delivery recorded."))
            return redirect("cogovernance_console:agreement", agreement_id)
    return _agreement_page(request, agreement_id, delivery_form=form)


# Corrections ---------------------------------------------------------------------------


@staff_required
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = _console(request)
    agreement = selectors.agreement_get_for(user, agreement_id=agreement_id)
    _editable(user, agreement.community_id)
    form = f.AgreementEditForm(
        _posted(request),
        user=user,
        initial={
            "unit": agreement.unit_id,
            "title": agreement.title,
            "starts_on": agreement.starts_on,
            "ends_on": agreement.ends_on,
            "signed_on": agreement.signed_on,
        },
    )
    intro = ""
    if Delivery.objects.filter(commitment__agreement=agreement).exists():
        form.fields["unit"].disabled = True
        intro = _("The unit cannot change once deliveries are recorded.")
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: agreements.agreement_update(
                actor=user, agreement_id=agreement_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:agreement", agreement_id)
    return _form_page(
        request,
        form,
        _("Edit the agreement"),
        back="cogovernance_console:agreement",
        back_args=(agreement_id,),
        intro=intro,
    )


@staff_required
def commitment_edit(request: HttpRequest, commitment_id: int) -> HttpResponse:
    user = _console(request)
    commitment = selectors.commitment_get_for(user, commitment_id=commitment_id)
    _editable(user, commitment.agreement.community_id)
    form = f.CommitmentForm(
        _posted(request),
        initial={
            "category": commitment.category,
            "description": commitment.description,
            "quantity": commitment.quantity or "",
            "unit_label": commitment.unit_label,
            "amount": commitment.amount or "",
        },
    )
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: agreements.commitment_update(
                actor=user,
                commitment_id=commitment_id,
                data=form.cleaned_data,
                ip=client_ip(request),
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:agreement", commitment.agreement_id)
    return _form_page(
        request,
        form,
        _("Edit the commitment"),
        back="cogovernance_console:agreement",
        back_args=(commitment.agreement_id,),
        intro=str(commitment.agreement),
    )
