"""The catalogue over the API: public search and browsing; department staff edit their own."""

from decimal import Decimal
from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.catalogue import selectors, services
from shequ.catalogue.models import Service, Topic
from shequ.catalogue.permissions import can_manage_topics
from shequ.core.errors import PermissionDenied
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["catalogue"])


class TopicOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    order: int


class TopicIn(Schema):
    code: str
    name: str
    name_en: str = ""
    kind: str
    order: int = 0


class TopicUpdateIn(Schema):
    name: str | None = None
    name_en: str | None = None
    order: int | None = None
    service_ids: list[int] | None = None


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    department: str
    summary: str
    eligibility: str
    min_level: int
    documents: list[str]
    time_limit_days: int | None
    fee: Decimal
    channel: str
    kind: str
    community_level: bool

    @staticmethod
    def resolve_department(obj: Service) -> str:
        return obj.department.name

    @staticmethod
    def resolve_documents(obj: Service) -> list[str]:
        return obj.document_list


class SearchHitOut(Schema):
    kind: str
    service_id: int | None
    policy_id: int | None
    title: str
    name_en: str
    title_html: str
    snippet_html: str
    department: str


class ServiceIn(Schema):
    name: str | None = None
    name_en: str | None = None
    summary: str | None = None
    description: str | None = None
    eligibility: str | None = None
    documents: str | None = None
    min_level: int | None = None
    time_limit_days: int | None = None
    fee: Decimal | None = None
    channel: str | None = None
    kind: str | None = None
    community_level: bool | None = None
    is_published: bool | None = None
    topic_codes: list[str] | None = None


class ServiceCreateIn(Schema):
    department_id: int
    code: str
    name: str
    summary: str
    channel: str
    kind: str
    name_en: str = ""
    description: str = ""
    eligibility: str = ""
    documents: str = ""
    min_level: int | None = None
    time_limit_days: int | None = None
    fee: Decimal = Decimal("0.00")
    community_level: bool = False
    is_published: bool = True
    topic_codes: list[str] = []


@router.get("/search", response=list[SearchHitOut])
def search(request: HttpRequest, q: str, kind: str | None = None, limit: int = 20) -> object:
    """Ranked search of services and policies; colloquial words are understood."""
    hits = selectors.service_search(query=q[:100], limit=max(1, min(limit, 50)), kind=kind)
    return [
        {
            "kind": h.kind,
            "service_id": h.service.pk if h.service else None,
            "policy_id": h.policy_id,
            "title": h.title,
            "name_en": h.service.name_en if h.service else "",
            "title_html": str(h.title_html),
            "snippet_html": str(h.snippet_html),
            "department": h.department,
        }
        for h in hits
    ]


@router.get("/topics", response=list[TopicOut])
def topics(request: HttpRequest, kind: str = Topic.Kind.LIFE_EVENT) -> object:
    return selectors.topic_list(kind=kind)


@router.post("/topics", response={201: TopicOut}, auth=API_AUTH)
def create_topic(request: HttpRequest, payload: TopicIn) -> Status[Topic]:
    """Add a life event or theme (the city committee, system administrators); audited."""
    return Status(201, services.topic_create(actor=cast(User, request.user), **payload.dict()))


@router.get("/topics/{topic_id}/services", response=list[ServiceOut], auth=API_AUTH)
def topic_services(request: HttpRequest, topic_id: int) -> object:
    """Every service under a life event or theme, published or not (the committee)."""
    if not can_manage_topics(request.user):
        raise PermissionDenied(
            "forbidden",
            _("Only the city committee and system administrators keep life events and themes."),
        )
    return selectors.topic_services(topic_id=topic_id)


@router.patch("/topics/{topic_id}", response=TopicOut, auth=API_AUTH)
def update_topic(request: HttpRequest, topic_id: int, payload: TopicUpdateIn) -> Topic:
    """Rename or reorder a life event or theme; ``service_ids`` replaces the services under
    it (the city committee, system administrators); audited."""
    return services.topic_update(
        actor=cast(User, request.user), topic_id=topic_id, **payload.dict(exclude_unset=True)
    )


@router.get("/services", response=list[ServiceOut])
@paginate
def list_services(
    request: HttpRequest,
    topic: str | None = None,
    kind: str | None = None,
    department: str | None = None,
) -> object:
    return selectors.service_list(topic=topic, kind=kind, department=department)


@router.get("/services/{service_id}", response=ServiceOut)
def get_service(request: HttpRequest, service_id: int) -> Service:
    return selectors.service_get(service_id=service_id)


@router.post("/services", response={201: ServiceOut}, auth=API_AUTH)
def create_service(request: HttpRequest, payload: ServiceCreateIn) -> Status[Service]:
    """Publish a new service for one's own department (any department for system
    administrators), under the life events and themes of ``topic_codes``; audited."""
    fields = payload.dict()
    if fields["min_level"] is None:
        del fields["min_level"]
    service = services.service_create(
        actor=cast(User, request.user),
        department_id=fields.pop("department_id"),
        code=fields.pop("code"),
        topic_codes=fields.pop("topic_codes"),
        **fields,
    )
    return Status(201, service)


@router.patch("/services/{service_id}", response=ServiceOut, auth=API_AUTH)
def update_service(request: HttpRequest, service_id: int, payload: ServiceIn) -> Service:
    """Department staff change their own department's services only."""
    fields = payload.dict(exclude_unset=True)
    return services.service_update(actor=cast(User, request.user), service_id=service_id, **fields)
