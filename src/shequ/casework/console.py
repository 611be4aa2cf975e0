"""The department's queue (办件队列): filters, bulk steps, one case, form versions."""

import json
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.casework import selectors
from shequ.casework.forms import (
    ActionForm,
    FormDefinitionForm,
    HolidayPeriodFormSet,
    HolidayYearForm,
    RevealAnswerForm,
    holiday_period_initial,
)
from shequ.casework.models import Status
from shequ.casework.permissions import (
    can_build_forms,
    can_manage_holidays,
    is_supervisor,
    may_act,
)
from shequ.casework.services.answers import application_reveal_answer
from shequ.casework.services.applications import TRANSITIONS, application_act, application_bulk_act
from shequ.casework.services.definitions import form_definition_publish, requestable_items
from shequ.casework.services.holidays import holiday_days_from_periods, holiday_year_enter
from shequ.catalogue.selectors import service_get_for
from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required

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


@staff_required
def form_builder(request: HttpRequest, service_id: int) -> HttpResponse:
    """Publish a new version of a service's application form (JSON, validated)."""
    service = service_get_for(user=request.user, service_id=service_id)
    if not can_build_forms(request.user, service):
        raise DjangoPermissionDenied
    versions = list(selectors.form_versions_for(service_id=service.pk))
    latest = versions[0] if versions else None
    initial = {
        "fields_json": json.dumps(latest.fields if latest else [], ensure_ascii=False, indent=1),
        "documents_json": json.dumps(
            latest.documents if latest else [], ensure_ascii=False, indent=1
        ),
        **(latest.eligibility if latest else {}),
    }
    initial["communities"] = " ".join(initial.get("communities", []))
    form = FormDefinitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            definition = form_definition_publish(
                actor=cast(User, request.user),
                service_id=service.pk,
                fields=form.cleaned_data["fields_json"],
                documents=form.cleaned_data["documents_json"],
                eligibility=form.eligibility(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Version %(v)s of the form is live.") % {"v": definition.version}
            )
            return redirect("casework_console:form_builder", service_id=service.pk)
    return render(
        request,
        "casework/console/form_builder.html",
        {"service": service, "form": form, "versions": versions},
        status=400 if form.errors else 200,
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
