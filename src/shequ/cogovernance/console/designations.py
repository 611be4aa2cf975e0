"""Console pages of co-governance: demonstration-community designations."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.cogovernance import forms as f
from shequ.cogovernance import selectors
from shequ.cogovernance.console._common import PAGE, _console, _form_page, _run
from shequ.cogovernance.permissions import may_designate
from shequ.cogovernance.services import designations
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
