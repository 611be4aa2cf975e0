"""The residents' service catalogue: life events, themes, search, one service."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from shequ.catalogue import selectors
from shequ.catalogue.models import Service, Topic
from shequ.policies.selectors import policies_governing_service


def catalogue_home(request: HttpRequest) -> HttpResponse:
    """Search box, life events and themes; a topic or kind filter lists its services."""
    query = request.GET.get("q", "").strip()[:100]
    topic = request.GET.get("topic", "")[:40]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Service.Kind.values else ""
    # Services first; a few policy documents after them, so policies never bury a service.
    # Each list is read only if the template's cached fragment of it is missing (lazily,
    # at most once): a repeated search reads nothing but the catalogue's version.
    hits = SimpleLazyObject(
        lambda: selectors.service_search(query=query, kind="service") if query else []
    )
    policies = SimpleLazyObject(
        lambda: selectors.service_search(query=query, kind="policy", limit=5) if query else []
    )
    services = SimpleLazyObject(
        lambda: (
            list(selectors.published_services(topic=topic or None, kind=kind or None))
            if (topic or kind) and not query
            else []
        )
    )
    htmx = request.headers.get("HX-Request") == "true"
    template = "catalogue/_results.html" if htmx else "catalogue/home.html"
    return render(
        request,
        template,
        {
            "query": query,
            "topic": topic,
            "kind": kind,
            "kinds": Service.Kind.choices,
            "hits": hits,
            "policies": policies,
            "services": services,
            "life_events": SimpleLazyObject(
                lambda: selectors.topics_of_kind(kind=Topic.Kind.LIFE_EVENT)
            ),
            "themes": SimpleLazyObject(lambda: selectors.topics_of_kind(kind=Topic.Kind.THEME)),
            # The rendered results and topic lists are the same for everyone: kept in each
            # process's memory under the catalogue's version (see catalogue.cache).
            **selectors.fragment_context(),
        },
    )


def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    service = selectors.service_get(service_id=service_id)
    way = selectors.service_way(service=service, user=request.user)
    policies = policies_governing_service(service_id=service.pk)
    return render(
        request,
        "catalogue/service_detail.html",
        {"service": service, "way": way, "policies": policies},
    )
