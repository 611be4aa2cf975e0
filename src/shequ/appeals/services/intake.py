"""Intake of a request from every channel (phone page, hotline, API, Open311): checks,
routing by the dispatch catalogue, dispatch; and "me too". Shared by the ticket's life:
the photo checks and telling the unit and the residents."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shequ.appeals.caller_texts import caller_text
from shequ.appeals.deadlines import deadline_for
from shequ.appeals.models import (
    Appeal,
    AppealEvent,
    AppealFollower,
    AppealPhoto,
    Category,
    Nature,
    Open311Key,
    Unit,
)
from shequ.appeals.permissions import may_dispatch, unit_member_ids
from shequ.appeals.routing import route
from shequ.appeals.selectors import Similar, similar_open
from shequ.appeals.services.clusters import cluster_on_intake
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import PIIKind, PIIValue
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send, message_send_many, plain_text
from shequ.people.models import User
from shequ.places.geography import district_of_point, in_chengdu_bbox
from shequ.places.models import Division

DESCRIPTION_MAX = 2000
MAX_PHOTOS = 3
PHOTO_MAX_KB = 2048


def _category(category_id: Any) -> Category:
    category = Category.objects.filter(pk=digits_or_none(str(category_id or "")) or 0).first()
    if category is None or not category.is_active:
        raise DomainError(
            "category_gone",
            _("This category no longer exists; please choose another."),
            field="category",
        )
    if category.out_of_scope:
        raise DomainError(
            "out_of_scope",
            _("This is not taken here. %(where)s"),
            field="category",
            where=category.redirect_text,
        )
    return category


def _community(code: Any) -> Division:
    community = Division.objects.filter(
        pk=str(code or ""), level=Division.Level.COMMUNITY, is_active=True
    ).first()
    if community is None:
        raise DomainError(
            "community_required", _("Choose the community where it is."), field="community"
        )
    return community


def read_pin(longitude: Any, latitude: Any) -> tuple[float, float]:
    """A map pin as (longitude, latitude), both given, finite and inside Chengdu.

    Raises: DomainError ``bad_location`` / ``outside_city``.
    """
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError):
        raise DomainError(
            "bad_location", _("The map pin could not be read."), field="location"
        ) from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise DomainError("bad_location", _("The map pin could not be read."), field="location")
    if not in_chengdu_bbox(lon, lat):
        raise DomainError("outside_city", _("The map pin is outside Chengdu."), field="location")
    return lon, lat


def _point(longitude: Any, latitude: Any, community: Division) -> tuple[float | None, float | None]:
    if longitude in (None, "") and latitude in (None, ""):
        return None, None
    lon, lat = read_pin(longitude, latitude)
    found = district_of_point(community.code[:6] + "000000", lon, lat)
    if found is not None and not found[1]:
        raise DomainError(
            "outside_district",
            _("The map pin is not in %(district)s, where the chosen community is."),
            field="location",
            district=found[0],
        )
    return round(lon, 6), round(lat, 6)


def accept_photos(uploads: Sequence[UploadedFile], field: str) -> list[File]:
    """Photos of the problem or of the fix, checked and re-encoded (at most ``MAX_PHOTOS``)."""
    if len(uploads) > MAX_PHOTOS:
        raise DomainError("too_many_photos", _("At most %(n)s photos."), field=field, n=MAX_PHOTOS)
    return [
        accept_upload(upload, field=field, types=("jpg", "png"), max_kb=PHOTO_MAX_KB)[0]
        for upload in uploads
    ]


def tell_unit(appeal: Appeal, unit: Unit, title: Any) -> None:
    """Every member of the unit hears of a request sent to it."""
    message_send_many(
        user_ids=unit_member_ids(unit),
        category=MessageCategory.SYSTEM,
        title=title % {"number": appeal.number, "category": appeal.category.name},
        body=_("Due %(due)s.")
        % {"due": timezone.localtime(appeal.deadline_at).strftime("%Y-%m-%d %H:%M")},
        url=f"/console/appeals/{appeal.pk}/",
    )


def text_caller(appeal: Appeal, title: Any) -> None:
    """A caller without an account (on the hotline, or through an Open311 application who left
    a number) hears by text message of what a reporter reads in the inbox. Sent once the change
    is committed; the task reads the number from the request, so it never travels in the
    queue or the logs."""
    if appeal.reporter_id or appeal.caller_phone is None:
        return
    with translation.override("zh-hans"):
        text = str(title) % {"number": appeal.number, "category": appeal.category.name}
        if not appeal.is_private:
            text += str(_(" Follow it at %(url)s")) % {
                "url": f"{settings.SITE_URL}{reverse('appeals:detail', args=[appeal.pk])}"
            }
    appeal_id = appeal.pk
    transaction.on_commit(lambda: caller_text.enqueue(appeal_id=appeal_id, text=text))


def tell_residents(appeal: Appeal, title: Any, body: str = "", caller_title: Any = None) -> None:
    """The reporter and every follower hear of each public change (a caller without an
    account by text message: ``caller_title`` where the inbox's words don't fit them)."""
    text_caller(appeal, caller_title or title)
    ids = set(AppealFollower.objects.filter(appeal=appeal).values_list("user_id", flat=True))
    if appeal.reporter_id:
        ids.add(appeal.reporter_id)
    for user_id in sorted(ids):
        message_send(
            user_id=user_id,
            category=MessageCategory.APPLICATION,
            title=title % {"number": appeal.number, "category": appeal.category.name},
            body=body,
            url=f"/appeals/{appeal.pk}/",
        )


def dispatch_to(appeal: Appeal, unit: Unit | None, reason: str, actor: User | None) -> None:
    """Send the request to ``unit`` with the reason (no unit: it waits for a dispatcher).
    A new dispatch is signed for and assigned afresh. The caller saves the request."""
    _set_dispatch(appeal, unit, reason)
    _record_dispatch(appeal, unit, reason, actor)


def _set_dispatch(appeal: Appeal, unit: Unit | None, reason: str) -> None:
    appeal.unit = unit
    appeal.assignee = None
    appeal.routing_reason = reason[:300]
    appeal.status = Appeal.Status.DISPATCHED if unit else Appeal.Status.AWAITING_DISPATCH


def _record_dispatch(appeal: Appeal, unit: Unit | None, reason: str, actor: User | None) -> None:
    """The dispatch's step in the request's history, and the unit told."""
    if unit is not None:
        AppealEvent.objects.create(
            appeal=appeal, kind=AppealEvent.Kind.DISPATCHED, unit=unit, actor=actor, text=reason
        )
        tell_unit(appeal, unit, _("New request %(number)s: %(category)s"))


@dataclass(frozen=True)
class Caller:
    """A caller's name and number: typed by the hotline operator, or sent by an Open311
    application."""

    name: str
    phone: str


@transaction.atomic
def appeal_submit(
    *,
    actor: User | None,
    category_id: Any,
    description: str,
    community_code: Any,
    longitude: Any = None,
    latitude: Any = None,
    address: str = "",
    photos: Sequence[UploadedFile] = (),
    is_private: bool = False,
    channel: str = Appeal.Channel.WEB,
    caller: Caller | None = None,
    client: Open311Key | None = None,
    nature: str = "",
    ip: str | None = None,
) -> Appeal:
    """Take a request, route it by the dispatch catalogue and dispatch it.

    A hotline call (``caller`` given) is entered by a dispatcher for the caller, who needs no
    account; a request from an Open311 client application (``client``, its checked key) has
    no account either, and may carry the caller's name and number. ``nature`` overrides the
    category's. Raises: DomainError ``category_gone`` / ``out_of_scope`` /
    ``community_required`` / ``bad_location`` / ``outside_city`` / ``outside_district`` /
    ``bad_nature`` / ``bad_phone`` / ``too_many_photos`` / the upload errors / the text errors
    of ``plain_text``; PermissionDenied for a call entered by someone who does not dispatch.
    """
    category = _category(category_id)
    if nature and nature not in Nature.values:
        raise DomainError("bad_nature", _("Choose the nature of the request."), field="nature")
    clean = plain_text(description, field="description", max_length=DESCRIPTION_MAX)
    clean_address = plain_text(address, field="address", max_length=200, required=False)
    community = _community(community_code)
    lon, lat = _point(longitude, latitude, community)
    files = accept_photos(photos, "photos")
    caller_name, caller_phone = "", None
    reporter = actor
    if caller is not None and client is None:
        if actor is None or not may_dispatch(actor, community.code):
            raise PermissionDenied(
                "not_dispatcher", _("Only the hotline desk enters calls for callers.")
            )
        channel = Appeal.Channel.HOTLINE
    if client is not None:
        channel = Appeal.Channel.OPEN311
    if caller is not None:
        caller_name = plain_text(caller.name, field="caller_name", max_length=40, required=False)
        phone = digits_or_none(caller.phone)
        if caller.phone and (phone is None or len(phone) != 11 or not phone.startswith("1")):
            raise DomainError(
                "bad_phone", _("Enter the caller's 11-digit mobile number."), field="caller_phone"
            )
        caller_phone = PIIValue(PIIKind.PHONE, plain=phone) if phone else None
    if caller is not None or client is not None:
        reporter = None
    now = timezone.now()
    decision = route(category, community)
    # Routed before it is written, so the request is stored (and indexed) once, dispatched.
    appeal = Appeal(
        category=category,
        nature=nature or category.nature,
        description=clean,
        address=clean_address,
        longitude=lon,
        latitude=lat,
        community=community,
        channel=channel,
        reporter=reporter,
        caller_name=caller_name,
        caller_phone=caller_phone,
        entered_by=actor if caller is not None and client is None else None,
        is_private=bool(is_private),
        deadline_at=deadline_for(category.deadline_class, now),
        created_at=now,
    )
    _set_dispatch(appeal, decision.unit, decision.reason)
    appeal.save(force_insert=True)
    for file in files:
        AppealPhoto.objects.create(appeal=appeal, kind=AppealPhoto.Kind.PROBLEM, file=file)
    AppealEvent.objects.create(appeal=appeal, kind=AppealEvent.Kind.RECEIVED, actor=actor, at=now)
    _record_dispatch(appeal, decision.unit, decision.reason, None)
    cluster_on_intake(appeal=appeal, actor=actor, ip=ip)
    text_caller(appeal, _("Your request %(number)s (%(category)s) has been received."))
    audit_record(
        actor=actor,
        verb="appeal.submit",
        target=appeal,
        division_code=community.code,
        changes={
            "unit": [None, decision.unit.name if decision.unit else None],
            **({"open311_client": [None, client.name]} if client is not None else {}),
        },
        reason=decision.reason[:200],
        ip=ip,
    )
    return appeal


def similar_check(
    *, category_id: Any, longitude: Any, latitude: Any, community_code: Any = None
) -> list[Similar]:
    """ "Me too" before filing: open public requests like this one nearby (see
    ``selectors.similar_open``). The category, the community (when given) and the pin are
    checked as ``appeal_submit`` checks them; without a community the pin is required.
    Nothing is written.

    Raises: DomainError ``category_gone`` / ``out_of_scope`` / ``community_required`` /
    ``bad_location`` / ``outside_city`` / ``outside_district``.
    """
    category = _category(category_id)
    if community_code is None:
        lon, lat = read_pin(longitude, latitude)
        return similar_open(category_id=category.pk, longitude=lon, latitude=lat)
    community = _community(community_code)
    pin_lon, pin_lat = _point(longitude, latitude, community)
    return similar_open(
        category_id=category.pk,
        longitude=pin_lon,
        latitude=pin_lat,
        community_code=community.code,
    )


@transaction.atomic
def appeal_follow(*, actor: User, appeal_id: int, ip: str | None = None) -> Appeal:
    """ "Me too": follow an open public request instead of filing the same one again.

    Raises: NotFound (private or missing), DomainError ``not_open``.
    """
    appeal = Appeal.objects.filter(pk=appeal_id, is_private=False).first()
    if appeal is None:
        raise NotFound("appeal_not_found", _("No such request."))
    if not appeal.is_open:
        raise DomainError("not_open", _("This request is already handled."))
    if appeal.reporter_id == actor.pk:
        return appeal
    try:
        with transaction.atomic():
            AppealFollower.objects.create(appeal=appeal, user=actor)
    except IntegrityError:
        return appeal
    AppealEvent.objects.create(appeal=appeal, kind=AppealEvent.Kind.FOLLOWED)
    audit_record(
        actor=actor, verb="appeal.follow", target=appeal, division_code=appeal.community_id, ip=ip
    )
    return appeal
