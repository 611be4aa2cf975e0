"""Staff pages of the tree editor: versions, method, weights, indicators, and adding an
indicator computed from a data source."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.indicators import selectors
from shequ.indicators.console import _editor, _viewer
from shequ.indicators.forms import (
    AddIndicatorForm,
    IndicatorForm,
    MethodForm,
    NewVersionForm,
    NodeForm,
)
from shequ.indicators.models import Indicator, Node
from shequ.indicators.permissions import can_edit_tree
from shequ.indicators.services import trees as tree_services
from shequ.people.permissions import staff_required
from shequ.web.confirmations import confirmation_page


@staff_required
def tree(request: HttpRequest, version_id: int | None = None) -> HttpResponse:
    """The versions and one version's tree; drafts are edited here."""
    _viewer(request)
    versions = list(selectors.version_list())
    version = None
    if version_id is not None:
        try:
            version = selectors.version_get(version_id)
        except NotFound:
            raise Http404 from None
    elif versions:
        version = selectors.version_current() or versions[0]
    return render(
        request,
        "indicators/console/tree.html",
        {
            "versions": versions,
            "version": version,
            "rows": selectors.tree_of(version) if version else [],
            "problems": tree_services.tree_problems(version)
            if version and version.is_editable
            else [],
            "may_edit": can_edit_tree(request.user),
            "new_form": NewVersionForm(),
            "method_form": MethodForm(
                initial={f: getattr(version, f) for f in MethodForm.base_fields}
                if version
                else None
            ),
            "add_form": AddIndicatorForm(version=version)
            if version and version.is_editable
            else None,
        },
    )


@staff_required
def indicator_add(request: HttpRequest, version_id: int) -> HttpResponse:
    """Add an indicator computed from a data source to a draft version."""
    _editor(request)
    try:
        version = selectors.version_get(version_id)
    except NotFound:
        raise Http404 from None
    if not version.is_editable:
        messages.error(
            request,
            _("Version %(number)s is published; make a new version to change it.")
            % {"number": version.number},
        )
        return redirect("indicators_console:tree_version", version_id=version.pk)
    form = AddIndicatorForm(request.POST or None, version=version)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            indicator = tree_services.indicator_add(
                actor=request.user,
                version_id=version.pk,
                node_id=int(data["node"]),
                source=data["source"],
                name=data["name"],
                unit=data["unit"],
                direction=data["direction"],
                target=data["target"],
                weight=data["weight"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(
                request,
                _("%(name)s added; check the weights under its sub-dimension add up to 100.")
                % {"name": indicator.name},
            )
            return redirect("indicators_console:tree_version", version_id=version.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "indicators/console/add_indicator.html",
        {"form": form, "version": version},
        status=status,
    )


@staff_required
@require_POST
def tree_install(request: HttpRequest) -> HttpResponse:
    _editor(request)
    version = tree_services.tree_install_default(actor=request.user)
    messages.success(request, _("The default indicator tree is installed."))
    return redirect("indicators_console:tree_version", version_id=version.pk)


@staff_required
@require_POST
def version_new(request: HttpRequest, version_id: int) -> HttpResponse:
    _editor(request)
    form = NewVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new version a name."))
        return redirect("indicators_console:tree_version", version_id=version_id)
    try:
        version = tree_services.version_create_from(
            actor=request.user, version_id=version_id, name=form.cleaned_data["name"]
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("indicators_console:tree_version", version_id=version_id)
    messages.success(
        request, _("Draft version %(n)s made; edit it, then publish.") % {"n": version.number}
    )
    return redirect("indicators_console:tree_version", version_id=version.pk)


@staff_required
@require_POST
def version_method(request: HttpRequest, version_id: int) -> HttpResponse:
    _editor(request)
    form = MethodForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(str(e) for e in errors)}")
        return redirect("indicators_console:tree_version", version_id=version_id)
    try:
        tree_services.version_update_method(
            actor=request.user, version_id=version_id, data=form.cleaned_data
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Method saved."))
    return redirect("indicators_console:tree_version", version_id=version_id)


@staff_required
@require_POST
def version_publish(request: HttpRequest, version_id: int) -> HttpResponse:
    _editor(request)
    asked = confirmation_page(
        request,
        title=_("Publish this version?"),
        consequence=_(
            "The version becomes the one evaluations use and can no longer be edited; "
            "the previous version is retired, its results kept."
        ),
        confirm_label=_("Publish"),
        cancel_url=f"/console/indicators/tree/{version_id}/",
    )
    if asked is not None:
        return asked
    try:
        tree_services.version_publish(actor=request.user, version_id=version_id)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Version published."))
    return redirect("indicators_console:tree_version", version_id=version_id)


@staff_required
def node_edit(request: HttpRequest, node_id: int) -> HttpResponse:
    _editor(request)
    node = Node.objects.select_related("version").filter(pk=node_id).first()
    if node is None:
        raise Http404
    form = NodeForm(request.POST or None, initial={"name": node.name, "weight": node.weight})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            tree_services.node_update(
                actor=request.user,
                node_id=node.pk,
                name=form.cleaned_data["name"],
                weight=form.cleaned_data["weight"],
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("indicators_console:tree_version", version_id=node.version_id)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "indicators/console/edit.html",
        {"form": form, "object": node, "version": node.version},
        status=status,
    )


@staff_required
def indicator_edit(request: HttpRequest, indicator_id: int) -> HttpResponse:
    _editor(request)
    indicator = Indicator.objects.select_related("version").filter(pk=indicator_id).first()
    if indicator is None:
        raise Http404
    initial = {f: getattr(indicator, f) for f in IndicatorForm.base_fields}
    form = IndicatorForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            tree_services.indicator_update(
                actor=request.user, indicator_id=indicator.pk, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Saved."))
            return redirect("indicators_console:tree_version", version_id=indicator.version_id)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "indicators/console/edit.html",
        {"form": form, "object": indicator, "version": indicator.version},
        status=status,
    )
