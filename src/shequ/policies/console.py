"""Staff pages of the policy library: list, author, edit, link, attach and publish."""

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.policies import selectors, services
from shequ.policies.forms import AttachmentForm, PolicyForm, RelationForm
from shequ.policies.permissions import can_author_policies
from shequ.web.pickers import bind_pickers

LINKS = ("services", "projects", "fund_formulas")


def _author(request: HttpRequest) -> User:
    if not can_author_policies(request.user):
        raise DjangoPermissionDenied
    return cast(User, request.user)


@staff_required
def policy_list(request: HttpRequest) -> HttpResponse:
    _author(request)
    rows = selectors.policy_list_for(request.user)
    return render(request, "policies/console/list.html", {"rows": rows})


def _save(request: HttpRequest, form: PolicyForm, policy_id: int | None) -> Any:
    data = {k: v for k, v in form.cleaned_data.items() if k not in LINKS}
    links = {
        "service_ids": form.cleaned_data["services"],
        "project_ids": form.cleaned_data["projects"],
        "formula_ids": form.cleaned_data["fund_formulas"],
    }
    actor = cast(User, request.user)
    if policy_id is None:
        return services.policy_create(actor=actor, data=data, ip=client_ip(request), **links)
    return services.policy_update(
        actor=actor, policy_id=policy_id, data=data, ip=client_ip(request), **links
    )


@staff_required
def policy_new(request: HttpRequest) -> HttpResponse:
    user = _author(request)
    form = PolicyForm(request.POST or None, user=user)
    bind_pickers(form, user)
    if request.method == "POST" and form.is_valid():
        try:
            policy = _save(request, form, None)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Policy saved as a draft."))
            return redirect("policies_console:edit", policy.pk)
    return render(
        request,
        "policies/console/form.html",
        {"form": form, "page": None},
        status=400 if form.errors else 200,
    )


def _initial(page: selectors.PolicyPage) -> dict[str, Any]:
    p = page.policy
    return {
        "title": p.title,
        "doc_number": p.doc_number,
        "issuer": p.issuer,
        "kind": p.kind,
        "division": p.division_id if p.level != "city" else "",
        "structure": p.structure,
        "parent": p.parent_id or "",
        "issued_on": p.issued_on,
        "effective_on": p.effective_on,
        "expires_on": p.expires_on,
        "summary": p.summary,
        "interpretation": p.interpretation,
        "full_text": p.full_text,
        "source_url": p.source_url,
        "provenance": p.provenance,
        "services": [s.pk for s in p.services.all()],
        "projects": [x.pk for x in p.projects.all()],
        "fund_formulas": [f.pk for f in p.fund_formulas.all()],
    }


def _edit_page(
    request: HttpRequest,
    policy_id: int,
    *,
    form: PolicyForm | None = None,
    relation_form: RelationForm | None = None,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.policy_get_for(request.user, policy_id=policy_id)
    if form is None:
        form = PolicyForm(initial=_initial(page), user=request.user, policy_id=policy_id)
        bind_pickers(form, request.user)
    return render(
        request,
        "policies/console/form.html",
        {
            "form": form,
            "page": page,
            "relation_form": relation_form or RelationForm(policy_id=policy_id),
            "attachment_form": attachment_form or AttachmentForm(),
        },
        status=status,
    )


@staff_required
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = _author(request)
    selectors.policy_get_for(user, policy_id=policy_id)
    if request.method != "POST":
        return _edit_page(request, policy_id)
    form = PolicyForm(request.POST, user=user, policy_id=policy_id)
    bind_pickers(form, user)
    if form.is_valid():
        try:
            _save(request, form, policy_id)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Policy saved."))
            return redirect("policies_console:edit", policy_id)
    return _edit_page(request, policy_id, form=form, status=400)


@staff_required
@require_POST
def policy_publish(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = _author(request)
    published = request.POST.get("published", "1") == "1"
    services.policy_publish(
        actor=user, policy_id=policy_id, published=published, ip=client_ip(request)
    )
    messages.success(
        request, _("Policy published.") if published else _("Policy withdrawn from the library.")
    )
    return redirect("policies_console:edit", policy_id)


@staff_required
@require_POST
def relation_add(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = _author(request)
    form = RelationForm(request.POST, policy_id=policy_id)
    if form.is_valid():
        try:
            services.relation_add(
                actor=user,
                source_id=policy_id,
                target_id=int(form.cleaned_data["target"]),
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Link recorded."))
            return redirect("policies_console:edit", policy_id)
    return _edit_page(request, policy_id, relation_form=form, status=400)


@staff_required
@require_POST
def attachment_add(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = _author(request)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=user,
                policy_id=policy_id,
                upload=form.cleaned_data["file"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("File attached."))
            return redirect("policies_console:edit", policy_id)
    return _edit_page(request, policy_id, attachment_form=form, status=400)
