"""Reads of the message centre: a user's own inbox, and notices they may see."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.notices.models import Category, CommunityNotice, Message, Preference
from shequ.people.permissions import READERS
from shequ.people.selectors import scope_queryset


def message_list_for(*, user: Any, unread_only: bool = False) -> QuerySet[Message]:
    """The user's own inbox, newest first."""
    queryset = Message.objects.filter(user_id=user.pk)
    if unread_only:
        queryset = queryset.filter(read_at=None)
    return queryset.order_by("-created_at", "-id")


def message_get_for(*, user: Any, message_id: int) -> Message:
    """Raises: NotFound for a message of somebody else."""
    message = Message.objects.filter(pk=message_id, user_id=user.pk).first()
    if message is None:
        raise NotFound("message_not_found", _("No such message."))
    return message


# Set on the request's user when it is loaded (``people.selectors.user_for_request``), so the
# navigation's badge costs no query of its own; dropped when the user reads a message.
UNREAD_AT_LOAD = "unread_messages_at_load"


def unread_count_for(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    known = getattr(user, UNREAD_AT_LOAD, None)
    if known is not None:
        return int(known)
    return Message.objects.filter(user_id=user.pk, read_at=None).count()


def unread_count_forget(user: Any) -> None:
    """After the user's messages changed in this request, count them again when asked."""
    if getattr(user, UNREAD_AT_LOAD, None) is not None:
        delattr(user, UNREAD_AT_LOAD)


def preference_table_for(*, user: Any) -> list[dict[str, Any]]:
    """Every category with the user's choice (defaults: inbox only)."""
    chosen = {p.category: p for p in Preference.objects.filter(user_id=user.pk)}
    return [
        {
            "category": value,
            "label": str(label),
            "sms": chosen[value].sms if value in chosen else False,
            "email": chosen[value].email if value in chosen else False,
        }
        for value, label in Category.choices
    ]


def community_notice_list_for(*, user: Any) -> QuerySet[CommunityNotice]:
    """Residents see their own community's notices; staff see those inside their areas."""
    resident = getattr(user, "resident", None) if user.is_authenticated else None
    if resident is not None and resident.community_id:
        queryset = CommunityNotice.objects.filter(community_id=resident.community_id)
    else:
        queryset = scope_queryset(
            CommunityNotice.objects.all(), user, division_field="community_id", roles=READERS
        )
    return queryset.select_related("community").order_by("-published_at", "-id")


def community_notice_get_for(*, user: Any, notice_id: int) -> CommunityNotice:
    """Raises: NotFound outside the user's community or area."""
    notice = community_notice_list_for(user=user).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("notice_not_found", _("No such notice."))
    return notice
