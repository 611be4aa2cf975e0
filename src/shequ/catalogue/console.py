"""Department staff edit their own department's services."""

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.catalogue import selectors, services
from shequ.catalogue.forms import NewServiceForm, ServiceForm
from shequ.catalogue.permissions import departments_of, is_system_admin
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.forms import add_domain_error
from shequ.people.models import Department, User
from shequ.people.permissions import staff_required


@staff_required
def service_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.service_list_for(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    can_create = bool(departments_of(request.user)) or is_system_admin(request.user)
    return render(
        request, "catalogue/console/service_list.html", {"page": page, "can_create": can_create}
    )


@staff_required
def service_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    departments = Department.objects.filter(is_active=True).order_by("name")
    if not is_system_admin(user):
        departments = departments.filter(pk__in=departments_of(user))
    choices = list(departments.values_list("pk", "name"))
    if not choices:
        raise PermissionDenied(
            "not_your_department", _("Only department staff may publish services.")
        )
    form = NewServiceForm(
        request.POST or None, departments=choices, initial={"fee": 0, "is_published": True}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            service = services.service_create(
                actor=user,
                department_id=data.pop("department"),
                code=data.pop("code"),
                topic_codes=data.pop("topics"),
                **data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The service is published in the catalogue."))
            return redirect("catalogue_console:edit", service_id=service.pk)
    return render(
        request,
        "catalogue/console/service_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@staff_required
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = selectors.service_get_for(user=request.user, service_id=service_id)
    initial = {field: getattr(service, field) for field in services.EDITABLE}
    initial["sso_app"] = service.sso_app_id
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
