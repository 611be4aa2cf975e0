"""Staff pages of planners' and experts' work, each scoped to the user's area: planner
assignments, consultations with their sign-in list and suggestions, community plans with
versions and projects, work logs against committed hours, and evaluation reports."""

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error, perform
from shequ.core.scopes import Role
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import WORKERS, covers, has_role, staff_required
from shequ.planning import selectors
from shequ.planning.forms import (
    RUNNERS,
    AssignmentForm,
    ConsultationForm,
    NotesForm,
    PlanForm,
    ProjectsForm,
    PromoteForm,
    ReportForm,
    TickForm,
    VersionForm,
    WorkLogForm,
)
from shequ.planning.permissions import ASSIGNERS, can_run, is_expert, may_use_console
from shequ.planning.services import (
    assignments,
    attendance,
    consultations,
    plans,
    reports,
    suggestions,
    worklog,
)
from shequ.web.pickers import bind_pickers

PAGE = 50


def _console(request: HttpRequest) -> User:
    if not may_use_console(request.user):
        raise DjangoPermissionDenied
    return cast(User, request.user)


def _save(form: forms.Form, action: Callable[[], Any]) -> bool:
    """Run a service on a valid form; its refusal becomes a form error."""
    if not form.is_valid():
        return False
    try:
        action()
    except DomainError as error:
        if error.status == 404 and error.field is None:
            raise
        add_domain_error(form, error)
        return False
    return True


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE).get_page(request.GET.get("page"))


@staff_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    may_assign = has_role(user, *ASSIGNERS, Role.SYSTEM_ADMIN)
    form = AssignmentForm(request.POST or None)
    bind_pickers(form, user)
    form.bind(user)
    if request.method == "POST":
        if not may_assign:
            raise DjangoPermissionDenied
        data = form.cleaned_data if form.is_valid() else {}
        if _save(
            form,
            lambda: assignments.assignment_create(
                actor=user,
                planner_id=data["planner"].pk,
                community_code=data["community"],
                term_start=data["term_start"],
                term_end=data["term_end"],
                hours_per_month=data["hours_per_month"],
                contract_party=data["contract_party"],
                organisation_id=data["organisation"].pk if data["organisation"] else None,
                ip=client_ip(request),
            ),
        ):
            messages.success(request, _("Planner assigned."))
            return redirect("planning_console:assignments")
    return render(
        request,
        "planning/console/assignments.html",
        {
            "rows": _page(request, selectors.assignment_list_for(user)),
            "form": form if may_assign else None,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def consultation_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = ConsultationForm(request.POST or None)
    bind_pickers(form, user)
    if request.method == "POST":
        data = form.cleaned_data if form.is_valid() else {}
        holder: dict[str, Any] = {}

        def schedule() -> None:
            holder["c"] = consultations.consultation_schedule(
                actor=user,
                community_code=data["community"],
                title=data["title"],
                topic=data["topic"],
                place=data["place"],
                starts_at=data["starts_at"],
                ip=client_ip(request),
            )

        if _save(form, schedule):
            messages.success(request, _("Consultation scheduled."))
            return redirect("planning_console:consultation", holder["c"].pk)
    may_schedule = has_role(user, *RUNNERS, Role.SYSTEM_ADMIN)
    return render(
        request,
        "planning/console/consultations.html",
        {
            "rows": _page(request, selectors.consultation_list_for(user)),
            "form": form if may_schedule or form.is_bound else None,
        },
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest, consultation_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    user = cast(User, request.user)
    consultation = selectors.consultation_get_for(user, consultation_id=consultation_id)
    tick = forms_.get("tick") or TickForm()
    bind_pickers(tick, user, community=consultation.community_id)
    return render(
        request,
        "planning/console/consultation.html",
        {
            "c": consultation,
            "may_run": can_run(
                user, consultation.community_id, timezone.localdate(consultation.starts_at)
            ),
            # Finding a resident by name is a worker's search (names, masked ID numbers).
            "may_tick": covers(user, consultation.community_id, WORKERS),
            "notes": forms_.get("notes") or NotesForm(initial={"notes": consultation.notes}),
            "tick": tick,
            "promote": forms_.get("promote") or PromoteForm(),
            "promote_id": forms_.get("promote_id"),
            **selectors.consultation_detail(consultation),
        },
        status=status,
    )


@staff_required
def consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    _console(request)
    return _detail(request, consultation_id)


@staff_required
@require_POST
def consultation_status(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = _console(request)
    perform(
        request,
        lambda: consultations.consultation_set_status(
            actor=user,
            consultation_id=consultation_id,
            status=request.POST.get("status", ""),
            ip=client_ip(request),
        ),
        done=_("Saved."),
    )
    return redirect("planning_console:consultation", consultation_id)


@staff_required
@require_POST
def consultation_notes(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = _console(request)
    form = NotesForm(request.POST, request.FILES)
    data = form.cleaned_data if form.is_valid() else {}
    if _save(
        form,
        lambda: consultations.consultation_record(
            actor=user,
            consultation_id=consultation_id,
            notes=data["notes"],
            photos=[data["photo"]] if data.get("photo") else [],
            ip=client_ip(request),
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("planning_console:consultation", consultation_id)
    return _detail(request, consultation_id, status=400, notes=form)


@staff_required
@require_POST
def consultation_tick(request: HttpRequest, consultation_id: int) -> HttpResponse:
    user = _console(request)
    found = selectors.consultation_get_for(user, consultation_id=consultation_id)
    form = TickForm(request.POST)
    bind_pickers(form, user, community=found.community_id)
    data = form.cleaned_data if form.is_valid() else {}
    if _save(
        form,
        lambda: attendance.attendance_tick(
            actor=user,
            consultation_id=consultation_id,
            resident_id=data["resident"],
            ip=client_ip(request),
        ),
    ):
        messages.success(request, _("Signed in."))
        return redirect("planning_console:consultation", consultation_id)
    return _detail(request, consultation_id, status=400, tick=form)


@staff_required
@require_POST
def suggestion_promote(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = _console(request)
    suggestion = selectors.suggestion_list_for(user).filter(pk=suggestion_id).first()
    if suggestion is None:
        raise DjangoPermissionDenied
    form = PromoteForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if _save(
        form,
        lambda: suggestions.suggestion_promote(
            actor=user,
            suggestion_id=suggestion_id,
            title=data["title"],
            category=data["category"],
            ip=client_ip(request),
        ),
    ):
        messages.success(request, _("The suggestion is now a proposal in Residents decide."))
        return redirect("planning_console:consultation", suggestion.consultation_id)
    return _detail(
        request, suggestion.consultation_id, status=400, promote=form, promote_id=suggestion_id
    )


@staff_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    return render(
        request,
        "planning/console/suggestions.html",
        {"rows": _page(request, selectors.suggestion_list_for(user))},
    )


@staff_required
def plan_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = PlanForm(request.POST or None)
    bind_pickers(form, user)
    holder: dict[str, Any] = {}
    if request.method == "POST":
        data = form.cleaned_data if form.is_valid() else {}

        def create() -> None:
            holder["p"] = plans.plan_create(
                actor=user,
                community_code=data["community"],
                title=data["title"],
                summary=data["summary"],
                on=timezone.localdate(),
                ip=client_ip(request),
            )

        if _save(form, create):
            messages.success(request, _("Plan created: add its document."))
            return redirect("planning_console:plan", holder["p"].pk)
    return render(
        request,
        "planning/console/plans.html",
        {
            "rows": _page(request, selectors.plan_list_for(user)),
            "form": form if has_role(user, *RUNNERS, Role.SYSTEM_ADMIN) else None,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = _console(request)
    found = selectors.plan_get_for(user, plan_id=plan_id)
    version = VersionForm()
    projects = ProjectsForm(initial={"projects": [p.pk for p in found.projects.all()]})
    status = 200
    if request.method == "POST" and request.POST.get("form") == "version":
        version = VersionForm(request.POST, request.FILES)
        data = version.cleaned_data if version.is_valid() else {}
        if _save(
            version,
            lambda: plans.plan_version_add(
                actor=user,
                plan_id=plan_id,
                upload=data["file"],
                notes=data["notes"],
                on=timezone.localdate(),
                ip=client_ip(request),
            ),
        ):
            messages.success(request, _("New version published."))
            return redirect("planning_console:plan", plan_id)
        status = 400
    elif request.method == "POST":
        projects = ProjectsForm(request.POST)
        projects.bind(found.community_id)
        data = projects.cleaned_data if projects.is_valid() else {}
        if _save(
            projects,
            lambda: plans.plan_update_projects(
                actor=user,
                plan_id=plan_id,
                project_ids=[p.pk for p in data["projects"]],
                on=timezone.localdate(),
            ),
        ):
            messages.success(request, _("Saved."))
            return redirect("planning_console:plan", plan_id)
        status = 400
    projects.bind(found.community_id)
    return render(
        request,
        "planning/console/plan.html",
        {
            "plan": found,
            "version": version,
            "projects": projects,
            "may_run": can_run(user, found.community_id, timezone.localdate()),
        },
        status=status,
    )


@staff_required
def worklog_page(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = WorkLogForm(request.POST or None, request.FILES or None)
    form.bind(user)
    if request.method == "POST":
        data = form.cleaned_data if form.is_valid() else {}
        if _save(
            form,
            lambda: worklog.worklog_add(
                actor=user,
                community_code=data["community"],
                day=data["date"],
                hours=data["hours"],
                work=data["work"],
                photo=data.get("photo"),
                ip=client_ip(request),
            ),
        ):
            messages.success(request, _("Work logged."))
            return redirect("planning_console:worklog")
    return render(
        request,
        "planning/console/worklog.html",
        {
            "rows": _page(request, selectors.worklog_list_for(user)),
            "months": selectors.worklog_months(user)[:24],
            "form": form if has_role(user, Role.PLANNER) else None,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = _console(request)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not is_expert(user):
            raise DjangoPermissionDenied
        data = form.cleaned_data if form.is_valid() else {}
        if _save(
            form,
            lambda: reports.report_publish(
                actor=user,
                title=data["title"],
                summary=data["summary"],
                findings=data["findings"],
                recommendations=data["recommendations"],
                policy_ids=[p.pk for p in data["policies"]],
                indicator_ids=[i.pk for i in data["indicators"]],
                upload=data.get("file"),
                ip=client_ip(request),
            ),
        ):
            messages.success(request, _("Report published on the policies' pages."))
            return redirect("planning_console:reports")
    return render(
        request,
        "planning/console/reports.html",
        {
            "rows": _page(request, selectors.report_list_for(user)),
            "form": form if is_expert(user) else None,
        },
        status=400 if form.errors else 200,
    )
