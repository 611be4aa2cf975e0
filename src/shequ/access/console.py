"""Staff pages of the 15-minute service circle: runs and their progress, the walk-time map,
communities ranked by worst coverage (Excel/GeoJSON export), facility uploads and siting."""

import json
from io import BytesIO
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.access import background, selectors
from shequ.access.forms import (
    CategoryForm,
    NetworkUploadForm,
    RunForm,
    SitingForm,
    UploadForm,
)
from shequ.access.models import FacilityCategory, Network, NetworkImport, Run
from shequ.access.permissions import PLANNERS, is_planner, may_plan_in, may_read
from shequ.access.services import categories as category_services
from shequ.access.services import facilities as facility_services
from shequ.access.services import siting as siting_services
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.scopes import CITY_CODE, Role
from shequ.people.models import User
from shequ.people.permissions import areas_of, staff_required
from shequ.places.models import Division

PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVELS = (Division.Level.COMMUNITY, Division.Level.STREET, Division.Level.DISTRICT)


def _reader(request: HttpRequest) -> None:
    if not may_read(request.user):
        raise DjangoPermissionDenied


def _run(request: HttpRequest, run_id: int) -> Run:
    try:
        return selectors.run_get_for(request.user, run_id)
    except NotFound as exc:
        raise Http404 from exc


def _planner_districts(user: Any) -> list[tuple[str, str]]:
    areas = [a for a in areas_of(user) if a.role in PLANNERS or a.role == Role.SYSTEM_ADMIN]
    qs = Division.objects.filter(level=Division.Level.DISTRICT, is_active=True).only("code", "name")
    if not any(a.is_everywhere for a in areas):
        codes = [a.division_code[:6] + "000000" for a in areas if a.division_code]
        qs = qs.filter(code__in=codes)
    return [(d.code, d.name) for d in qs.order_by("code")]


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    _reader(request)
    runs = list(selectors.run_list_for(request.user)[:30])
    return render(
        request,
        "access/console/index.html",
        {
            "runs": runs,
            "networks": list(selectors.network_list()),
            "form": RunForm(),
            "upload": UploadForm(),
            "planner": is_planner(request.user),
            "categories": selectors.category_list(),
            "network_form": NetworkUploadForm(),
            "imports": list(NetworkImport.objects.select_related("network")[:5])
            if is_planner(request.user)
            else [],
            "may_edit_categories": category_services.may_edit_categories(request.user),
        },
    )


@staff_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    network = Network.objects.filter(pk=request.POST.get("network", "")).first()
    if network is None:
        raise Http404
    if form.is_valid():
        try:
            run = background.run_start(
                actor=cast(User, request.user), network=network, label=form.cleaned_data["label"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("access_console:index")
        messages.success(request, _("The run has started."))
        return redirect("access_console:run", run_id=run.pk)
    return redirect("access_console:index")


@staff_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    network = Network.objects.filter(pk=request.POST.get("network", "")).first()
    form = UploadForm(request.POST, request.FILES)
    if network is None or not form.is_valid():
        messages.error(request, _("Choose a network and a file."))
        return redirect("access_console:index")
    data = form.cleaned_data["file"]
    try:
        added = facility_services.facilities_upload(
            actor=cast(User, request.user),
            network=network,
            filename=data.name,
            data=data.read(),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)s facilities added.") % {"n": added})
    return redirect("access_console:index")


@staff_required
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    reload = request.GET.get("reload") == "1"
    response = render(request, "access/console/_progress.html", {"run": run, "reload": reload})
    if reload and run.status in (Run.Status.DONE, Run.Status.FAILED):
        response["HX-Refresh"] = "true"  # the page shows the results once the run is over
    return response


def _level(request: HttpRequest) -> str:
    level = request.GET.get("level", Division.Level.COMMUNITY)
    return level if level in LEVELS else Division.Level.COMMUNITY


@staff_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    level = _level(request)
    table = (
        selectors.community_table(request.user, run, level=level)
        if run.status == Run.Status.DONE
        else None
    )
    categories = run.parameters.get("categories", [])
    fails = request.GET.get("fails", "")
    if fails not in {c["code"] for c in categories}:
        fails = ""
    rows = table.rows if table else []
    if fails:
        rows = [r for r in rows if fails in r.failing]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    form = _siting_form(request, run, initial={"category": "elderly_care", "k": 5})
    return render(
        request,
        "access/console/run.html",
        {
            "run": run,
            "table": table,
            "page": page,
            "level": level,
            "levels": [(v, Division.Level(v).label) for v in LEVELS],
            "categories": categories,
            "form": form,
            "planner": is_planner(request.user),
            "sitings": list(selectors.siting_list_for(request.user, run)[:10]),
            "promise": int(selectors.PROMISE_SHARE * 100),
            "failing": _failing_summary(table),
            "no_data": table.no_data if table else [],
            "to_locate": selectors.communities_to_locate(request.user).count(),
            "fails": fails,
            "compare_with": list(selectors.comparable_runs_for(request.user, run)[:20])
            if run.status == Run.Status.DONE
            else [],
        },
    )


@staff_required
def run_map(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    categories = run.parameters.get("categories", [])
    codes = [c["code"] for c in categories]
    category = request.GET.get("category") or (codes[0] if codes else "")
    if category not in codes:
        raise Http404
    return render(
        request,
        "access/console/map.html",
        {
            "run": run,
            "categories": categories,
            "category": category,
            "no_data": category in selectors.run_no_data(run),
            "to_locate": selectors.communities_to_locate(request.user).count(),
        },
    )


@staff_required
def to_locate(request: HttpRequest) -> HttpResponse:
    """Communities of the user's area still without a service-centre location, each linked to
    its page where staff place it on a map."""
    _reader(request)
    communities = selectors.communities_to_locate(request.user)
    page = Paginator(communities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "access/console/to_locate.html",
        {"page": page, "total": page.paginator.count, "run": None},
    )


def _export_rows(request: HttpRequest, run: Run) -> tuple[list[str], list[list[Any]], Any]:
    level = _level(request)
    table = selectors.community_table(request.user, run, level=level)
    codes = [c["code"] for c in table.categories]
    header = [_("Code"), _("Name"), _("Parent"), _("Population"), _("All daily needs")]
    header += [c["name"] for c in table.categories] + [_("Fails")]
    rows = [
        [r.code, r.name, r.parent_name, round(r.population, 1), r.all_share]
        + [r.shares.get(c) for c in codes]
        + [", ".join(r.failing)]
        for r in table.rows
    ]
    return header, rows, table


@staff_required
def run_export_xlsx(request: HttpRequest, run_id: int) -> HttpResponse:
    from openpyxl import Workbook

    run = _run(request, run_id)
    if run.status != Run.Status.DONE:
        raise Http404
    header, rows, _table = _export_rows(request, run)
    book = Workbook()
    sheet = book.create_sheet("coverage", 0)
    book.remove(book.worksheets[1])
    sheet.title = "coverage"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buf = BytesIO()
    book.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="coverage-run-{run.pk}.xlsx"'
    return response


@staff_required
def run_export_geojson(request: HttpRequest, run_id: int) -> HttpResponse:
    """Divisions as points (service centre, else the district label point) with their shares."""
    run = _run(request, run_id)
    if run.status != Run.Status.DONE:
        raise Http404
    _header, _rows, table = _export_rows(request, run)
    located = {
        d.code: d
        for d in Division.objects.filter(code__in=[r.code for r in table.rows]).only(
            "code", "longitude", "latitude"
        )
    }
    features = []
    for r in table.rows:
        d = located.get(r.code)
        geometry = (
            {"type": "Point", "coordinates": [float(d.longitude), float(d.latitude)]}
            if d is not None and d.longitude is not None and d.latitude is not None
            else None
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": r.code,
                    "name": r.name,
                    "population": r.population,
                    "all_essential": r.all_share,
                    **{f"share_{k}": v for k, v in r.shares.items()},
                    "fails": r.failing,
                },
            }
        )
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="coverage-run-{run.pk}.geojson"'
    return response


def _siting_form(request: HttpRequest, run: Run, **kwargs: Any) -> SitingForm:
    categories = run.parameters.get("categories", [])
    everywhere = any(
        a.is_everywhere and (a.role in PLANNERS or a.role == Role.SYSTEM_ADMIN)
        for a in areas_of(request.user)
    )
    return SitingForm(
        *([request.POST, request.FILES] if request.method == "POST" else []),
        categories=[(c["code"], c["name"]) for c in categories],
        districts=_planner_districts(request.user),
        city_wide=everywhere,
        **kwargs,
    )


@staff_required
@require_http_methods(["POST"])
def siting_create(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    form = _siting_form(request, run)
    if form.is_valid():
        upload = form.cleaned_data.get("candidates")
        try:
            candidates = (
                siting_services.candidates_from_file(upload.name, upload.read()) if upload else None
            )
            siting = siting_services.siting_create(
                actor=cast(User, request.user),
                run=run,
                category_code=form.cleaned_data["category"],
                k=form.cleaned_data["k"],
                district_code=form.cleaned_data["district"],
                candidates=candidates,
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("access_console:siting", siting_id=siting.pk)
    messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("access_console:run", run_id=run.pk)


@staff_required
def siting_detail(request: HttpRequest, siting_id: int) -> HttpResponse:
    try:
        siting = selectors.siting_get_for(request.user, siting_id)
    except NotFound as exc:
        raise Http404 from exc
    total = siting.total_population or 1.0
    steps = [
        {**s, "share_after": s["covered_after"] / total, "gain_share": s["gain"] / total}
        for s in siting.sites
    ]
    return render(
        request,
        "access/console/siting.html",
        {
            "siting": siting,
            "steps": steps,
            "before": siting.initial_covered / total,
            "after": siting.final_covered / total,
            "may_plan": may_plan_in(request.user, siting.district_id or CITY_CODE),
        },
    )


@staff_required
@require_POST
def siting_what_if(request: HttpRequest, siting_id: int) -> HttpResponse:
    """Add the chosen sites to the run and recompute; then compare the two runs."""
    try:
        siting = selectors.siting_get_for(request.user, siting_id)
        what = background.siting_what_if(actor=cast(User, request.user), siting=siting)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("access_console:siting", siting_id=siting_id)
    url = reverse("access_console:compare")
    return redirect(f"{url}?a={siting.run_id}&b={what.pk}&category={siting.category.code}")


def _failing_summary(table: selectors.CoverageTable | None) -> list[dict[str, Any]]:
    """Per category: how many of the listed divisions fail the promise."""
    if table is None:
        return []
    return [
        {
            "code": c["code"],
            "name": c["name"],
            "minutes": c["minutes"],
            "failing": sum(1 for r in table.rows if c["code"] in r.failing),
            "total": len(table.rows),
            "no_data": c in table.no_data,
        }
        for c in table.categories
    ]


@staff_required
def compare(request: HttpRequest) -> HttpResponse:
    """Two runs of the same network side by side: per category and per community."""
    _reader(request)
    try:
        a = _run(request, int(request.GET.get("a", "")))
        b = _run(request, int(request.GET.get("b", "")))
    except ValueError as exc:
        raise Http404 from exc
    comparison = None
    error = ""
    if a.status == Run.Status.DONE and b.status == Run.Status.DONE:
        try:
            comparison = selectors.run_compare(
                request.user, a, b, category=request.GET.get("category", "")
            )
        except DomainError as exc:
            error = str(exc)
    elif a.network_id != b.network_id:
        error = _("Only runs of the same network can be compared.")
    rows = comparison.divisions if comparison else []
    if comparison and request.GET.get("changed", "1") == "1":
        rows = [d for d in rows if abs(d.diff) > 1e-9]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "access/console/compare.html",
        {
            "a": a,
            "b": b,
            "comparison": comparison,
            "error": error,
            "page": page,
            "changed": request.GET.get("changed", "1"),
            "runs": list(selectors.comparable_runs_for(request.user, a)[:30]),
            "promise": int(selectors.PROMISE_SHARE * 100),
        },
    )


@staff_required
@require_POST
def network_upload(request: HttpRequest) -> HttpResponse:
    form = NetworkUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an OpenStreetMap file (.osm or .osm.pbf)."))
        return redirect("access_console:index")
    data = form.cleaned_data["file"]
    try:
        job = background.network_import_start(
            actor=cast(User, request.user),
            filename=data.name,
            chunks=data.chunks(),
            name=form.cleaned_data["name"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("access_console:index")
    return redirect("access_console:import", import_id=job.pk)


def _import(request: HttpRequest, import_id: int) -> NetworkImport:
    if not is_planner(request.user):
        raise DjangoPermissionDenied
    job = NetworkImport.objects.select_related("network").filter(pk=import_id).first()
    if job is None:
        raise Http404
    return job


@staff_required
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    job = _import(request, import_id)
    sources = selectors.facility_sources(job.network) if job.network else []
    return render(
        request,
        "access/console/import.html",
        {"job": job, "form": RunForm(), "facility_sources": sources},
    )


@staff_required
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    job = _import(request, import_id)
    response = render(request, "access/console/_import_progress.html", {"job": job})
    if job.status in (NetworkImport.Status.DONE, NetworkImport.Status.FAILED):
        response["HX-Refresh"] = "true"
    return response


@staff_required
def categories(request: HttpRequest) -> HttpResponse:
    """Per-category walk-time thresholds and walking speeds (the city committee edits them)."""
    _reader(request)
    editable = category_services.may_edit_categories(request.user)
    failed: dict[str, CategoryForm] = {}
    if request.method == "POST":
        if not editable:
            raise DjangoPermissionDenied
        code = request.POST.get("code", "")
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = category_services.category_update(
                    actor=cast(User, request.user),
                    code=code,
                    threshold_minutes=form.cleaned_data["threshold_minutes"],
                    speed_mps=form.cleaned_data["speed_mps"],
                    essential=form.cleaned_data["essential"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s: %(minutes)s min at %(speed)s m/s; new runs use it.")
                    % {
                        "name": category.name,
                        "minutes": category.threshold_minutes,
                        "speed": category.speed_mps,
                    },
                )
                return redirect("access_console:categories")
        failed[code] = form
    rows = []
    for category in FacilityCategory.objects.all():
        form = failed.get(category.code) or CategoryForm(
            initial={
                "threshold_minutes": category.threshold_minutes,
                "speed_mps": category.speed_mps,
                "essential": category.essential,
            }
        )
        rows.append({"category": category, "form": form})
    return render(
        request,
        "access/console/categories.html",
        {"rows": rows, "editable": editable},
        status=400 if failed else 200,
    )
