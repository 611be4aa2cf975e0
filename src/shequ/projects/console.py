"""Staff pages: the scoped project list, registration, status moves, progress, photos,
monthly Excel reports, the three-year plan, the as-of statistics and the taxonomy."""

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.digits import digits_or_none, int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import StyledForm, add_domain_error
from shequ.core.models import TaskRecord
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import READERS, areas_of, staff_required
from shequ.projects import permissions, selectors, tasks, workbooks
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
from shequ.projects.services import (
    import_results,
    lifecycle,
    planning,
    project_types,
    registration,
    reporting,
)
from shequ.web.pickers import bind_pickers

PAGE_SIZE = 50
# A monthly workbook with more rows than this is imported in the background, with progress.
BACKGROUND_ROWS = 500
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


def _saved_or_shown(
    request: HttpRequest,
    form: StyledForm,
    code: str,
    save: Callable[[], object],
    *,
    message: str = "",
) -> HttpResponse | None:
    """Run a service call for a valid form: on success a message and the project's page; on a
    refusal ``None``, the error left on the form to show again (NotFound stays a 404)."""
    try:
        save()
    except NotFound:
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return None
    messages.success(request, message or _("Saved."))
    return redirect("projects_console:detail", code=code)


PREFILLABLE = ("name", "communities", "year", "location", "description")


def _codes(value: object) -> list[str]:
    """Community codes given as a list or as one comma-separated string (links, edits)."""
    if isinstance(value, str):
        return [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]
    return [str(c) for c in value] if isinstance(value, list | tuple) else []


def _project_form(
    request: HttpRequest, *, editing: bool = False, initial: dict[str, Any] | None = None
) -> ProjectForm:
    initial = dict(initial or {})
    if "communities" in initial:
        initial["communities"] = _codes(initial["communities"])
    form = ProjectForm(
        request.POST or None,
        type_choices=[(t.code, f"{t.action.name} · {t.name}") for t in selectors.type_choices()],
        department_choices=[(d.code, d.name) for d in selectors.department_choices()],
        editing=editing,
        initial=initial,
    )
    bind_pickers(form, request.user)
    return form


def _project_arguments(data: dict[str, Any], *, main: str = "") -> dict[str, Any]:
    """The service's keyword arguments from a valid ``ProjectForm``; ``main``: the project's
    main community so far, kept first when it stays ticked."""
    codes = list(data["communities"])
    if main in codes:
        codes = [main, *(c for c in codes if c != main)]
    return {
        "name": data["name"],
        "type_code": data["project_type"],
        "community_codes": codes,
        "year": data["year"],
        "location": data["location"],
        "planned_city": data["planned_city"],
        "planned_district": data["planned_district"],
        "planned_social": data["planned_social"],
        "department_code": data["department"],
        "implementer": data["implementer"],
        "planned_start": data["planned_start"],
        "planned_end": data["planned_end"],
        "description": data["description"],
    }


@staff_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    # Other pages link here with the known facts filled in (e.g. a budgeting round's winner).
    prefill = {key: request.GET[key] for key in PREFILLABLE if key in request.GET}
    form = _project_form(request, initial=prefill)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        done = _saved_or_shown(
            request,
            form,
            code,
            lambda: registration.project_create(
                actor=cast(User, request.user),
                code=code,
                ip=client_ip(request),
                **_project_arguments(form.cleaned_data),
            ),
            message=_("The project is registered."),
        )
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/console/form.html", {"form": form}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Edit a registered project (managers of its area), with the registration's checks."""
    user = cast(User, request.user)
    project = selectors.project_get_for(user, code)  # 404 outside the area
    if not permissions.can_manage_project(user, project):
        raise DjangoPermissionDenied
    form = _project_form(request, editing=True, initial=selectors.project_form_initial(project))
    if request.method == "POST" and form.is_valid():
        done = _saved_or_shown(
            request,
            form,
            code,
            lambda: registration.project_update(
                actor=user,
                code=code,
                ip=client_ip(request),
                **_project_arguments(form.cleaned_data, main=project.division_id),
            ),
        )
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    return render(
        request, "projects/console/form.html", {"form": form, "project": project}, status=status
    )


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


# The forms of the detail page: action → (context name, form, service call with the form's data).
_DETAIL_ACTIONS: dict[str, tuple[str, type[StyledForm], Callable[..., object]]] = {
    "transition": ("transition_form", TransitionForm, lifecycle.project_transition),
    "progress": ("progress_form", ProgressForm, reporting.progress_report_submit),
    "photo": ("photo_form", PhotoForm, reporting.photo_add),
    "milestone": ("milestone_form", MilestoneForm, reporting.milestone_add),
}
# Form fields named otherwise in the service.
_SERVICE_ARGUMENT = {"image": "upload"}


@staff_required
@require_POST
def project_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """One POST endpoint per form on the detail page: transition, progress, photo, milestone."""
    user = cast(User, request.user)
    selectors.project_get_for(user, code)  # 404 outside the area, before anything else
    if action not in _DETAIL_ACTIONS:
        raise NotFound("not_found", _("No such page."))
    name, form_class, service = _DETAIL_ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        arguments = {_SERVICE_ARGUMENT.get(k, k): v for k, v in form.cleaned_data.items()}
        done = _saved_or_shown(
            request,
            form,
            code,
            lambda: service(actor=user, code=code, ip=client_ip(request), **arguments),
        )
        if done is not None:
            return done
    context = _detail_context(request, code, **{name: form})
    return render(request, "projects/console/detail.html", context, status=400)


@staff_required
@require_POST
def milestone_done(request: HttpRequest, code: str, milestone_id: int) -> HttpResponse:
    try:
        reporting.milestone_complete(
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


def _import(
    form: UploadForm, run: Callable[..., import_results.ImportResult], **arguments: Any
) -> tuple[import_results.ImportResult | None, list[import_results.RowError], int]:
    """Run an Excel import with the uploaded file: (result, row errors, HTTP status).

    Refused files leave their errors on the form (and the rows' in the list)."""
    try:
        result = run(
            data=form.cleaned_data["file"].read(),
            valid_rows_only=form.cleaned_data["valid_rows_only"],
            **arguments,
        )
    except import_results.RowErrors as error:
        form.add_error(None, str(error))
        return None, error.errors, 400
    except DomainError as error:
        add_domain_error(form, error)
        return None, [], 400
    return result, result.errors, 200


@staff_required
@require_http_methods(["GET", "POST"])
def monthly_upload(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    month = _month_param(request)
    form = MonthlyUploadForm(
        request.POST or None, request.FILES or None, initial={"month": f"{month:%Y-%m}"}
    )
    result: import_results.ImportResult | None = None
    row_errors: list[import_results.RowError] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        upload = form.cleaned_data["file"]
        if workbooks.sheet_row_count(upload.read()) > BACKGROUND_ROWS:
            upload.seek(0)
            task_id = _monthly_import_enqueue(request, form)
            return redirect("projects_console:task", task_id=task_id)
        upload.seek(0)
        result, row_errors, status = _import(
            form,
            reporting.monthly_report_import,
            actor=user,
            month=month,
            ip=client_ip(request),
        )
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
            "reports": selectors.reports_for_month(user, reporting.month_start(month))[:200],
        },
        status=status,
    )


def _monthly_import_enqueue(request: HttpRequest, form: MonthlyUploadForm) -> str:
    """Keep the upload in the default storage and queue its import; returns the task id."""
    data = form.cleaned_data
    file_name = default_storage.save(f"project_imports/{secrets.token_hex(16)}.xlsx", data["file"])
    queued = tasks.monthly_import.enqueue(
        actor_id=cast(User, request.user).pk,
        month=reporting.month_start(data["month"]).isoformat(),
        file_name=file_name,
        valid_rows_only=bool(data["valid_rows_only"]),
        language=get_language() or "zh-hans",
        ip=client_ip(request),
    )
    return str(queued.id)


@staff_required
def monthly_task(request: HttpRequest, task_id: str) -> HttpResponse:
    """A background monthly import: progress (polled), then its outcome. The uploader's only."""
    record = TaskRecord.objects.filter(
        pk=task_id, task_path="shequ.projects.tasks.monthly_import"
    ).first()
    if record is None or record.kwargs.get("actor_id") != request.user.pk:
        raise NotFound("task_not_found", _("No such task."))
    outcome = record.result if record.status == TaskRecord.Status.SUCCESSFUL else None
    template = (
        "projects/console/_task.html"
        if request.headers.get("HX-Request")
        else "projects/console/task.html"
    )
    return render(
        request,
        template,
        {
            "record": record,
            "percent": round(record.progress * 100),
            "outcome": outcome,
            "row_errors": (outcome or {}).get("errors", []),
        },
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
    year = int_or_none(request.GET.get("year", ""))
    form = UploadForm(request.POST or None, request.FILES or None)
    row_errors: list[import_results.RowError] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        result, row_errors, status = _import(
            form, planning.plan_import, actor=user, ip=client_ip(request)
        )
        if result is not None:
            messages.success(
                request,
                _("Plan imported: %(created)s new, %(updated)s updated, %(skipped)s skipped.")
                % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
            )
            if not row_errors:
                return redirect("projects_console:plan")
    elif request.method == "POST":
        status = 400
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
    year_digits = digits_or_none(request.GET.get("year", "")) or ""
    year = int(year_digits) if len(year_digits) == 4 else as_of.year
    district = digits_or_none(request.GET.get("district", "")) or ""
    if len(district) != 12:
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
                project_types.project_type_save(
                    actor=user,
                    code=data["code"],
                    name=data["name"],
                    name_en=data["name_en"],
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
