"""Reads of the catalogue: public browsing and search, and department staff's own list.

What residents browse and search is the same for everyone: it is kept in the shared cache
under the catalogue's version number (see ``catalogue.cache``), which every write bumps.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.cache import bump_catalogue_version as bump_catalogue_version
from shequ.catalogue.cache import cached
from shequ.catalogue.cache import fragment_context as fragment_context
from shequ.catalogue.models import SearchEntry, Service, Topic
from shequ.catalogue.search import highlight, parse_query, ranked_entry_ids
from shequ.core.errors import NotFound
from shequ.core.scopes import Role
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division


@dataclass(frozen=True)
class SearchHit:
    """One ranked result with its title and snippet highlighted (already HTML-escaped)."""

    kind: str
    service: Service | None
    title: str
    title_html: SafeString
    snippet_html: SafeString
    department: str
    policy_id: int | None


def service_search(*, query: str, limit: int = 20, kind: str | None = None) -> list[SearchHit]:
    """Published services and policies matching ``query`` (colloquial words understood).

    From the shared cache while the catalogue is unchanged: no database query at all.
    """
    query = query.strip()[:100]
    return cached(
        "search",
        (query, limit, kind),
        lambda: _service_search(query=query, limit=limit, kind=kind),
    )


def _service_search(*, query: str, limit: int, kind: str | None) -> list[SearchHit]:
    parsed = parse_query(query)
    if not parsed.groups:
        return []
    ids = ranked_entry_ids(parsed, limit=limit, kind=kind)
    if not ids:
        return []
    entries = {
        e.pk: e
        for e in SearchEntry.objects.filter(pk__in=ids).select_related(
            "service__department", "policy__department"
        )
    }
    terms = parsed.terms
    hits = []
    for pk in ids:
        entry = entries.get(pk)
        if entry is None:
            continue
        source = entry.service or entry.policy
        department = source.department.short_name if source is not None else ""
        hits.append(
            SearchHit(
                kind=entry.kind,
                service=entry.service,
                title=entry.title,
                title_html=highlight(entry.title, terms),
                snippet_html=highlight(entry.text, terms, window=90),
                department=department,
                policy_id=entry.policy_id,
            )
        )
    return hits


def service_list(
    *, topic: str | None = None, kind: str | None = None, department: str | None = None
) -> QuerySet[Service]:
    """Published services, optionally of one life event/theme, kind or department."""
    queryset = Service.objects.filter(is_published=True).select_related("department")
    if topic:
        queryset = queryset.filter(topics__code=topic)
    if kind:
        queryset = queryset.filter(kind=kind)
    if department:
        queryset = queryset.filter(department__code=department)
    return queryset.order_by("name")


def service_get(*, service_id: int) -> Service:
    """A published service. Raises: NotFound."""
    service = (
        Service.objects.filter(pk=service_id, is_published=True)
        .select_related("department", "sso_app", "in_person_division__parent__parent")
        .prefetch_related("topics")
        .first()
    )
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    return service


def published_services(*, topic: str | None = None, kind: str | None = None) -> list[Service]:
    """``service_list`` as a list, from the shared cache while the catalogue is unchanged."""
    return cached("services", (topic, kind), lambda: list(service_list(topic=topic, kind=kind)))


def topic_list(*, kind: str) -> QuerySet[Topic]:
    return Topic.objects.filter(kind=kind).order_by("order", "code")


def topic_list_all() -> QuerySet[Topic]:
    """Every life event and theme with how many services each groups (for the console)."""
    return Topic.objects.annotate(service_count=Count("services")).order_by("kind", "order", "code")


def topic_get(*, topic_id: int) -> Topic:
    """Raises: NotFound."""
    topic = Topic.objects.filter(pk=topic_id).first()
    if topic is None:
        raise NotFound("topic_not_found", _("No such life event or theme."))
    return topic


def topic_services(*, topic_id: int) -> QuerySet[Service]:
    """The services under one topic, published or not. Raises: NotFound."""
    topic = topic_get(topic_id=topic_id)
    return topic.services.select_related("department").order_by("name")


def topics_of_kind(*, kind: str) -> list[Topic]:
    """The life events or themes, in order, from the shared cache."""
    return cached("topics", (kind,), lambda: list(topic_list(kind=kind)))


def service_list_for(*, user: Any) -> QuerySet[Service]:
    """Services the staff member may edit: their department's (all for administrators)."""
    return scope_queryset(
        Service.objects.select_related("department"),
        user,
        division_field=None,
        department_field="department_id",
        roles={Role.DEPARTMENT_STAFF},
    ).order_by("name")


def service_get_for(*, user: Any, service_id: int) -> Service:
    """Raises: NotFound for another department's service (indistinguishable from missing)."""
    service = service_list_for(user=user).filter(pk=service_id).first()
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    return service


# --- what a service page offers (no dead ends) ------------------------------------------

DEFAULT_PHONE = "12345"  # 成都市民服务热线 (the city's one hotline)


@dataclass(frozen=True)
class InPerson:
    """How to do a service at a window: where, when, what to bring, and a slot to book."""

    window: str
    address: str
    place: str
    hours: str
    phone: str
    documents: list[str]
    booking_url: str
    booking_label: str


@dataclass(frozen=True)
class ServiceWay:
    """The service page's primary action, and the in-person way where there is one.

    ``action``: ``apply`` (a published form), ``app`` (a department app through single
    sign-on), ``book`` (venues with slots), ``pay`` (the resident's bills), ``appeal`` (a
    complaint or repair: the request intake with its category chosen), ``done`` (the visitor
    has done it already on the platform's own page: a link to where it stands), or ``""`` when
    the page's answer is the in-person block alone (never an "apply online" button then).
    """

    action: str
    action_url: str
    app_name: str
    in_person: InPerson | None


def division_place(division: Division | None) -> str:
    """``成都市 武侯区 玉林街道 倪家桥社区``: a division and its parents, city first."""
    names: list[str] = []
    seen = 0
    while division is not None and seen < 5:
        names.append(division.name)
        division = division.parent
        seen += 1
    return " ".join(reversed(names))


def _venues_for(service: Service, user: Any) -> bool:
    from shequ.bookings.selectors import venue_list_for_resident

    return venue_list_for_resident(user=user, service_id=service.pk).filter(is_open=True).exists()


def _in_person(service: Service, user: Any) -> InPerson:
    from shequ.bookings.models import Venue

    resident = getattr(user, "resident", None) if user.is_authenticated else None
    community = resident.community if resident is not None else None
    if service.community_level and community is not None:
        # Handled with the community: the resident's own 党群服务中心 takes it.
        window = str(_("Convenience window of your community service centre"))
        address = _("%(name)s community service centre") % {"name": community.name}
        place = division_place(community)
    else:
        window = service.in_person_window or service.department.name
        address = service.in_person_address
        place = division_place(service.in_person_division)
    booking_url, booking_label = "", ""
    if _venues_for(service, user):
        booking_url = f"{reverse('bookings:venue_list')}?service={service.pk}"
        booking_label = str(_("Book a time at the window"))
    else:
        hall = (
            Venue.objects.filter(kind=Venue.Kind.HALL, is_open=True, service__code="zhengwu-yuyue")
            .values_list("service_id", flat=True)
            .first()
        )
        if hall is not None:
            booking_url = f"{reverse('bookings:venue_list')}?service={hall}"
            booking_label = str(_("Take a queue number at the service hall"))
    return InPerson(
        window=window,
        address=address,
        place=place,
        hours=service.in_person_hours,
        phone=service.phone or DEFAULT_PHONE,
        documents=service.document_list,
        booking_url=booking_url,
        booking_label=booking_label,
    )


# 志愿者注册 is done on the volunteers' own registration page rather than by a form.
VOLUNTEER_REGISTRATION = "qingshaonian-zhiyuan"


def service_way(*, service: Service, user: Any) -> ServiceWay:
    """What the service page offers this visitor: see ``ServiceWay``."""
    if service.code == VOLUNTEER_REGISTRATION:
        from shequ.volunteers.selectors import volunteer_of

        if volunteer_of(user) is not None:
            # Registered already: a second registration form would only end in an error.
            return ServiceWay("done", reverse("volunteers:home"), "", None)
        return ServiceWay("apply", reverse("volunteers:register"), "", None)
    app = service.sso_app if service.sso_app_id and service.sso_entry_url else None
    app_ok = app is not None and bool(getattr(app, "is_active", False))
    app_name = app.name if app is not None and app_ok else ""
    kind = service.kind
    from shequ.appeals.selectors import category_for_service

    appeal_category = category_for_service(service.code)
    if appeal_category is not None:
        # A complaint or repair service: the one window for residents' requests (12345).
        url = f"{reverse('appeals:new')}?category={appeal_category.code}"
        return ServiceWay("appeal", url, "", _in_person(service, user))
    if kind == Service.Kind.APPLICATION and service.forms.exists():
        return ServiceWay("apply", reverse("casework:apply", args=[service.pk]), "", None)
    if app_ok and kind in (Service.Kind.APPLICATION, Service.Kind.QUERY, Service.Kind.BOOKING):
        return ServiceWay("app", service.sso_entry_url, app_name, _in_person(service, user))
    if kind == Service.Kind.BOOKING and _venues_for(service, user):
        url = f"{reverse('bookings:venue_list')}?service={service.pk}"
        return ServiceWay("book", url, "", None)
    if kind == Service.Kind.PAYMENT:
        return ServiceWay("pay", reverse("payments:bill_list"), "", _in_person(service, user))
    return ServiceWay("", "", "", _in_person(service, user))
