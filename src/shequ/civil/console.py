"""Staff pages of the registry: list, register or file, edit, grade, inspect, status, accounts."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.civil import selectors
from shequ.civil.forms import InspectionForm, InviteForm, OrganisationForm, RatingForm, StatusForm
from shequ.civil.models import Field, Kind, Organisation
from shequ.civil.permissions import may_use_civil_console
from shequ.civil.services import members, registry
from shequ.civil.services.registry import OrganisationData
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers


def _console_user(request: HttpRequest) -> None:
    if not may_use_civil_console(request.user):
        raise DjangoPermissionDenied


def _data(cleaned: dict[str, Any]) -> OrganisationData:
    return OrganisationData(
        name=cleaned["name"],
        kind=cleaned["kind"],
        credit_code=cleaned.get("credit_code") or "",
        authority_code=cleaned["authority"],
        registered_on=cleaned.get("registered_on"),
        fields=cleaned.get("fields_of_service") or [],
        service_area_codes=cleaned.get("service_areas") or [],
        address=cleaned.get("address") or "",
        legal_rep_name=cleaned["legal_rep_name"],
        legal_rep_id=cleaned.get("legal_rep_id") or "",
        legal_rep_phone=cleaned.get("legal_rep_phone") or "",
        staff_count=cleaned.get("staff_count") or 0,
        volunteer_count=cleaned.get("volunteer_count") or 0,
        incubation=cleaned.get("incubation") or "",
        incubation_base=cleaned.get("incubation_base") or "",
        bank_name=cleaned.get("bank_name") or "",
        bank_account=cleaned.get("bank_account") or "",
    )


def _run(form: Any, action: Callable[[], object]) -> bool:
    try:
        action()
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return False
    return True


@staff_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    """Organisations registered in or serving the staff member's areas."""
    _console_user(request)
    q = request.GET.get("q", "").strip()[:60]
    kind = request.GET.get("kind", "")
    field = request.GET.get("field", "")
    rows = selectors.organisation_list_for(user=request.user, q=q, kind=kind, field=field)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "civil/console/list.html",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "field": field,
            "kinds": Kind.choices,
            "fields": Field.choices,
            "may_register": selectors.may_register_somewhere(request.user),
        },
    )


@staff_required
def organisation_new(request: HttpRequest) -> HttpResponse:
    _console_user(request)
    if not selectors.may_register_somewhere(request.user):
        raise DjangoPermissionDenied
    form = OrganisationForm(request.POST or None)
    bind_pickers(form, request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created: list[Organisation] = []

        def save() -> None:
            organisation = registry.organisation_register(
                actor=request.user, data=_data(data), ip=client_ip(request)
            )
            if data.get("admin_phone"):
                members.invitation_send(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    phone=data["admin_phone"],
                    role="admin",
                    ip=client_ip(request),
                )
            created.append(organisation)

        try:
            with transaction.atomic():
                save()
        except DomainError as error:
            if error.status == 404:
                add_domain_error(form, DomainError(error.code, error.message, field="authority"))
            else:
                if error.code == "phone_format":
                    error.field = "admin_phone"
                add_domain_error(form, error)
        else:
            messages.success(request, _("The organisation is in the registry."))
            return redirect("civil_console:detail", organisation_id=created[0].pk)
    return render(
        request, "civil/console/form.html", {"form": form}, status=400 if form.errors else 200
    )


@staff_required
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    _console_user(request)
    try:
        organisation = registry.organisation_for_registrar(request.user, organisation_id)
    except NotFound:
        raise DjangoPermissionDenied from None
    initial = {
        "name": organisation.name,
        "kind": organisation.kind,
        "credit_code": organisation.credit_code or "",
        "authority": organisation.authority_id,
        "registered_on": organisation.registered_on,
        "fields_of_service": organisation.fields,
        "service_areas": list(organisation.service_areas.values_list("code", flat=True)),
        "address": organisation.address,
        "legal_rep_name": organisation.legal_rep_name.reveal()
        if organisation.legal_rep_name
        else "",
        "staff_count": organisation.staff_count,
        "volunteer_count": organisation.volunteer_count,
        "incubation": organisation.incubation,
        "incubation_base": organisation.incubation_base,
        "bank_name": organisation.bank_name,
    }
    form = OrganisationForm(request.POST or None, initial=initial, editing=True)
    bind_pickers(form, request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            form,
            lambda: registry.organisation_update(
                actor=request.user,
                organisation_id=organisation.pk,
                data=_data(form.cleaned_data),
                ip=client_ip(request),
            ),
        )
    ):
        messages.success(request, _("Saved."))
        return redirect("civil_console:detail", organisation_id=organisation.pk)
    return render(
        request,
        "civil/console/form.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )


@staff_required
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The record with its grades, inspections and accounts; registrars act on it here."""
    _console_user(request)
    organisation = (
        selectors.organisation_list_for(user=request.user).filter(pk=organisation_id).first()
    )
    if organisation is None:
        raise DjangoPermissionDenied
    try:
        registry.organisation_for_registrar(request.user, organisation.pk)
        may_manage = True
    except NotFound:
        may_manage = False
    post = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "") if post else ""
    forms: dict[str, Any] = {
        "rating": RatingForm(post if action == "rating" else None, prefix="rating"),
        "inspection": InspectionForm(post if action == "inspection" else None, prefix="insp"),
        "status": StatusForm(post if action == "status" else None, prefix="status"),
        "invite": InviteForm(post if action == "invite" else None, prefix="invite"),
    }
    if post is not None:
        if not may_manage:
            raise DjangoPermissionDenied
        ip = client_ip(request)
        done = False
        form = forms.get(action)
        if action == "end":
            try:
                members.membership_end(
                    actor=request.user,
                    membership_id=int(request.POST.get("membership") or 0),
                    ip=ip,
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The account no longer acts for the organisation."))
            return redirect("civil_console:detail", organisation_id=organisation.pk)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            calls: dict[str, Callable[[], object]] = {
                "rating": lambda: registry.rating_record(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    grade=data["grade"],
                    year=data["year"],
                    score=data.get("score"),
                    ip=ip,
                ),
                "inspection": lambda: registry.inspection_record(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    year=data["year"],
                    result=data["result"],
                    note=data.get("note") or "",
                    ip=ip,
                ),
                "status": lambda: registry.organisation_set_status(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    status=data["status"],
                    reason=data["reason"],
                    ip=ip,
                ),
                "invite": lambda: members.invitation_send(
                    actor=request.user,
                    organisation_id=organisation.pk,
                    phone=data["phone"],
                    role=data["role"],
                    ip=ip,
                ),
            }
            done = _run(form, calls[action])
        if done:
            messages.success(request, _("Saved."))
            return redirect("civil_console:detail", organisation_id=organisation.pk)
    return render(
        request,
        "civil/console/detail.html",
        {
            "organisation": organisation,
            "rating": selectors.current_rating(organisation),
            "members": selectors.members_of(organisation.pk),
            "may_manage": may_manage,
            "forms": forms,
        },
        status=400 if post is not None else 200,
    )
