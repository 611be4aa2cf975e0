"""Staff pages of planners' and experts' work, each scoped to the user's area: planner
assignments, consultations with their sign-in list and suggestions, community plans with
versions and projects, work logs against committed hours, and evaluation reports."""

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error, perform
from shequ.core.pii import mask_name
from shequ.core.scopes import Role
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import has_role, staff_required
from shequ.planning import selectors
from shequ.planning.forms import (
    RUNNERS,
    AssignmentForm,
    ConsultationForm,
    NotesForm,
    PeopleSearchForm,
    PlanEditForm,
    PlanForm,
    ProjectsForm,
    PromoteForm,
    ReportForm,
    VersionForm,
    WithdrawForm,
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


def _sign_in_url(request: HttpRequest, consultation_id: int) -> str:
    return request.build_absolute_uri(reverse("planning:sign_in", args=[consultation_id]))


def _qr(url: str, *, poster: bool = False) -> SafeString:
    """The sign-in address as an inline SVG QR code (segno; no text of ours goes into it).
    The poster's code has no fixed size: it fills the page's width (planning.css)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=10 if poster else 5, svgclass="planning-qr", border=2, omitsize=poster
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup of a QR matrix


def _detail(
    request: HttpRequest, consultation_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    user = cast(User, request.user)
    consultation = selectors.consultation_get_for(user, consultation_id=consultation_id)
    sign_in_url = _sign_in_url(request, consultation.pk)
    return render(
        request,
        "planning/console/consultation.html",
        {
            "c": consultation,
            "may_run": can_run(
                user, consultation.community_id, timezone.localdate(consultation.starts_at)
            ),
            "sign_in_url": sign_in_url,
            "sign_in_qr": _qr(sign_in_url)
            if consultation.status != consultation.Status.CLOSED
            else None,
            "notes": forms_.get("notes") or NotesForm(initial={"notes": consultation.notes}),
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
def consultation_qr(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """A printable page: a large QR code of the sign-in link, the title, time and place."""
    user = _console(request)
    consultation = selectors.consultation_get_for(user, consultation_id=consultation_id)
    url = _sign_in_url(request, consultation.pk)
    return render(
        request,
        "planning/console/qr.html",
        {"c": consultation, "qr": _qr(url, poster=True), "url": url},
    )


def _may_run(user: User, consultation: Any) -> bool:
    return can_run(user, consultation.community_id, timezone.localdate(consultation.starts_at))


@staff_required
def consultation_people(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """Tick in residents who have no phone at hand: search the community's residents by name
    (masked name and ID number shown) and sign one in."""
    user = _console(request)
    consultation = selectors.consultation_get_for(user, consultation_id=consultation_id)
    if not _may_run(user, consultation):
        raise DjangoPermissionDenied
    form = PeopleSearchForm(request.GET or None)
    found: list[Any] = []
    more = False
    status = 200
    if request.method == "POST":
        resident_id = digits_or_none(str(request.POST.get("resident", "")))
        done = perform(
            request,
            lambda: attendance.attendance_tick(
                actor=user,
                consultation_id=consultation_id,
                resident_id=int(resident_id) if resident_id and len(resident_id) <= 12 else 0,
                ip=client_ip(request),
            ),
            done=lambda a: _("%(name)s is signed in.") % {"name": mask_name(a.name)},
        )
        query = str(request.POST.get("q", ""))[:40]
        target = reverse("planning_console:people", args=[consultation_id])
        return redirect(f"{target}?{urlencode({'q': query})}" if query and done else target)
    if form.is_bound and form.is_valid():
        try:
            found, more = attendance.resident_search(
                actor=user,
                consultation_id=consultation_id,
                query=form.cleaned_data["q"],
                ip=client_ip(request),
            )
        except DomainError as error:
            if error.status == 404:
                raise
            add_domain_error(form, error)
            status = 400
    elif form.is_bound:
        status = 400
    return render(
        request,
        "planning/console/people.html",
        {
            "c": consultation,
            "form": form,
            "found": found,
            "more": more,
            "closed": consultation.status == consultation.Status.CLOSED,
            **selectors.consultation_detail(consultation),
        },
        status=status,
    )


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
    on = timezone.localdate()
    ip = client_ip(request)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    data = request.POST if which else None
    version = VersionForm(data, request.FILES) if which == "version" else VersionForm()
    projects = ProjectsForm(
        data if which == "projects" else None,
        initial={"projects": [p.pk for p in found.projects.all()]},
    )
    projects.bind(found.community_id)
    edit = PlanEditForm(
        data if which == "edit" else None,
        initial={"title": found.title, "summary": found.summary},
    )
    withdraw = WithdrawForm(data if which == "withdraw" else None)
    actions: dict[str, tuple[forms.Form, Callable[[dict[str, Any]], Any], str]] = {
        "version": (
            version,
            lambda d: plans.plan_version_add(
                actor=user, plan_id=plan_id, upload=d["file"], notes=d["notes"], on=on, ip=ip
            ),
            _("New version published."),
        ),
        "projects": (
            projects,
            lambda d: plans.plan_update_projects(
                actor=user, plan_id=plan_id, project_ids=[p.pk for p in d["projects"]], on=on
            ),
            _("Saved."),
        ),
        "edit": (
            edit,
            lambda d: plans.plan_update(
                actor=user, plan_id=plan_id, title=d["title"], summary=d["summary"], on=on, ip=ip
            ),
            _("Saved."),
        ),
        "withdraw": (
            withdraw,
            lambda d: plans.plan_withdraw(
                actor=user, plan_id=plan_id, reason=d["reason"], on=on, ip=ip
            ),
            _("The plan is withdrawn; it stays here with the reason."),
        ),
    }
    status = 200
    if which in actions:
        form, action, done = actions[which]
        if _save(form, lambda: action(form.cleaned_data)):
            messages.success(request, done)
            return redirect("planning_console:plan", plan_id)
        status = 400
    elif which:
        status = 400
    may_run = can_run(user, found.community_id, on)
    return render(
        request,
        "planning/console/plan.html",
        {
            "plan": found,
            "version": version,
            "projects": projects,
            "edit": edit,
            "withdraw": withdraw,
            "may_run": may_run and not found.is_withdrawn,
            "is_author": may_run and found.created_by_id == user.pk and not found.is_withdrawn,
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
                draft=request.POST.get("action") == "draft",
                ip=client_ip(request),
            ),
        ):
            if request.POST.get("action") == "draft":
                messages.success(request, _("Draft saved: only you see it until you publish it."))
            else:
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


@staff_required
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report in the console: its status and, for its author while it is a draft or
    published, the edit and withdrawal forms."""
    user = _console(request)
    found = selectors.report_get_for(user, report_id=report_id)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    edit = ReportForm(
        request.POST if which == "edit" else None,
        request.FILES if which == "edit" else None,
        initial={
            "title": found.title,
            "summary": found.summary,
            "findings": found.findings,
            "recommendations": found.recommendations,
            "policies": [p.pk for p in found.policies.all()],
            "indicators": [i.pk for i in found.indicators.all()],
        },
    )
    withdraw = WithdrawForm(request.POST if which == "withdraw" else None)
    status = 200
    if which == "edit":
        data = edit.cleaned_data if edit.is_valid() else {}
        publish = request.POST.get("action") == "publish"
        if _save(
            edit,
            lambda: reports.report_update(
                actor=user,
                report_id=report_id,
                title=data["title"],
                summary=data["summary"],
                findings=data["findings"],
                recommendations=data["recommendations"],
                policy_ids=[p.pk for p in data["policies"]],
                indicator_ids=[i.pk for i in data["indicators"]],
                upload=data.get("file"),
                publish=publish,
                ip=client_ip(request),
            ),
        ):
            messages.success(
                request, _("Report published on the policies' pages.") if publish else _("Saved.")
            )
            return redirect("planning_console:report", report_id)
        status = 400
    elif which == "withdraw":
        data = withdraw.cleaned_data if withdraw.is_valid() else {}
        if _save(
            withdraw,
            lambda: reports.report_withdraw(
                actor=user, report_id=report_id, reason=data["reason"], ip=client_ip(request)
            ),
        ):
            messages.success(
                request, _("The report is withdrawn from the public pages; it stays here.")
            )
            return redirect("planning_console:report", report_id)
        status = 400
    elif which:
        status = 400
    return render(
        request,
        "planning/console/report.html",
        {
            "report": found,
            "edit": edit,
            "withdraw": withdraw,
            "is_author": found.expert_id == user.pk and not found.is_withdrawn,
        },
        status=status,
    )
