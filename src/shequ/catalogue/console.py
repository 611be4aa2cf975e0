"""Department staff edit their own department's services."""

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.catalogue import selectors, services
from shequ.catalogue.forms import ServiceForm
from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.people.models import User
from shequ.people.permissions import staff_required


@staff_required
def service_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.service_list_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "catalogue/console/service_list.html", {"page": page})


@staff_required
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = selectors.service_get_for(user=request.user, service_id=service_id)
    initial = {field: getattr(service, field) for field in services.EDITABLE}
    form = ServiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                actor=cast(User, request.user), service_id=service.pk, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The service is saved."))
            return redirect("catalogue_console:list")
    return render(
        request,
        "catalogue/console/service_edit.html",
        {"form": form, "service": service},
        status=400 if form.errors else 200,
    )
