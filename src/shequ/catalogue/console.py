"""Department staff edit their own department's services."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.catalogue import selectors, services
from shequ.catalogue.forms import NewServiceForm, ServiceEditForm, TopicEditForm, TopicForm
from shequ.catalogue.permissions import can_manage_topics, departments_of, is_system_admin
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.forms import add_domain_error, form_status, submit
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
    initial["topics"] = list(service.topics.values_list("code", flat=True))
    initial["sso_app"] = service.sso_app_id
    form = ServiceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.service_update(
                actor=cast(User, request.user),
                service_id=service.pk,
                topic_codes=data.pop("topics"),
                **data,
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


def _require_topic_manager(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not can_manage_topics(user):
        raise DjangoPermissionDenied
    return user


@staff_required
def topic_list(request: HttpRequest) -> HttpResponse:
    """Life events and themes (the committee): the list and a form to add one."""
    user = _require_topic_manager(request)
    form = TopicForm(request.POST or None, initial={"order": 0})
    if done := submit(request, form, lambda data: services.topic_create(actor=user, **data)):
        messages.success(request, _("%(name)s is added.") % {"name": done.value.name})
        return redirect("catalogue_console:topic", topic_id=done.value.pk)
    return render(
        request,
        "catalogue/console/topic_list.html",
        {"form": form, "topics": selectors.topic_list_all()},
        status=form_status(form),
    )


@staff_required
def topic_edit(request: HttpRequest, topic_id: int) -> HttpResponse:
    """One life event or theme: its name, order and the services under it."""
    user = _require_topic_manager(request)
    topic = selectors.topic_get(topic_id=topic_id)
    initial = {
        "name": topic.name,
        "name_en": topic.name_en,
        "order": topic.order,
        "services": list(topic.services.values_list("pk", flat=True)),
    }
    form = TopicEditForm(request.POST or None, initial=initial)
    if done := submit(
        request,
        form,
        lambda data: services.topic_update(
            actor=user,
            topic_id=topic.pk,
            name=data["name"],
            name_en=data["name_en"],
            order=data["order"],
            service_ids=data["services"],
        ),
    ):
        messages.success(request, _("%(name)s is saved.") % {"name": done.value.name})
        return redirect("catalogue_console:topics")
    return render(
        request,
        "catalogue/console/topic_edit.html",
        {"form": form, "topic": topic, "services": selectors.topic_services(topic_id=topic.pk)},
        status=form_status(form),
    )
