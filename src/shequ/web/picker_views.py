"""JSON endpoints behind the console pickers (web/pickers.py, web/static/web/pickers.js)."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequ.core.digits import digits_or_none
from shequ.core.services import client_ip
from shequ.people.permissions import staff_required
from shequ.web import selectors, services

MAX_QUERY = 40


def _refused() -> JsonResponse:
    return JsonResponse({"results": [], "error": _("You have no area to choose from.")}, status=403)


@staff_required
@require_GET
def picker_divisions(request: HttpRequest) -> JsonResponse:
    """``?parent=<code>`` (empty: the city) → the children a picker may show this user."""
    areas = selectors.picker_areas(request.user, selectors.DIVISION_PICKER_ROLES)
    if not areas:
        return _refused()
    raw = request.GET.get("parent", "")
    parent = digits_or_none(raw) if raw else ""
    if parent is None or len(parent) not in (0, 12):
        return JsonResponse({"results": [], "error": _("Unknown division.")}, status=400)
    items = [
        {"code": d.code, "name": str(d), "level": d.level}
        for d in selectors.division_children_for(areas, parent)
    ]
    response = JsonResponse({"results": items})
    response["Cache-Control"] = "private, max-age=300"
    return response


@staff_required
@require_POST
def picker_people(request: HttpRequest) -> JsonResponse:
    """POST ``q`` (a name, optionally followed by the mobile number's last digits) and
    ``community`` → at most 10 residents of the user's area: name, masked ID, community."""
    if not selectors.picker_areas(request.user):
        return _refused()
    query = str(request.POST.get("q", "")).strip()
    community = digits_or_none(str(request.POST.get("community", ""))) or ""
    name, _tail = selectors.split_person_query(query)
    if not name or len(query) > MAX_QUERY:
        return JsonResponse(
            {"results": [], "more": False, "error": _("Type at least the family name.")},
            status=400,
        )
    found, more = services.person_search_logged(
        actor=request.user, query=query, community=community, ip=client_ip(request)
    )
    response = JsonResponse({"results": [p.as_dict() for p in found], "more": more})
    response["Cache-Control"] = "no-store"
    return response
