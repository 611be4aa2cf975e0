"""Staff pages of handling inside and above a unit: the 超期督办 list (overdue requests
escalated to the unit or the supervising desk), a unit's reply templates and its head."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals import selectors
from shequ.appeals.forms import ReplyTemplateForm, UnitHeadForm
from shequ.appeals.models import Unit
from shequ.appeals.permissions import console_user, may_edit_catalogue, unit_ids_of
from shequ.appeals.services.assignment import unit_head_set
from shequ.appeals.services.replies import reply_template_add, reply_template_delete
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required


@staff_required
def overdue(request: HttpRequest) -> HttpResponse:
    """超期督办: escalated open requests the user may open, the desk's level first."""
    user = console_user(request)
    page = Paginator(selectors.escalated_for(user=user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/console/overdue.html",
        {"page": page, "counts": selectors.escalated_counts(user=user), "now": timezone.now()},
    )


@staff_required
def templates(request: HttpRequest) -> HttpResponse:
    """A unit's reply templates: the list, and a form to add one (members only)."""
    user = console_user(request)
    units = list(
        Unit.objects.filter(pk__in=unit_ids_of(user), is_active=True).values_list("pk", "name")
    )
    if not units:
        raise DjangoPermissionDenied
    form = ReplyTemplateForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        try:
            reply_template_add(
                actor=user,
                unit_id=request.POST.get("unit"),
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
                ip=client_ip(request),
            )
        except DomainError as error:
            if error.status == 404:
                raise
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Reply template saved."))
            return redirect("appeals_console:templates")
    return render(
        request,
        "appeals/console/templates.html",
        {"templates": selectors.reply_templates_for(user=user), "form": form},
        status=status,
    )


@staff_required
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    user = console_user(request)
    reply_template_delete(actor=user, template_id=template_id, ip=client_ip(request))
    messages.success(request, _("Reply template deleted."))
    return redirect("appeals_console:templates")


@staff_required
def unit_head(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The committee names a unit's head from the unit's members (or clears it)."""
    user = console_user(request)
    if not may_edit_catalogue(user):
        raise DjangoPermissionDenied
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise NotFound("unit_not_found", _("No such unit."))
    members = selectors.member_choices(unit)
    form = UnitHeadForm(
        request.POST or None, members=members, initial={"head": str(unit.head_id or "")}
    )
    status = 200
    if request.method == "POST":
        try:
            unit_head_set(
                actor=user, unit_id=unit.pk, head_id=request.POST.get("head"), ip=client_ip(request)
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            messages.success(request, _("Head of the unit saved."))
            return redirect("appeals_console:units")
    return render(
        request,
        "appeals/console/unit_head.html",
        {"unit": unit, "form": form, "has_members": bool(members)},
        status=status,
    )
