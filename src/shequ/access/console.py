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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.access import selectors, services
from shequ.access.forms import RunForm, SitingForm, UploadForm
from shequ.access.models import Network, Run
from shequ.access.permissions import PLANNERS, is_planner, may_read
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error
from shequ.core.scopes import Role
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
            run = services.run_start(
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
        added = services.facilities_upload(
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
    return render(request, "access/console/_progress.html", {"run": run})


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
    page = Paginator(table.rows if table else [], PAGE_SIZE).get_page(request.GET.get("page"))
    form = SitingForm(
        categories=[(c["code"], c["name"]) for c in categories],
        districts=_planner_districts(request.user),
        initial={"category": "elderly_care", "k": 5},
    )
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
        {"run": run, "categories": categories, "category": category},
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


@staff_required
@require_http_methods(["POST"])
def siting_create(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    categories = run.parameters.get("categories", [])
    form = SitingForm(
        request.POST,
        categories=[(c["code"], c["name"]) for c in categories],
        districts=_planner_districts(request.user),
    )
    if form.is_valid():
        try:
            siting = services.siting_create(
                actor=cast(User, request.user),
                run=run,
                category_code=form.cleaned_data["category"],
                k=form.cleaned_data["k"],
                district_code=form.cleaned_data["district"],
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
        },
    )
