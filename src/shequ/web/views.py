"""The staff console's start page; health checks and metrics for the operators (the
residents' home is the portal's, ``shequ.portal.views.home``)."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from shequ.core.health import READINESS_CHECKS, Check, run_checks
from shequ.core.metrics import metrics_allowed, metrics_exposition
from shequ.core.scopes import CITY_CODE, Role
from shequ.people.permissions import areas_of, staff_required
from shequ.people.selectors import department_list
from shequ.places.console import children_with_counts
from shequ.places.models import Division
from shequ.places.selectors import divisions_by_code


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers requests. Touches nothing else, so a database outage
    does not get every web process restarted."""
    return JsonResponse({"status": "ok"})


def _divisions_check() -> Check:
    # The city's divisions are loaded by ``bootstrap`` on a first start: until then every
    # page that picks a place would be empty.
    loaded = Division.objects.filter(pk=CITY_CODE).exists()
    return {"ok": loaded} if loaded else {"ok": False, "error": "divisions not loaded yet"}


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database, the task queue, the cache, the file storage and a
    task worker all answer, 503 naming what does not."""
    checks = run_checks({**READINESS_CHECKS, "divisions": _divisions_check})
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the addresses in ``METRICS_ALLOWED_IPS`` only; to anyone else
    the address does not exist."""
    if not metrics_allowed(request):
        raise Http404
    body, content_type = metrics_exposition()
    return HttpResponse(body, content_type=content_type)


@staff_required
def console_home(request: HttpRequest) -> HttpResponse:
    """The division tree of each of the user's areas, with resident counts."""
    areas = areas_of(request.user)
    codes = {a.division_code for a in areas if a.division_code}
    if any(a.role == Role.SYSTEM_ADMIN for a in areas):
        codes.add(CITY_CODE)
    divisions = divisions_by_code(codes)
    roots = [
        {"division": division, "children": children_with_counts(division)}
        for _code, division in sorted(divisions.items())
    ]
    department_ids = [a.department_id for a in areas if a.department_id is not None]
    department_names = dict(
        department_list().filter(pk__in=department_ids).values_list("pk", "name")
    )
    area_labels = [
        {
            "role": Role(a.role).label,
            "scope": divisions.get(a.division_code or "")
            or department_names.get(a.department_id or 0)
            or _("everywhere"),
        }
        for a in areas
    ]
    return render(
        request,
        "web/console_home.html",
        {"area_labels": area_labels, "roots": roots, "departments": department_ids},
    )
