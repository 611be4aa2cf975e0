"""Home pages: the residents' portal and the staff console's start page; health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from shequ.core.scopes import CITY_CODE, Role
from shequ.people.permissions import areas_of, staff_required
from shequ.people.selectors import department_list
from shequ.places.console import children_with_counts
from shequ.places.models import Division
from shequ.places.selectors import divisions_by_code


def home(request: HttpRequest) -> HttpResponse:
    resident = getattr(request.user, "resident", None) if request.user.is_authenticated else None
    return render(request, "web/home.html", {"resident": resident})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 once the database answers and the divisions are loaded."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        ready = Division.objects.filter(pk=CITY_CODE).exists()
    except Exception:
        ready = False
    return JsonResponse({"status": "ok" if ready else "starting"}, status=200 if ready else 503)


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
