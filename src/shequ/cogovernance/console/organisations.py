"""Console pages of co-governance: the registry of organisations, members and graph."""

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
from shequ.cogovernance.permissions import can_edit
from shequ.cogovernance.services import organisations
from shequ.core.errors import DomainError
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers

# Organisations -------------------------------------------------------------------------


@staff_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    area = _area(request)
    area_form = f.AreaForm(initial={"area": area})
    bind_pickers(area_form, user)
    page = Paginator(selectors.organisation_list_for(user, area=area), PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cogovernance/console/organisations.html",
        {"page": page, "area": area, "area_form": area_form},
    )


def _org_data(form: Any) -> dict[str, Any]:
    return dict(form.cleaned_data)


@staff_required
def organisation_new(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = f.OrganisationForm(request.POST or None, user=user)
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        org = _run(
            form,
            lambda: organisations.organisation_create(
                actor=user, data=_org_data(form), ip=client_ip(request)
            ),
        )
        if org is not None:
            messages.success(request, _("Organisation added."))
            return redirect("cogovernance_console:organisation", org.pk)
    return _form_page(
        request, form, _("New organisation"), back="cogovernance_console:organisations"
    )


def _org_page(
    request: HttpRequest, organisation_id: int, *, form: Any = None, member_form: Any = None
) -> HttpResponse:
    org = selectors.organisation_get_for(request.user, organisation_id=organisation_id)
    if form is None:
        form = f.OrganisationForm(
            user=request.user,
            exclude=org.pk,
            initial={
                "kind": org.kind,
                "name": org.name,
                "division": org.division_id,
                "parent": org.parent_id or "",
                "civil_organisation": org.civil_organisation_id or "",
                "contact_name": org.contact_name,
            },
        )
        bind_pickers(form, request.user)
    if member_form is None:
        member_form = f.MemberForm()
        bind_pickers(member_form, request.user)
    members = [(m, selectors.member_name(m, request.user)) for m in org.members.all()]
    bound = (form.is_bound and form.errors) or (member_form.is_bound and member_form.errors)
    return render(
        request,
        "cogovernance/console/organisation.html",
        {
            "org": org,
            "form": form,
            "member_form": member_form,
            "members": members,
            "cease_form": f.CeaseForm(),
            "may_edit": can_edit(request.user, org.division_id),
        },
        status=400 if bound else 200,
    )


@staff_required
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = _console(request)
    if request.method != "POST":
        return _org_page(request, organisation_id)
    form = f.OrganisationForm(request.POST, user=user, exclude=organisation_id)
    bind_pickers(form, user)
    if form.is_valid():
        done = _run(
            form,
            lambda: organisations.organisation_update(
                actor=user,
                organisation_id=organisation_id,
                data=_org_data(form),
                ip=client_ip(request),
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:organisation", organisation_id)
    return _org_page(request, organisation_id, form=form)


@staff_required
@require_POST
def member_add(request: HttpRequest, organisation_id: int) -> HttpResponse:
    user = _console(request)
    form = f.MemberForm(request.POST)
    bind_pickers(form, user)
    if form.is_valid():
        done = _run(
            form,
            lambda: organisations.member_add(
                actor=user,
                organisation_id=organisation_id,
                data=form.cleaned_data,
                ip=client_ip(request),
            ),
        )
        if done is not None:
            messages.success(request, _("Member added."))
            return redirect("cogovernance_console:organisation", organisation_id)
    return _org_page(request, organisation_id, member_form=form)


@staff_required
@require_POST
def member_cease(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _console(request)
    form = f.CeaseForm(request.POST)
    organisation_id = int(request.POST.get("organisation", "0") or 0)
    if not form.is_valid():
        messages.error(request, _("Enter a date such as 2025-03-01."))
    else:
        try:
            member = organisations.member_cease(
                actor=user,
                member_id=member_id,
                ceased_on=form.cleaned_data["ceased_on"],
                ip=client_ip(request),
            )
            organisation_id = member.organisation_id
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
    return redirect("cogovernance_console:organisation", organisation_id)


@staff_required
def graph(request: HttpRequest, code: str) -> HttpResponse:
    _console(request)
    data = selectors.graph_for(request.user, community_code=code)
    return render(request, "cogovernance/console/graph.html", {"graph": data})


@staff_required
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _console(request)
    member = selectors.member_get_for(user, member_id=member_id)
    _editable(user, member.organisation.division_id)
    form = f.MemberEditForm(
        _posted(request),
        initial={
            "position": member.position,
            "term_start": member.term_start,
            "term_end": member.term_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: organisations.member_update(
                actor=user, member_id=member_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:organisation", member.organisation_id)
    return _form_page(
        request,
        form,
        _("Edit the member"),
        back="cogovernance_console:organisation",
        back_args=(member.organisation_id,),
        intro=f"{member.organisation} · {selectors.member_name(member, user)}",
    )
