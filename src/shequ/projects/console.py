"""Staff pages: the scoped project list, registration, status moves, progress, photos,
monthly Excel reports, the three-year plan, the as-of statistics and the taxonomy."""

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import READERS, areas_of, staff_required
from shequ.projects import permissions, selectors, services, workbooks
from shequ.projects.forms import (
    MilestoneForm,
    MonthlyUploadForm,
    PhotoForm,
    ProgressForm,
    ProjectForm,
    ProjectTypeForm,
    TransitionForm,
    UploadForm,
)
from shequ.projects.models import Action, Status

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
def project_list(request: HttpRequest) -> HttpResponse:
    flt = selectors.ProjectFilter.from_params(request.GET)
    page = Paginator(selectors.project_list_for(request.user, flt), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/console/list.html",
        {
            "page": page,
            "flt": flt,
            "districts": selectors.district_list().only("code", "short_name"),
            "types": selectors.type_choices(),
            "statuses": Status.choices,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    choices = [(t.code, f"{t.action.name} · {t.name}") for t in selectors.type_choices()]
    form = ProjectForm(request.POST or None, type_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                actor=cast(User, request.user),
                code=data["code"],
                name=data["name"],
                type_code=data["project_type"],
                community_codes=data["communities"].replace("，", ",").split(","),
                year=data["year"],
                location=data["location"],
                planned_city=data["planned_city"],
                planned_district=data["planned_district"],
                planned_social=data["planned_social"],
                implementer=data["implementer"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The project is registered."))
            return redirect("projects_console:detail", code=project.code)
    return render(request, "projects/console/form.html", {"form": form})


def _detail_context(request: HttpRequest, code: str, **forms: Any) -> dict[str, Any]:
    project = selectors.project_get_for(request.user, code)
    today = timezone.localdate()
    moves = [
        (target, Status(target).label)
        for (source, target) in permissions.TRANSITION_ROLES
        if source == project.status and permissions.can_transition(request.user, project, target)
    ]
    return {
        "project": project,
        "events": list(project.status_events.all()),
        "reports": list(project.reports.all()),
        "milestones": list(project.milestones.all()),
        "photos": list(project.photos.all()),
        "moves": moves,
        "may_report": permissions.can_report_progress(request.user, project),
        "may_manage": permissions.can_manage_project(request.user, project),
        "transition_form": forms.get("transition_form")
        or TransitionForm(initial={"on": today.isoformat()}),
        "progress_form": forms.get("progress_form")
        or ProgressForm(initial={"month": f"{today:%Y-%m}", "progress": project.progress}),
        "photo_form": forms.get("photo_form") or PhotoForm(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
    }


@staff_required
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "projects/console/detail.html", _detail_context(request, code))


@staff_required
@require_POST
def project_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """One POST endpoint per form on the detail page: transition, progress, photo, milestone."""
    user = cast(User, request.user)
    selectors.project_get_for(user, code)  # 404 outside the area, before anything else
    forms_by_action = {
        "transition": ("transition_form", TransitionForm),
        "progress": ("progress_form", ProgressForm),
        "photo": ("photo_form", PhotoForm),
        "milestone": ("milestone_form", MilestoneForm),
    }
    if action not in forms_by_action:
        raise NotFound("not_found", _("No such page."))
    name, form_class = forms_by_action[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "transition":
                services.project_transition(
                    actor=user,
                    code=code,
                    target=data["target"],
                    on=data["on"],
                    note=data["note"],
                    ip=client_ip(request),
                )
            elif action == "progress":
                services.progress_report_submit(
                    actor=user,
                    code=code,
                    month=data["month"],
                    progress=data["progress"],
                    actual_city=data["actual_city"],
                    actual_district=data["actual_district"],
                    actual_social=data["actual_social"],
                    note=data["note"],
                    ip=client_ip(request),
                )
            elif action == "photo":
                services.photo_add(
                    actor=user,
                    code=code,
                    phase=data["phase"],
                    upload=data["image"],
                    caption=data["caption"],
                    ip=client_ip(request),
                )
            else:
                services.milestone_add(
                    actor=user,
                    code=code,
                    name=data["name"],
                    weight=data["weight"],
                    planned_on=data["planned_on"],
                    ip=client_ip(request),
                )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("projects_console:detail", code=code)
    context = _detail_context(request, code, **{name: form})
    return render(request, "projects/console/detail.html", context, status=400)


@staff_required
@require_POST
def milestone_done(request: HttpRequest, code: str, milestone_id: int) -> HttpResponse:
    try:
        services.milestone_complete(
            actor=cast(User, request.user), milestone_id=milestone_id, ip=client_ip(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("projects_console:detail", code=code)


def _month_param(request: HttpRequest) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@staff_required
@require_http_methods(["GET", "POST"])
def monthly_upload(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    month = _month_param(request)
    form = MonthlyUploadForm(
        request.POST or None, request.FILES or None, initial={"month": f"{month:%Y-%m}"}
    )
    result = None
    row_errors: list[services.RowError] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        try:
            result = services.monthly_report_import(
                actor=user,
                month=month,
                data=form.cleaned_data["file"].read(),
                valid_rows_only=form.cleaned_data["valid_rows_only"],
                ip=client_ip(request),
            )
        except services.RowErrors as error:
            row_errors = error.errors
            form.add_error(None, str(error))
            status = 400
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            row_errors = result.errors
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "projects/console/monthly.html",
        {
            "form": form,
            "month": month,
            "result": result,
            "row_errors": row_errors,
            "reports": selectors.reports_for_month(user, services.month_start(month))[:200],
        },
        status=status,
    )


@staff_required
def monthly_template(request: HttpRequest) -> HttpResponse:
    month = _month_param(request)
    projects = selectors.project_list_for(request.user, selectors.ProjectFilter()).exclude(
        status=Status.ACCEPTED
    )
    reportable = [p for p in projects[:5000] if permissions.can_report_progress(request.user, p)]
    rows = [(p.code, p.name, p.progress, None, None, None, "") for p in reportable]
    data = workbooks.workbook_bytes(workbooks.MONTHLY_COLUMNS, rows, title=f"{month:%Y-%m}")
    return _xlsx(data, f"monthly-report-{month:%Y-%m}.xlsx")


@staff_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() else None
    form = UploadForm(request.POST or None, request.FILES or None)
    row_errors: list[services.RowError] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.plan_import(
                actor=user,
                data=form.cleaned_data["file"].read(),
                valid_rows_only=form.cleaned_data["valid_rows_only"],
                ip=client_ip(request),
            )
        except services.RowErrors as error:
            row_errors = error.errors
            form.add_error(None, str(error))
            status = 400
        except DomainError as error:
            add_domain_error(form, error)
            status = 400
        else:
            row_errors = result.errors
            messages.success(
                request,
                _("Plan imported: %(created)s new, %(updated)s updated, %(skipped)s skipped.")
                % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
            )
            if not row_errors:
                return redirect("projects_console:plan")
    targets = Paginator(selectors.plan_targets_for(user, year=year), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/console/plan.html",
        {"form": form, "page": targets, "year": year, "row_errors": row_errors},
        status=status,
    )


@staff_required
def plan_template(request: HttpRequest) -> HttpResponse:
    districts = [
        d for d in selectors.district_list() if permissions.can_set_plan(request.user, d.code)
    ]
    rows = [
        (t.name, d.code, d.short_name, year, None, None)
        for d in districts
        for year in (2018, 2019, 2020)
        for t in selectors.type_choices()
    ]
    data = workbooks.workbook_bytes(workbooks.PLAN_COLUMNS, rows, title="plan")
    return _xlsx(data, "three-year-plan.xlsx")


def _stats_params(request: HttpRequest) -> tuple[date, int, str]:
    today = timezone.localdate()
    try:
        as_of = date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        as_of = today
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() and len(year_raw) == 4 else as_of.year
    district = request.GET.get("district", "")
    if not (district.isdigit() and len(district) == 12):
        district = ""
    return as_of, year, district


@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    if not any(a.role in READERS or a.role == "system_admin" for a in areas_of(request.user)):
        raise DjangoPermissionDenied
    as_of, year, district = _stats_params(request)
    report = selectors.as_of_report(request.user, as_of=as_of, year=year, district=district)
    chart = {
        "types": [r.project_type.name for r in report.rows],
        "implemented": [r.implemented for r in report.rows],
        "planned": [r.planned_count for r in report.rows],
        "labels": {"implemented": _("Under way"), "planned": _("Plan")},
    }
    return render(
        request,
        "projects/console/stats.html",
        {
            "report": report,
            "chart": chart,
            "districts": selectors.district_list().only("code", "short_name"),
            "district": district,
            "query": request.GET.urlencode(),
        },
    )


@staff_required
def stats_export(request: HttpRequest) -> HttpResponse:
    as_of, year, district = _stats_params(request)
    report = selectors.as_of_report(request.user, as_of=as_of, year=year, district=district)
    columns = workbooks.STATS_COLUMNS
    rows: list[list[Any]] = [
        [
            r.project_type.action.name,
            r.project_type.name,
            r.implemented,
            r.planned_count,
            r.rate,
            r.investment,
            *[r.by_status[s] for s in Status.values],
        ]
        for r in report.rows
    ]
    rows.append([report.sentence()])
    data = workbooks.workbook_bytes(columns, rows, title=f"{as_of:%Y-%m-%d}")
    return _xlsx(data, f"projects-as-of-{as_of:%Y-%m-%d}.xlsx")


@staff_required
@require_http_methods(["GET", "POST"])
def taxonomy(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    may_edit = permissions.can_edit_taxonomy(user)
    action_choices = [(a.code, a.name) for a in Action.objects.all()]
    form = ProjectTypeForm(request.POST or None, action_choices=action_choices)
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.project_type_save(
                    actor=user,
                    code=data["code"],
                    name=data["name"],
                    action_code=data["action"],
                    report_label=data["report_label"],
                    unit=data["unit"],
                    is_active=data["is_active"],
                    ip=client_ip(request),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("projects_console:taxonomy")
        status = 400
    return render(
        request,
        "projects/console/taxonomy.html",
        {"actions": selectors.taxonomy(), "form": form, "may_edit": may_edit},
        status=status,
    )
