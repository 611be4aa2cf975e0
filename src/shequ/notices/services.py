"""Writes of the message centre. Other apps call ``message_send`` on every event."""

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import mask_numbers_in_text
from shequ.core.scopes import Role
from shequ.core.services import audit_record
from shequ.notices.models import Category, CommunityNotice, Message, Preference
from shequ.notices.selectors import unread_count_forget
from shequ.people.models import Resident, User
from shequ.people.permissions import WORKERS, covers
from shequ.places.models import Division

# Tags, comments and doctype openings: residents and staff write plain text only.
MARKUP = re.compile(r"<\s*[/!?a-zA-Z]|javascript:", re.IGNORECASE)


def plain_text(
    value: Any,
    *,
    field: str,
    max_length: int,
    required: bool = True,
    label: str = "",
    mask_numbers: bool = True,
) -> str:
    """Strip ``value`` and refuse markup, over-long or (when required) empty text. An ID or
    mobile number typed into it is kept masked only (a number to keep is a declared field,
    encrypted); ``mask_numbers=False`` is for identifiers that are not free text.

    Shared by every app of the citizen cloud for free text typed by people.
    Raises: DomainError ``required`` / ``too_long`` / ``markup_not_allowed`` on ``field``.
    """
    text = str(value or "").strip()
    if required and not text:
        raise DomainError("required", _("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError(
            "too_long",
            _("At most %(n)s characters."),
            field=field,
            n=max_length,
        )
    if MARKUP.search(text):
        raise DomainError(
            "markup_not_allowed", _("Please write plain text without HTML or script."), field=field
        )
    return mask_numbers_in_text(text) if mask_numbers else text


def _render(value: "str | Promise") -> str:
    # The inbox keeps the text as sent, in the platform's language (zh-hans).
    with translation.override(settings.LANGUAGE_CODE):
        return str(value)


def message_send(
    *,
    user_id: int,
    category: str,
    title: "str | Promise",
    body: "str | Promise" = "",
    url: str = "",
) -> Message:
    """Put a message in the user's inbox; SMS and e-mail follow after commit if they opted in.

    Called by other apps' services inside their transaction (no actor: the platform speaks).
    """
    message = Message.objects.create(
        user_id=user_id,
        category=Category(category),
        title=_render(title)[:120],
        body=_render(body),
        url=url[:200],
    )
    preference = Preference.objects.filter(user_id=user_id, category=category).first()
    if preference is not None and (preference.sms or preference.email):
        from shequ.notices.tasks import message_deliver

        message_deliver.enqueue(message_id=message.pk, sms=preference.sms, email=preference.email)
    return message


def message_send_many(
    *,
    user_ids: Iterable[int],
    category: str,
    title: "str | Promise",
    body: "str | Promise",
    url: str,
) -> int:
    """The same message to many inboxes in one statement (community notices). In-app only."""
    now = timezone.now()
    rows = [
        Message(
            user_id=uid,
            category=category,
            title=_render(title)[:120],
            body=_render(body),
            url=url,
            created_at=now,
        )
        for uid in user_ids
    ]
    Message.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def message_mark_read(*, actor: User, message_id: int) -> Message:
    """Mark one of the actor's own messages read. Raises: NotFound for anyone else's."""
    message = Message.objects.filter(pk=message_id, user_id=actor.pk).first()
    if message is None:
        raise NotFound("message_not_found", _("No such message."))
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
        unread_count_forget(actor)
    return message


@transaction.atomic
def message_mark_all_read(*, actor: User) -> int:
    """Mark every unread message of the actor read; returns how many."""
    marked = Message.objects.filter(user_id=actor.pk, read_at=None).update(read_at=timezone.now())
    unread_count_forget(actor)
    return marked


@transaction.atomic
def preference_set(*, actor: User, category: str, sms: bool, email: bool) -> Preference:
    """Choose SMS / e-mail for one category of the actor's messages.

    Raises: DomainError ``bad_category``; ``no_email`` when e-mail is chosen without an address.
    """
    if category not in Category.values:
        raise DomainError("bad_category", _("Unknown message category."), field="category")
    if email and not actor.email:
        raise DomainError(
            "no_email", _("Add an e-mail address to your account first."), field="email"
        )
    preference, _created = Preference.objects.update_or_create(
        user_id=actor.pk, category=category, defaults={"sms": sms, "email": email}
    )
    return preference


@transaction.atomic
def community_notice_publish(
    *, actor: User, community_code: str, title: str, body: str, ip: str | None = None
) -> CommunityNotice:
    """Publish a notice to one community's residents (their inbox and the notice board).

    Only community workers (and officers above them) covering the community may publish.
    Raises: NotFound (no such community), PermissionDenied (not your community), DomainError.
    """
    community = Division.objects.filter(pk=community_code, level=Division.Level.COMMUNITY).first()
    if community is None:
        raise NotFound("community_not_found", _("No such community."))
    if not covers(actor, community.code, WORKERS) or _is_admin_only(actor):
        raise PermissionDenied(
            "not_your_community", _("You may publish only to your own community.")
        )
    clean_title = plain_text(title, field="title", max_length=120)
    clean_body = plain_text(body, field="body", max_length=4000)
    notice = CommunityNotice.objects.create(
        community=community, title=clean_title, body=clean_body, author=actor
    )
    user_ids = Resident.objects.filter(
        community_id=community.code, user_id__isnull=False
    ).values_list("user_id", flat=True)
    notice.recipients = message_send_many(
        user_ids=list(user_ids),
        category=Category.COMMUNITY,
        title=clean_title,
        body=clean_body,
        url=f"/notices/community/{notice.pk}/",
    )
    notice.save(update_fields=["recipients"])
    audit_record(
        actor=actor,
        verb="community_notice.publish",
        target=notice,
        division_code=community.code,
        changes={"recipients": [None, notice.recipients]},
        ip=ip,
    )
    return notice


def _is_admin_only(user: User) -> bool:
    # Notices speak for a community: a system administrator without a worker role may not.
    from shequ.people.permissions import areas_of

    roles = {area.role for area in areas_of(user)}
    return roles == {Role.SYSTEM_ADMIN}
