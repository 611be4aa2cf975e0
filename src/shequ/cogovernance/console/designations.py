"""Console pages of co-governance: demonstration-community designations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.cogovernance import forms as f
from shequ.cogovernance import selectors
from shequ.cogovernance.console._common import PAGE, _console, _form_page, _posted, _run
from shequ.cogovernance.models import Designation
from shequ.cogovernance.permissions import can_designate, may_designate
from shequ.cogovernance.services import designations
from shequ.cogovernance.services._common import not_found
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers

# Designations --------------------------------------------------------------------------


@staff_required
def designation_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    page = Paginator(selectors.designation_list_for(user), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cogovernance/console/designations.html",
        {"page": page, "may_designate": may_designate(user)},
    )


@staff_required
def designation_new(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    if not may_designate(user):
        raise DjangoPermissionDenied
    form = f.DesignationForm(request.POST or None, request.FILES or None)
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("evidence_file")
        done = _run(
            form,
            lambda: designations.designation_create(
                actor=user, data=data, evidence_file=upload, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Community designated."))
            return redirect("cogovernance_console:designations")
    return _form_page(
        request,
        form,
        _("Designate a demonstration community"),
        back="cogovernance_console:designations",
        multipart=True,
    )


def _designation_to_edit(request: HttpRequest, designation_id: int) -> Designation:
    user = _console(request)
    designation = selectors.designation_get_for(user, designation_id=designation_id)
    if not can_designate(user, designation.community_id):
        raise not_found()
    return designation


@staff_required
def designation_edit(request: HttpRequest, designation_id: int) -> HttpResponse:
    user = _console(request)
    designation = _designation_to_edit(request, designation_id)
    form = f.DesignationEditForm(
        _posted(request),
        request.FILES or None,
        initial={
            "criteria": designation.criteria,
            "evidence": designation.evidence,
            "evidence_links": designation.evidence_links,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("evidence_file")
        done = _run(
            form,
            lambda: designations.designation_update(
                actor=user,
                designation_id=designation_id,
                data=data,
                evidence_file=upload,
                ip=client_ip(request),
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:designations")
    return _form_page(
        request,
        form,
        _("Edit the designation"),
        back="cogovernance_console:designations",
        multipart=True,
        intro=f"{designation.year} · {designation.community}",
    )


@staff_required
def designation_revoke(request: HttpRequest, designation_id: int) -> HttpResponse:
    user = _console(request)
    designation = _designation_to_edit(request, designation_id)
    form = f.RevokeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: designations.designation_revoke(
                actor=user,
                designation_id=designation_id,
                data=form.cleaned_data,
                ip=client_ip(request),
            ),
        )
        if done is not None:
            messages.success(request, _("Designation revoked."))
            return redirect("cogovernance_console:designations")
    return _form_page(
        request,
        form,
        _("Revoke the designation"),
        back="cogovernance_console:designations",
        intro=f"{designation.year} · {designation.community}",
    )
