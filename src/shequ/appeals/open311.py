"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the requests: discovery,
services and their definitions, filing a request with an application's key, and the public
requests. Every address ends in ``.json`` or ``.xml``; errors are the specification's list
of ``{code, description}`` with the HTTP status, in the caller's language (Chinese unless
``Accept-Language`` asks for English). Reads show public fields only, as the public page."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, tostring

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from shequ.appeals import selectors
from shequ.appeals.models import Appeal, AppealPhoto, Category, Nature
from shequ.appeals.services.open311 import Open311RequestIn, open311_request_submit
from shequ.core.errors import DomainError, RateLimited
from shequ.core.services import client_ip
from shequ.sso.api_auth import PerClientThrottle

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-03T00:00:00+08:00"
WINDOW = timedelta(days=90)
FORMATS = {"json": "application/json", "xml": "text/xml"}
# The element of each item of a list, in the XML form.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Throttle(PerClientThrottle):
    """Requests filed a minute per application key (the API's per-client limit)."""

    kind = "open311"

    def key_of(self, request: HttpRequest) -> str | None:
        key_id = getattr(request, "open311_key_id", None)
        return str(key_id) if key_id else None


THROTTLE = Open311Throttle()


# --- rendering --------------------------------------------------------------------------------


def _element(tag: str, value: Any) -> Element:
    element = Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(ITEM_TAGS[tag], item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def _render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    body = tostring(_element(root, data), encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _errors(fmt: str, status: int, description: str, reason: str = "") -> HttpResponse:
    error: dict[str, Any] = {"code": status, "description": description}
    if reason:
        error["reason"] = reason  # our stable machine code, beside the specification's
    return _render(fmt, "errors", [error], status)


def _domain_error(fmt: str, error: DomainError) -> HttpResponse:
    text = f"{error.field}: {error}" if error.field else str(error)
    return _errors(fmt, error.status, text, error.code)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404
    return fmt


def _open311(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Checks the format and answers a domain error in the specification's error format."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        fmt = _format(fmt)
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except DomainError as error:
            return _domain_error(fmt, error)

    wrapped.__doc__ = view.__doc__
    wrapped.__name__ = view.__name__
    return wrapped


def _w3c(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))[
        : -len("discovery.json")
    ]


# --- discovery and services -------------------------------------------------------------------


@require_GET
@_open311
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Where the endpoint is, what it speaks, and how an application gets a key."""
    data = {
        "changeset": CHANGESET,
        "contact": _("City committee, 12345 desk"),
        "key_service": _("Keys are given by the city committee on its console."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base(request).rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }
    return _render(fmt, "discovery", data)


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": str(category.get_deadline_class_display()),
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": str(category.get_nature_display()),
    }


@require_GET
@_open311
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """The categories that take requests, as services."""
    return _render(fmt, "services", [_service(c) for c in selectors.open311_services()])


@require_GET
@_open311
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    """The attributes a request of this service carries: its place and its nature."""
    category = selectors.open311_service_get(service_code)
    attributes = [
        {
            "variable": True,
            "code": "community",
            "datatype": "string",
            "required": True,
            "datatype_description": _(
                "The 12-digit code of the community or village, e.g. 510107005004."
            ),
            "order": 1,
            "description": _("Community or village where it is"),
        },
        {
            "variable": True,
            "code": "nature",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("One of the keys below; the category's own by default."),
            "order": 2,
            "description": _("Nature of the request"),
            "values": [{"key": value, "name": str(label)} for value, label in Nature.choices],
        },
    ]
    data = {"service_code": category.code, "attributes": attributes}
    return _render(fmt, "service_definition", data)


# --- requests -----------------------------------------------------------------------------------


def _media_url(request: HttpRequest, appeal: Appeal) -> str:
    photo = next((p for p in appeal.photos.all() if p.kind == AppealPhoto.Kind.PROBLEM), None)
    return request.build_absolute_uri(photo.file.url) if photo else ""


def _request_out(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    notes = str(appeal.get_status_display())
    if appeal.reply:
        notes = _("%(status)s: %(reply)s") % {"status": notes, "reply": appeal.reply}
    return {
        "service_request_id": appeal.number,
        "status": "open" if appeal.is_open else "closed",
        "status_notes": notes,
        "service_name": appeal.category.name,
        "service_code": appeal.category.code,
        "description": appeal.description,
        "agency_responsible": appeal.unit.name if appeal.unit else "",
        "service_notice": appeal.routing_reason,
        "requested_datetime": _w3c(appeal.created_at),
        "updated_datetime": _w3c(getattr(appeal, "updated", None) or appeal.created_at),
        "expected_datetime": _w3c(appeal.deadline_at),
        "address": appeal.address,
        "address_id": "",
        "zipcode": "",
        "lat": appeal.latitude,
        "long": appeal.longitude,
        "media_url": _media_url(request, appeal),
    }


def _when(request: HttpRequest, name: str) -> datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))  # a "+" in a query string reads as a space
    if moment is None:
        raise DomainError("bad_date", _("Write the date as 2026-09-30T10:00:00+08:00."), field=name)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _csv(request: HttpRequest, name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in request.GET.get(name, "").split(",") if part.strip())


def _query(request: HttpRequest) -> selectors.Open311Query:
    ids = _csv(request, "service_request_id")
    if ids:
        numbers = [selectors.number_to_id(i) for i in ids]
        return selectors.Open311Query(ids=tuple(n for n in numbers if n is not None))
    statuses = _csv(request, "status")
    if any(s not in ("open", "closed") for s in statuses):
        raise DomainError("bad_status", _("status is open or closed."), field="status")
    start, end = _when(request, "start_date"), _when(request, "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None and end is not None:
        start = end - WINDOW
    elif end is None and start is not None:
        end = start + WINDOW
    if start is not None and end is not None and (end < start or end - start > WINDOW):
        raise DomainError(
            "bad_window",
            _("From start_date to end_date is at most 90 days."),
            field="end_date",
        )
    return selectors.Open311Query(
        service_codes=_csv(request, "service_code"), statuses=statuses, start=start, end=end
    )


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = selectors.open311_requests(_query(request))
    return _render(fmt, "service_requests", [_request_out(request, a) for a in rows])


def _post_field(request: HttpRequest, name: str) -> str:
    return str(request.POST.get(name, ""))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = selectors.open311_key_for(_post_field(request, "api_key"))
    if key is None:
        return _errors(
            fmt, 403, _("A valid api_key is required to file a request."), "api_key_invalid"
        )
    request.open311_key_id = key.pk  # type: ignore[attr-defined]
    if not THROTTLE.allow_request(request):
        raise RateLimited("rate_limited", _("Too many requests: try again in a minute."))
    data = Open311RequestIn(
        service_code=_post_field(request, "service_code"),
        description=_post_field(request, "description"),
        lat=_post_field(request, "lat"),
        long=_post_field(request, "long"),
        address_string=_post_field(request, "address_string"),
        community=_post_field(request, "attribute[community]"),
        nature=_post_field(request, "attribute[nature]"),
        first_name=_post_field(request, "first_name"),
        last_name=_post_field(request, "last_name"),
        phone=_post_field(request, "phone"),
    )
    appeal = open311_request_submit(key=key, data=data, ip=client_ip(request))
    notice = appeal.routing_reason
    similar = [
        a
        for a in selectors.nearby_open(
            category_id=appeal.category_id,
            community_code=appeal.community_id,
            longitude=appeal.longitude,
            latitude=appeal.latitude,
        )
        if a.pk != appeal.pk
    ]
    if similar:
        notice += " " + _("Open requests like it nearby: %(numbers)s.") % {
            "numbers": ", ".join(a.number for a in similar)
        }
    answer = [{"service_request_id": appeal.number, "service_notice": notice, "account_id": None}]
    return _render(fmt, "service_requests", answer, status=201)


@csrf_exempt  # an application's key, not a browser session, authorises the post
@require_http_methods(["GET", "POST"])
@_open311
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET: public requests, filtered as the specification says; POST: file one (api_key)."""
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


@require_GET
@_open311
def request_one(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    """One public request, as a list of one (as the specification has it)."""
    number = selectors.number_to_id(service_request_id)
    rows = selectors.open311_requests(selectors.Open311Query(ids=(number,))) if number else []
    if not rows:
        return _errors(fmt, 404, _("No such request."), "appeal_not_found")
    return _render(fmt, "service_requests", [_request_out(request, rows[0])])
