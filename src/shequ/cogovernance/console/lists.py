"""Console pages of co-governance: the three lists (needs, resources, projects) and matching."""

from typing import Any

from django.contrib import messages
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
from shequ.cogovernance.models import Need, Project
from shequ.cogovernance.permissions import can_edit
from shequ.cogovernance.services import lists
from shequ.core.errors import DomainError
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers

# Three lists ---------------------------------------------------------------------------


@staff_required
def lists_page(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    area = _area(request)
    area_form = f.AreaForm(initial={"area": area})
    bind_pickers(area_form, user)
    needs = selectors.need_list_for(user, area=area)
    projects = selectors.project_list_for(user, area=area)
    resources = _may_edit(user, list(selectors.resource_list_for(user, area=area)[:PAGE]))
    return render(
        request,
        "cogovernance/console/lists.html",
        {
            "area": area,
            "area_form": area_form,
            "needs": list(needs.exclude(status=Need.Status.CLOSED)[:PAGE]),
            "closed_needs": list(
                needs.filter(status=Need.Status.CLOSED)
                .select_related("merged_into")
                .order_by("-closed_at", "-id")[:PAGE]
            ),
            "resources": resources,
            "projects": _may_edit(user, list(projects.exclude(status=Project.Status.DONE)[:PAGE])),
            "done_projects": projects.filter(status=Project.Status.DONE).order_by(
                "-done_at", "-id"
            )[:PAGE],
        },
    )


def _may_edit(user: Any, rows: list[Any]) -> list[Any]:
    """Mark each row the user may change (auditors read the lists without the buttons)."""
    for row in rows:
        row.may_edit = can_edit(user, getattr(row, "division_id", None) or row.community_id)
    return rows


@staff_required
def need_new(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = f.NeedForm(request.POST or None, user=user)
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        need = _run(
            form,
            lambda: lists.need_create(actor=user, data=form.cleaned_data, ip=client_ip(request)),
        )
        if need is not None:
            messages.success(request, _("Need added to the list."))
            return redirect("cogovernance_console:need", need.pk)
    return _form_page(request, form, _("New need"), back="cogovernance_console:lists")


def _need_page(request: HttpRequest, need_id: int, form: Any = None) -> HttpResponse:
    need = selectors.need_get_for(request.user, need_id=need_id)
    found = selectors.suggestions(need)
    commitments = [
        (str(c.pk), f"{c.agreement.unit.name}: {c.description}")
        for c in selectors.commitment_choices(need.community_id)
    ]
    if form is None:
        form = f.MatchForm(
            resources=[(str(r.pk), r.title) for r, _v in found],
            commitments=commitments,
            initial={"title": need.title},
        )
    return render(
        request,
        "cogovernance/console/need.html",
        {
            "need": need,
            "suggestions": found,
            "form": form,
            "may_edit": can_edit(request.user, need.community_id),
            "projects": selectors.project_list_for(request.user).filter(need=need),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@staff_required
def need_detail(request: HttpRequest, need_id: int) -> HttpResponse:
    _console(request)
    return _need_page(request, need_id)


@staff_required
@require_POST
def match_confirm(request: HttpRequest, need_id: int) -> HttpResponse:
    user = _console(request)
    need = selectors.need_get_for(user, need_id=need_id)
    chosen = [
        (str(r.pk), r.title)
        for r in selectors.resource_list_for(user).filter(
            pk__in=[x for x in request.POST.getlist("resources") if x.isdigit()]
        )
    ]
    commitments = [
        (str(c.pk), str(c.description)) for c in selectors.commitment_choices(need.community_id)
    ]
    form = f.MatchForm(request.POST, resources=chosen, commitments=commitments)
    if form.is_valid():
        data = form.cleaned_data
        project = _run(
            form,
            lambda: lists.match_confirm(
                actor=user,
                need_id=need_id,
                resource_ids=[int(x) for x in data["resources"]],
                title=data["title"],
                commitment_id=int(data["commitment"]) if data["commitment"] else None,
                ip=client_ip(request),
            ),
        )
        if project is not None:
            messages.success(request, _("Match confirmed: the project is on the list."))
            return redirect("cogovernance_console:need", need_id)
    return _need_page(request, need_id, form)


@staff_required
def resource_new(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = f.ResourceForm(request.POST or None, user=user)
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: lists.resource_create(
                actor=user, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Resource added to the list."))
            return redirect("cogovernance_console:lists")
    return _form_page(request, form, _("New resource"), back="cogovernance_console:lists")


@staff_required
@require_POST
def resource_withdraw(request: HttpRequest, resource_id: int) -> HttpResponse:
    user = _console(request)
    lists.resource_withdraw(actor=user, resource_id=resource_id, ip=client_ip(request))
    messages.success(request, _("Resource withdrawn."))
    return redirect("cogovernance_console:lists")


@staff_required
@require_POST
def project_tie(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _console(request)
    raw = request.POST.get("commitment", "")
    try:
        lists.project_tie(
            actor=user,
            project_id=project_id,
            commitment_id=int(raw) if raw.isdigit() else None,
            ip=client_ip(request),
        )
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved."))
    return redirect("cogovernance_console:lists")


# Corrections and closing ---------------------------------------------------------------


def _need_initial(need: Need) -> dict[str, Any]:
    return {
        "title": need.title,
        "category": need.category,
        "description": need.description,
        "appeal": need.appeal_id or "",
        "survey": need.survey_id or "",
    }


@staff_required
def need_edit(request: HttpRequest, need_id: int) -> HttpResponse:
    user = _console(request)
    need = selectors.need_get_for(user, need_id=need_id)
    _editable(user, need.community_id)
    form = f.NeedEditForm(_posted(request), user=user, initial=_need_initial(need))
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: lists.need_update(
                actor=user, need_id=need_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:need", need_id)
    return _form_page(
        request,
        form,
        _("Edit the need"),
        back="cogovernance_console:need",
        back_args=(need_id,),
    )


@staff_required
def need_close(request: HttpRequest, need_id: int) -> HttpResponse:
    user = _console(request)
    need = selectors.need_get_for(user, need_id=need_id)
    _editable(user, need.community_id)
    form = f.NeedCloseForm(_posted(request), need=need)
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: lists.need_close(
                actor=user, need_id=need_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Need closed."))
            return redirect("cogovernance_console:need", need_id)
    return _form_page(
        request,
        form,
        _("Close the need"),
        back="cogovernance_console:need",
        back_args=(need_id,),
        intro=need.title,
    )


def _resource_initial(resource: Any) -> dict[str, Any]:
    return {
        "division": resource.division_id,
        "title": resource.title,
        "category": resource.category,
        "description": resource.description,
        "quantity": resource.quantity or "",
        "unit_label": resource.unit_label,
        "amount": resource.amount or "",
        "available_from": resource.available_from,
        "available_until": resource.available_until,
        "availability": resource.availability,
        "commitment": resource.commitment_id or "",
    }


@staff_required
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    user = _console(request)
    resource = selectors.resource_get_for(user, resource_id=resource_id)
    _editable(user, resource.division_id)
    form = f.ResourceEditForm(
        _posted(request), user=user, resource=resource, initial=_resource_initial(resource)
    )
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: lists.resource_update(
                actor=user, resource_id=resource_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:lists")
    return _form_page(
        request,
        form,
        _("Edit the resource"),
        back="cogovernance_console:lists",
        intro=str(resource.organisation),
    )


def _project_commitments(community_code: str) -> list[tuple[str, str]]:
    return [
        (str(c.pk), f"{c.agreement.unit.name}: {c.description}")
        for c in selectors.commitment_choices(community_code)
    ]


@staff_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _console(request)
    project = selectors.project_get_for(user, project_id=project_id)
    _editable(user, project.community_id)
    form = f.ProjectForm(
        _posted(request),
        commitments=_project_commitments(project.community_id),
        initial={"title": project.title, "commitment": project.commitment_id or ""},
    )
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: lists.project_update(
                actor=user, project_id=project_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("cogovernance_console:need", project.need_id)
    return _form_page(
        request,
        form,
        _("Edit the project"),
        back="cogovernance_console:need",
        back_args=(project.need_id,),
    )


@staff_required
def project_done(request: HttpRequest, project_id: int) -> HttpResponse:
    user = _console(request)
    project = selectors.project_get_for(user, project_id=project_id)
    _editable(user, project.community_id)
    form = f.ProjectDoneForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: lists.project_done(
                actor=user, project_id=project_id, data=form.cleaned_data, ip=client_ip(request)
            ),
        )
        if done is not None:
            messages.success(request, _("Project marked done."))
            return redirect("cogovernance_console:need", project.need_id)
    return _form_page(
        request,
        form,
        _("Mark the project done"),
        back="cogovernance_console:need",
        back_args=(project.need_id,),
        intro=project.title,
    )
