"""The department's queue (办件队列): filters, bulk steps, one case, form versions."""

import json
from collections.abc import Callable
from typing import cast

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from shequ.casework import selectors
from shequ.casework.forms import (
    BUILDER_TYPE_LABELS,
    ActionForm,
    EligibilityForm,
    FormImportForm,
    FormItemForm,
    HolidayPeriodFormSet,
    HolidayYearForm,
    RevealAnswerForm,
    application_form_class,
    form_conditions,
    holiday_period_initial,
)
from shequ.casework.models import FormDefinition, Status
from shequ.casework.permissions import (
    can_build_forms,
    can_manage_holidays,
    is_supervisor,
    may_act,
)
from shequ.casework.selectors import eligibility_summary, place_picker
from shequ.casework.services.answers import application_reveal_answer
from shequ.casework.services.applications import TRANSITIONS, application_act, application_bulk_act
from shequ.casework.services.definitions import (
    current_form,
    form_definition_publish,
    requestable_items,
)
from shequ.casework.services.forms import (
    SECTIONS,
    draft_of,
    form_draft_discard,
    form_draft_eligibility_set,
    form_draft_item_add,
    form_draft_item_delete,
    form_draft_item_move,
    form_draft_item_update,
    form_draft_publish,
)
from shequ.casework.services.holidays import holiday_days_from_periods, holiday_year_enter
from shequ.catalogue.models import Service
from shequ.catalogue.selectors import service_get_for
from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error, form_status
from shequ.core.scopes import Role
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import has_role, staff_required
from shequ.places.models import Division

PAGE_SIZE = 50


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    due = request.GET.get("due", "")
    area = request.GET.get("area", "")[:12]
    escalated = request.GET.get("escalated") == "1"
    queryset = selectors.application_queue_for(
        user=request.user, status=status, due=due, area=area, escalated=escalated
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "casework/console/queue.html",
        {
            "page": page,
            "status": status,
            "due": due,
            "area": area,
            "escalated": escalated,
            "statuses": Status.choices,
            "supervisor": is_supervisor(request.user),
        },
    )


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    ids = [n for n in map(int_or_none, request.POST.getlist("ids")) if n is not None]
    action = request.POST.get("action", "")
    if not ids:
        messages.error(request, _("Select at least one application."))
        return redirect("casework_console:queue")
    outcome = application_bulk_act(
        actor=cast(User, request.user),
        application_ids=ids,
        action=action,
        note=request.POST.get("note", ""),
        ip=client_ip(request),
    )
    if outcome.done:
        messages.success(request, _("%(n)s applications updated.") % {"n": len(outcome.done)})
    for application_id, reason in outcome.refused.items():
        messages.error(request, f"#{application_id}: {reason}")
    return redirect(request.POST.get("next") or "casework_console:queue")


@staff_required
def detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for_staff(
        user=request.user, application_id=application_id
    )
    actions = [
        a
        for a, t in TRANSITIONS.items()
        if not t.by_resident
        and application.status in t.sources
        and may_act(request.user, application, a)
    ]
    answers = selectors.application_answers(application)
    revealable = [(a.name, a.label) for a in answers if a.revealable]
    may_reveal = bool(revealable) and may_act(request.user, application, "accept")
    return render(
        request,
        "casework/console/detail.html",
        {
            "application": application,
            "actions": actions,
            "answers": answers,
            "facts": selectors.applicant_facts(application),
            "requestable": requestable_items(application.form),
            "form": ActionForm(),
            "reveal_form": RevealAnswerForm(answers=revealable) if may_reveal else None,
        },
    )


@staff_required
@require_POST
def reveal(request: HttpRequest, application_id: int) -> HttpResponse:
    """htmx: one personal number answered on the application, in full, with a reason."""
    application = selectors.application_get_for_staff(
        user=request.user, application_id=application_id
    )
    revealable = [
        (a.name, a.label) for a in selectors.application_answers(application) if a.revealable
    ]
    form = RevealAnswerForm(request.POST, answers=revealable)
    revealed = None
    status = 400
    if form.is_valid():
        try:
            revealed = application_reveal_answer(
                actor=cast(User, request.user),
                application_id=application_id,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
        else:
            status = 200
    response = render(
        request,
        "casework/console/_reveal.html",
        {"reveal_form": form, "revealed": revealed, "application": application},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def act(request: HttpRequest, application_id: int) -> HttpResponse:
    form = ActionForm(request.POST)
    try:
        application_act(
            actor=cast(User, request.user),
            application_id=application_id,
            action=str(form.data.get("action", "")),
            note=str(form.data.get("note", "")),
            requested=request.POST.getlist("requested"),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The application is updated."))
    return redirect("casework_console:detail", application_id=application_id)


def _builder_service(request: HttpRequest, service_id: int) -> Service:
    """The service whose form the user designs. Raises 404 / 403."""
    service = service_get_for(user=request.user, service_id=service_id)
    if not can_build_forms(request.user, service):
        raise DjangoPermissionDenied
    return service


def _refused(request: HttpRequest, error: DomainError) -> None:
    """Every message of a refused builder step, as page messages."""
    for item in getattr(error, "errors", None) or [error]:
        messages.error(request, str(item))


def _to_builder(service_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("casework_console:form_builder", service_id=service_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@staff_required
def form_builder(request: HttpRequest, service_id: int) -> HttpResponse:
    """设计申请表: the draft's fields and files (add by type, edit, reorder, delete), who may
    apply, the live phone preview, publishing, the versions published."""
    service = _builder_service(request, service_id)
    draft = draft_of(service)
    current = current_form(service)
    shown = draft or current
    return render(
        request,
        "casework/console/form_builder.html",
        {
            "service": service,
            "draft": draft,
            "current": current,
            "fields": shown.fields if shown else [],
            "documents": shown.documents if shown else [],
            "eligibility": eligibility_summary(shown.eligibility if shown else {}),
            "versions": selectors.form_versions_for(service_id=service.pk),
            "types": BUILDER_TYPE_LABELS,
            "type_labels": BUILDER_TYPE_LABELS,
            "is_admin": has_role(request.user, Role.SYSTEM_ADMIN),
        },
    )


@staff_required
def form_item_add(request: HttpRequest, service_id: int) -> HttpResponse:
    """A new field of the chosen type (``?type=``), added at the end of the draft."""
    service = _builder_service(request, service_id)
    kind = request.GET.get("type") or request.POST.get("type") or ""
    if kind not in BUILDER_TYPE_LABELS:
        messages.error(request, _("Choose the type of the new field."))
        return _to_builder(service.pk)
    draft = draft_of(service) or current_form(service)
    form = FormItemForm(request.POST or None, kind=kind, earlier=draft.fields if draft else [])
    if request.method == "POST" and form.is_valid():
        try:
            _draft, name = form_draft_item_add(
                actor=cast(User, request.user), service_id=service.pk, item=form.item()
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The field is added to the draft."))
            return _to_builder(service.pk, f"item-{name}")
    return render(
        request,
        "casework/console/form_item.html",
        {"service": service, "form": form, "kind": kind, "type_label": BUILDER_TYPE_LABELS[kind]},
        status=form_status(form),
    )


@staff_required
def form_item_edit(request: HttpRequest, service_id: int, section: str, name: str) -> HttpResponse:
    service = _builder_service(request, service_id)
    shown = draft_of(service) or current_form(service)
    items = list(getattr(shown, section, None) or []) if section in SECTIONS else []
    index = next((i for i, s in enumerate(items) if s.get("name") == name), None)
    if shown is None or index is None:
        raise Http404
    spec = items[index]
    kind = "file" if section == "documents" else str(spec.get("type"))
    earlier = shown.fields[:index] if section == "fields" else shown.fields
    form = FormItemForm(
        request.POST or None, kind=kind, earlier=earlier, initial=FormItemForm.initial_of(spec)
    )
    if request.method == "POST" and form.is_valid():
        try:
            form_draft_item_update(
                actor=cast(User, request.user),
                service_id=service.pk,
                section=section,
                name=name,
                item=form.item(),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return _to_builder(service.pk, f"item-{name}")
    return render(
        request,
        "casework/console/form_item.html",
        {
            "service": service,
            "form": form,
            "kind": kind,
            "type_label": BUILDER_TYPE_LABELS.get(kind, kind),
            "editing": spec,
        },
        status=form_status(form),
    )


@staff_required
@require_POST
def form_item_move(request: HttpRequest, service_id: int, section: str, name: str) -> HttpResponse:
    service = _builder_service(request, service_id)
    try:
        form_draft_item_move(
            actor=cast(User, request.user),
            service_id=service.pk,
            section=section,
            name=name,
            offset=-1 if request.POST.get("direction") == "up" else 1,
        )
    except DomainError as error:
        _refused(request, error)
    return _to_builder(service.pk, f"item-{name}")


@staff_required
@require_POST
def form_item_delete(
    request: HttpRequest, service_id: int, section: str, name: str
) -> HttpResponse:
    service = _builder_service(request, service_id)
    try:
        form_draft_item_delete(
            actor=cast(User, request.user), service_id=service.pk, section=section, name=name
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The field is removed from the draft."))
    return _to_builder(service.pk)


@staff_required
def form_eligibility(request: HttpRequest, service_id: int) -> HttpResponse:
    """Who may apply: ages, residence (communities picked district → street → community),
    the verification level. Changes go to the draft."""
    service = _builder_service(request, service_id)
    shown = draft_of(service) or current_form(service)
    rules = dict(shown.eligibility or {}) if shown else {}
    communities = list(rules.get("communities", []))
    form = EligibilityForm(request.POST if "save" in request.POST else None, initial=rules)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        chosen = request.POST.get("community", "")
        if action == "add_community":
            if not Division.objects.filter(
                pk=chosen, level=Division.Level.COMMUNITY, is_active=True
            ).exists():
                messages.error(request, _("Choose a community in the picker first."))
                return redirect("casework_console:form_eligibility", service_id=service.pk)
            if chosen not in communities:
                communities.append(chosen)
            new_rules = {**rules, "residence": "community", "communities": communities}
        elif action == "remove_community":
            communities = [c for c in communities if c != chosen]
            new_rules = {**rules, "communities": communities}
            if not communities and rules.get("residence") == "community":
                new_rules["residence"] = ""
        elif form.is_valid():
            new_rules = {
                **{k: form.cleaned_data.get(k) for k in ("min_age", "max_age", "residence")},
                "min_level": form.cleaned_data.get("min_level"),
                "communities": communities,
            }
        else:
            new_rules = None
        if new_rules is not None:
            try:
                form_draft_eligibility_set(
                    actor=cast(User, request.user), service_id=service.pk, eligibility=new_rules
                )
            except NotFound:
                raise
            except DomainError as error:
                if action == "save":
                    add_domain_error(form, error)
                else:
                    _refused(request, error)
                    return redirect("casework_console:form_eligibility", service_id=service.pk)
            else:
                messages.success(request, _("The draft is saved."))
                if action == "save":
                    return _to_builder(service.pk, "eligibility")
                return redirect("casework_console:form_eligibility", service_id=service.pk)
        status = 400
    return render(
        request,
        "casework/console/form_eligibility.html",
        {
            "service": service,
            "form": form,
            "communities": Division.objects.filter(pk__in=communities).order_by("code"),
            "picker": place_picker(request.GET),
        },
        status=status,
    )


@staff_required
@require_POST
def form_publish(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _builder_service(request, service_id)
    try:
        definition = form_draft_publish(actor=cast(User, request.user), service_id=service.pk)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Version %(v)s of the form is live.") % {"v": definition.version}
        )
    return _to_builder(service.pk)


@staff_required
@require_POST
def form_discard(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _builder_service(request, service_id)
    try:
        form_draft_discard(actor=cast(User, request.user), service_id=service.pk)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The draft is discarded."))
    return _to_builder(service.pk)


# The builder's preview alone may be shown in a frame, and only by our own pages.
_framed_by_self = cast(
    "Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]",
    csp_replace({"frame-ancestors": [SELF]}),
)


@staff_required
@xframe_options_sameorigin
@_framed_by_self
def form_preview(request: HttpRequest, service_id: int) -> HttpResponse:
    """The draft (else the current version) as the resident sees it, for the builder's phone
    frame: the real application page, with the builder's own registry facts pre-filled and
    nothing to submit."""
    service = _builder_service(request, service_id)
    definition = draft_of(service) or current_form(service)
    if definition is None:
        definition = FormDefinition(service=service, fields=[], documents=[])
    form_class = application_form_class(
        definition, resident=getattr(request.user, "resident", None)
    )
    response = render(
        request,
        "casework/apply.html",
        {
            "service": service,
            "form": form_class(),
            "definition": definition,
            "conditions": form_conditions(definition),
            "preview": True,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def form_import(request: HttpRequest, service_id: int) -> HttpResponse:
    """导入/导出 (administrators only): a version as JSON, published as it is validated."""
    service = _builder_service(request, service_id)
    if not has_role(request.user, Role.SYSTEM_ADMIN):
        raise DjangoPermissionDenied
    latest = current_form(service)
    initial = {
        "fields_json": json.dumps(latest.fields if latest else [], ensure_ascii=False, indent=1),
        "documents_json": json.dumps(
            latest.documents if latest else [], ensure_ascii=False, indent=1
        ),
        "eligibility_json": json.dumps(
            latest.eligibility if latest else {}, ensure_ascii=False, indent=1
        ),
    }
    form = FormImportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            definition = form_definition_publish(
                actor=cast(User, request.user),
                service_id=service.pk,
                fields=form.cleaned_data["fields_json"],
                documents=form.cleaned_data["documents_json"],
                eligibility=form.cleaned_data["eligibility_json"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Version %(v)s of the form is live.") % {"v": definition.version}
            )
            return _to_builder(service.pk)
    return render(
        request,
        "casework/console/form_import.html",
        {"service": service, "form": form},
        status=form_status(form),
    )


@staff_required
def holidays(request: HttpRequest) -> HttpResponse:
    """The holiday table: the years entered, and a year to enter from the State Council's
    notice (days off and make-up working days, 调休). The city committee's."""
    if not can_manage_holidays(request.user):
        raise DjangoPermissionDenied
    today = timezone.localdate()
    form = HolidayYearForm(request.POST or None, initial={"year": today.year + 1})
    periods = HolidayPeriodFormSet(
        request.POST or None, prefix="periods", initial=holiday_period_initial()
    )
    if request.method == "POST" and form.is_valid() and periods.is_valid():
        chosen = [p for p in (f.period() for f in periods.forms) if p is not None]
        try:
            entry = holiday_year_enter(
                actor=cast(User, request.user),
                year=form.cleaned_data["year"],
                source=form.cleaned_data["source"],
                days=holiday_days_from_periods(chosen),
                replace=form.cleaned_data["replace"],
                ip=client_ip(request),
            )
        except DomainError as error:
            if error.status == 403:
                raise DjangoPermissionDenied from error
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("The holidays of %(year)s are entered.") % {"year": entry.year}
            )
            return redirect("casework_console:holidays")
    return render(
        request,
        "casework/console/holidays.html",
        {
            "form": form,
            "periods": periods,
            "years": selectors.holiday_years(),
            "table": selectors.holiday_table_warning(today),
            "table_end": selectors.holiday_table_end(today),
            "pending": selectors.pending_deadline_count(),
        },
        status=400 if form.errors or periods.total_error_count() else 200,
    )
