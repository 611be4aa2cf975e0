"""The residents' portal: home, site-wide search, display preference; public dashboards and
open data. Views are thin: the rules are in selectors (reads) and services (writes)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.catalogue.models import Topic
from shequ.catalogue.selectors import fragment_context, topics_of_kind
from shequ.core.errors import DomainError, NotFound
from shequ.core.names import shown_name
from shequ.core.scopes import CITY_CODE
from shequ.participation import selectors as participation_selectors
from shequ.people.permissions import areas_of
from shequ.portal import exports, registry, selectors, services
from shequ.portal import home as home_selectors
from shequ.web.community_choice import choose_community


def home(request: HttpRequest) -> HttpResponse:
    """The portal home: a search box, life events and themes; for a signed-in resident their
    to-dos and their community's card. Staff coming from the sign-in land on their console."""
    just_signed_in = request.user.is_authenticated and request.session.pop(
        services.JUST_SIGNED_IN, False
    )
    if just_signed_in and areas_of(request.user):
        return redirect("console:home")
    resident = getattr(request.user, "resident", None) if request.user.is_authenticated else None
    context: dict[str, Any] = {
        "resident": resident,
        # Read only when the template's cached fragment of them is missing.
        "life_events": SimpleLazyObject(lambda: topics_of_kind(kind=Topic.Kind.LIFE_EVENT)),
        "themes": SimpleLazyObject(lambda: topics_of_kind(kind=Topic.Kind.THEME)),
        **fragment_context(),
    }
    if request.user.is_authenticated:
        context["todos"] = home_selectors.todos_for(request.user, resident)
    if resident is not None and resident.community_id:
        context["card"] = home_selectors.community_card(
            resident.community_id, shown_name(resident.community, "short_name")
        )
    return render(request, "portal/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """``/search/?q=…[&kind=…]``: grouped results, or a page of one kind."""
    query = request.GET.get("q", "")
    kind = request.GET.get("kind", "")[:24]
    context: dict[str, Any] = {"query": query[:100], "kind": kind, "result": None, "error": ""}
    status = 200
    if query.strip() or "q" in request.GET:
        try:
            result = selectors.site_search(query=query, user=request.user, kind=kind)
        except DomainError as error:
            context["error"] = str(error)
            status = 400
        else:
            context["result"] = result
            context["task"] = selectors.first_task(result)
    return render(request, "portal/search.html", context, status=status)


def report(request: HttpRequest) -> HttpResponse:
    """Report a problem: the form of the registered "report" task (the requests app's, 12345),
    so an old link or bookmark lands where the search's button does; without such an app,
    the resident's community's proposal form."""
    task = next((t for t in registry.tasks() if t.code == "report"), None)
    if task is not None and task.url_name != "portal:report":
        return redirect(task.url_name)
    return _report_as_proposal(request)


@login_required
def _report_as_proposal(request: HttpRequest) -> HttpResponse:
    return choose_community(request, url_name="participation:propose", title=_("Report a problem"))


def _safe_next(request: HttpRequest) -> str:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return "/"


@require_POST
def large_text(request: HttpRequest) -> HttpResponse:
    """Switch large text on or off; kept in a cookie, and for a signed-in person on their
    account too (so it follows them to another phone)."""
    on = request.POST.get("on") == "1"
    services.display_set(request=request, large_text=on)
    response: HttpResponseRedirect = redirect(_safe_next(request))
    services.display_cookie(response, large_text=on)
    return response


def dashboard(request: HttpRequest, code: str = CITY_CODE) -> HttpResponse:
    """Public figures of a division and its children, each from a frozen dataset."""
    try:
        on = selectors.parse_day(request.GET.get("on", ""), today=timezone.localdate())
    except DomainError as error:
        return render(request, "portal/dashboard_error.html", {"error": str(error)}, status=400)
    board = selectors.dashboard(code=code, on=on)
    context = {"board": board, "map": selectors.dashboard_map(board)}
    return render(request, "portal/dashboard.html", context)


def catalogue(request: HttpRequest) -> HttpResponse:
    context = {
        "entries": selectors.open_data_catalogue(),
        # Residents' decisions: every budgeting round whose results are out (Pabulib, CSV).
        "rounds": list(participation_selectors.rounds_published(limit=100)),
    }
    return render(request, "portal/open_data.html", context)


def catalogue_jsonld(request: HttpRequest) -> HttpResponse:
    body = selectors.dcat_catalogue(base_url=request.build_absolute_uri("/").rstrip("/"))
    return JsonResponse(
        body, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )


def dataset_detail(request: HttpRequest, dataset: str) -> HttpResponse:
    definition = selectors.dataset_or_404(dataset)
    return render(
        request,
        "portal/dataset.html",
        {
            "dataset": definition,
            "latest": selectors.snapshot_latest(dataset),
            "history": selectors.snapshot_history(dataset),
        },
    )


def dataset_download(
    request: HttpRequest, dataset: str, fmt: str, snapshot_id: int | None = None
) -> HttpResponseBase:
    """A snapshot as CSV, JSON or XLSX (``latest`` or a kept one by its number)."""
    definition = selectors.dataset_or_404(dataset)
    if fmt not in exports.FORMATS:
        raise NotFound("format_not_found", _("Download as csv, json or xlsx."))
    if snapshot_id is None:
        snapshot = selectors.snapshot_latest(dataset)
        if snapshot is None:
            raise NotFound("snapshot_not_found", _("This dataset has not been frozen yet."))
    else:
        snapshot = selectors.snapshot_get(dataset, snapshot_id)
    return exports.snapshot_response(definition, snapshot, fmt)
