"""Inbox, preferences and community notices over the API (the caller's own data only)."""

from datetime import datetime
from typing import cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.core.services import client_ip
from shequ.notices import selectors, services
from shequ.notices.models import CommunityNotice, Message
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["notices"], auth=API_AUTH)


class MessageOut(Schema):
    id: int
    category: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class UnreadOut(Schema):
    unread: int


class PreferenceIn(Schema):
    category: str
    sms: bool = False
    email: bool = False


class PreferenceOut(Schema):
    category: str
    label: str
    sms: bool
    email: bool


class CommunityNoticeIn(Schema):
    community: str
    title: str
    body: str


class CommunityNoticeOut(Schema):
    id: int
    community_code: str
    title: str
    body: str
    published_at: datetime
    recipients: int

    @staticmethod
    def resolve_community_code(obj: CommunityNotice) -> str:
        return obj.community_id


@router.get("/messages", response=list[MessageOut])
@paginate
def list_messages(request: HttpRequest, unread: bool = False) -> object:
    """The caller's inbox, newest first."""
    return selectors.message_list_for(user=request.user, unread_only=unread)


@router.get("/messages/unread-count", response=UnreadOut)
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count_for(user=request.user)}


@router.post("/messages/{message_id}/read", response=MessageOut)
def read_message(request: HttpRequest, message_id: int) -> Message:
    return services.message_mark_read(actor=cast(User, request.user), message_id=message_id)


@router.get("/preferences", response=list[PreferenceOut])
def list_preferences(request: HttpRequest) -> object:
    return selectors.preference_table_for(user=request.user)


@router.put("/preferences", response=list[PreferenceOut])
def set_preference(request: HttpRequest, payload: PreferenceIn) -> object:
    services.preference_set(
        actor=cast(User, request.user),
        category=payload.category,
        sms=payload.sms,
        email=payload.email,
    )
    return selectors.preference_table_for(user=request.user)


@router.get("/community-notices", response=list[CommunityNoticeOut])
@paginate
def list_community_notices(request: HttpRequest) -> object:
    """A resident's own community's notices; for staff, those inside their areas."""
    return selectors.community_notice_list_for(user=request.user)


@router.post("/community-notices", response={201: CommunityNoticeOut})
def publish_community_notice(
    request: HttpRequest, payload: CommunityNoticeIn
) -> Status[CommunityNotice]:
    notice = services.community_notice_publish(
        actor=cast(User, request.user),
        community_code=payload.community,
        title=payload.title,
        body=payload.body,
        ip=client_ip(request),
    )
    return Status(201, notice)
