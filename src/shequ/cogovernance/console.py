"""Staff pages of co-governance: the three lists and matching, the registry of organisations
and its graph, co-building agreements, demonstration communities. Every page is scoped to
the user's areas (a record outside them is a 404)."""

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.cogovernance import forms as f
from shequ.cogovernance import selectors
from shequ.cogovernance.permissions import can_edit, can_read, may_designate, may_use_console
from shequ.cogovernance.services import agreements, designations, lists, organisations
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.web.pickers import bind_pickers

PAGE = 50


def _console(request: HttpRequest) -> User:
    if not may_use_console(request.user):
        raise DjangoPermissionDenied
    return cast(User, request.user)


def _area(request: HttpRequest) -> str:
    code = digits_or_none(request.GET.get("area", "")) or ""
    return code if len(code) == 12 and can_read(request.user, code) else ""


def _form_page(
    request: HttpRequest, form: Any, title: str, *, back: str, multipart: bool = False
) -> HttpResponse:
    return render(
        request,
        "cogovernance/console/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart},
        status=400 if form.is_bound and form.errors else 200,
    )


def _run(form: Any, action: Any) -> Any:
    """The service's result, or None with its refusal on the form."""
    try:
        return action()
    except DomainError as error:
        if error.status == 404:
            raise
        add_domain_error(form, error)
        return None


# Three lists ---------------------------------------------------------------------------


@staff_required
def lists_page(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    area = _area(request)
    area_form = f.AreaForm(initial={"area": area})
    bind_pickers(area_form, user)
    needs = list(selectors.need_list_for(user, area=area)[:PAGE])
    return render(
        request,
        "cogovernance/console/lists.html",
        {
            "area": area,
            "area_form": area_form,
            "needs": needs,
            "resources": selectors.resource_list_for(user, area=area)[:PAGE],
            "projects": selectors.project_list_for(user, area=area)[:PAGE],
        },
    )


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
