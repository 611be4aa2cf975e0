"""Writes of residents' proposals (居民提案): proposing with photos, supporting (附议),
following, and moderation (hiding, merging duplicates)."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.notices.services import plain_text
from shequ.participation.models import Follow, Proposal, ProposalPhoto, Support
from shequ.participation.search import proposal_tokens
from shequ.participation.services._common import (
    money_or_none,
    notify_followers,
    require_organiser,
    require_verified,
)
from shequ.participation.services.councils import DEFAULT_SUPPORT_THRESHOLD, council_for
from shequ.people.levels import Action, require_level
from shequ.people.models import User

MAX_PHOTOS = 3
# Photos are checked like casework documents: extension and first bytes must agree.
PHOTO_TYPES = ("jpg", "png")
PHOTO_MAX_KB = 5 * 1024


def support_level_override(proposal: Proposal) -> int | None:
    """The level the community's council set for supports (None: the deployment's)."""
    council = council_for(proposal.community_id)
    return council.support_level if council is not None else None


def _point(lon: Any, lat: Any) -> tuple[Decimal | None, Decimal | None]:
    """An optional WGS84 map point inside Chengdu. Raises: DomainError ``point_outside``."""
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        x, y = Decimal(str(lon)), Decimal(str(lat))
    except ArithmeticError:
        x, y = Decimal(999), Decimal(999)
    # Chengdu lies well inside this box.
    if not (Decimal(102) <= x <= Decimal(106)) or not (Decimal(29) <= y <= Decimal(32)):
        raise DomainError("point_outside", _("The map point is outside Chengdu."), field="lon")
    return x.quantize(Decimal("0.000001")), y.quantize(Decimal("0.000001"))


def _check_photos(photos: Sequence[UploadedFile]) -> list[tuple[File, str]]:
    """Each photo, stripped of its metadata and downscaled, with its detected content type.

    Raises: DomainError (field ``photos``)."""
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos",
            _("Attach at most %(n)s photos."),
            field="photos",
            n=MAX_PHOTOS,
        )
    checked = []
    for upload in photos:
        checked.append(
            accept_upload(upload, field="photos", types=PHOTO_TYPES, max_kb=PHOTO_MAX_KB)
        )
    return checked


def _store_photos(proposal: Proposal, checked: list[tuple[File, str]]) -> None:
    for position, (upload, content_type) in enumerate(checked, start=1):
        extension = "png" if content_type == "image/png" else "jpg"
        photo = ProposalPhoto(
            proposal=proposal,
            content_type=content_type,
            size=upload.size or 0,
            position=position,
        )
        photo.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        photo.save()


@transaction.atomic
def proposal_create(
    *,
    actor: User,
    community_code: str,
    title: str,
    description: str,
    category: str,
    estimated_cost: Any = None,
    lon: Any = None,
    lat: Any = None,
    photo: Any = None,
    photos: Sequence[UploadedFile] | None = None,
) -> Proposal:
    """A verified resident proposes for their own community; they follow it. Up to three
    photos (jpg/png, at most 5 MB each) may come with it.

    Raises: PermissionDenied ``not_a_verified_resident``; DomainError on bad fields,
    ``too_many_photos`` / ``file_type_not_allowed`` / ``file_too_large`` (nothing is stored).
    """
    require_verified(actor, community_code)
    checked = _check_photos(photos or [])
    title = plain_text(title, field="title", max_length=120)
    description = plain_text(description, field="description", max_length=4000)
    if category not in Proposal.Category.values:
        raise DomainError("invalid_category", _("Choose a category."), field="category")
    cost = money_or_none(estimated_cost, field="estimated_cost")
    lon_value, lat_value = _point(lon, lat)
    proposal = Proposal.objects.create(
        community_id=community_code,
        author=actor,
        title=title,
        description=description,
        category=category,
        estimated_cost=cost,
        lon=lon_value,
        lat=lat_value,
        photo=photo or "",
        search_tokens=proposal_tokens(title, description),
    )
    Follow.objects.create(proposal=proposal, user=actor)
    _store_photos(proposal, checked)
    audit_record(
        actor=actor,
        verb="participation.proposal_create",
        target=proposal,
        division_code=community_code,
    )
    return proposal


@transaction.atomic
def proposal_support(*, actor: User, proposal_id: int) -> Proposal:
    """A verified neighbour supports (附议) once; at the council's threshold the proposal goes
    onto the agenda. The author does not support her own proposal. Raises: NotFound,
    PermissionDenied, DomainError ``own_proposal`` / ``already_supported`` / ``not_open``."""
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None or proposal.status in (Proposal.Status.HIDDEN, Proposal.Status.MERGED):
        raise NotFound("proposal_not_found", _("No such proposal."))
    resident = require_verified(actor, proposal.community_id)
    require_level(Action.SUPPORT, resident.verification_level, support_level_override(proposal))
    if proposal.status not in (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA):
        raise DomainError("not_open", _("This proposal no longer collects support."))
    if proposal.author_id == actor.pk:
        raise DomainError("own_proposal", _("You cannot support your own proposal."))
    if Support.objects.filter(proposal=proposal, resident=resident).exists():
        raise DomainError("already_supported", _("You already support this proposal."))
    Support.objects.create(proposal=proposal, resident=resident)
    Follow.objects.get_or_create(proposal=proposal, user=actor)
    proposal.supports = F("supports") + 1
    proposal.save(update_fields=["supports", "updated_at"])
    proposal.refresh_from_db()
    council = council_for(proposal.community_id)
    threshold = council.support_threshold if council else DEFAULT_SUPPORT_THRESHOLD
    if proposal.status == Proposal.Status.OPEN and proposal.supports >= threshold:
        proposal.status = Proposal.Status.ON_AGENDA
        proposal.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=None,
            verb="participation.proposal_on_agenda",
            target=proposal,
            division_code=proposal.community_id,
        )
        notify_followers(proposal, _("A proposal you follow is on the council's agenda"))
    audit_record(
        actor=actor,
        verb="participation.proposal_support",
        target=proposal,
        division_code=proposal.community_id,
    )
    return proposal


@transaction.atomic
def proposal_follow(*, actor: User, proposal_id: int, follow: bool = True) -> bool:
    """Follow a proposal (ID-checked residents of its community) to get a message on every
    change, or stop following it (anyone who follows). Returns whether the user follows now.

    Raises: NotFound; PermissionDenied ``not_a_verified_resident``; DomainError ``not_open``
    for a merged proposal."""
    proposal = Proposal.objects.filter(pk=proposal_id).exclude(status="hidden").first()
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    if not follow:
        Follow.objects.filter(proposal=proposal, user=actor).delete()
        return False
    require_verified(actor, proposal.community_id)
    if proposal.status == Proposal.Status.MERGED:
        raise DomainError("not_open", _("This proposal was merged: follow the one it joined."))
    Follow.objects.get_or_create(proposal=proposal, user=actor)
    return True


def is_following(*, user: Any, proposal_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(proposal_id=proposal_id, user_id=user.pk).exists()


@transaction.atomic
def proposal_hide(*, actor: User, proposal_id: int, reason: str) -> Proposal:
    """A community worker hides a proposal, giving a reason the author sees.

    Raises: NotFound outside the worker's area; DomainError ``required`` without a reason."""
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    require_organiser(actor, proposal.community_id)
    reason = plain_text(reason, field="reason", max_length=300)
    before = proposal.status
    proposal.status = Proposal.Status.HIDDEN
    proposal.moderation_reason = reason
    proposal.save(update_fields=["status", "moderation_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb="participation.proposal_hide",
        target=proposal,
        reason=reason,
        division_code=proposal.community_id,
        changes={"status": [before, proposal.status]},
    )
    notify_followers(proposal, _("A proposal you follow was hidden by moderation"))
    return proposal


@transaction.atomic
def proposal_merge(*, actor: User, proposal_id: int, into_id: int, reason: str = "") -> Proposal:
    """Merge a duplicate into another proposal of the same community; supports move over
    (a resident who supported both counts once).

    Raises: NotFound; DomainError ``merge_same`` / ``merge_other_community``."""
    rows = {
        p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[proposal_id, into_id])
    }
    duplicate, target = rows.get(proposal_id), rows.get(into_id)
    if duplicate is None or target is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    require_organiser(actor, duplicate.community_id)
    if duplicate.pk == target.pk:
        raise DomainError("merge_same", _("A proposal cannot be merged into itself."))
    if duplicate.community_id != target.community_id or target.status in ("hidden", "merged"):
        raise DomainError(
            "merge_other_community",
            _("Merge only into a visible proposal of the same community."),
            field="into",
        )
    have = set(Support.objects.filter(proposal=target).values_list("resident_id", flat=True))
    moving = [
        Support(proposal=target, resident_id=rid)
        for rid in Support.objects.filter(proposal=duplicate).values_list("resident_id", flat=True)
        if rid not in have
    ]
    Support.objects.bulk_create(moving)
    following = set(Follow.objects.filter(proposal=target).values_list("user_id", flat=True))
    Follow.objects.bulk_create(
        Follow(proposal=target, user_id=uid)
        for uid in Follow.objects.filter(proposal=duplicate).values_list("user_id", flat=True)
        if uid not in following
    )
    target.supports = Support.objects.filter(proposal=target).count()
    target.save(update_fields=["supports", "updated_at"])
    duplicate.status = Proposal.Status.MERGED
    duplicate.merged_into = target
    duplicate.moderation_reason = plain_text(reason, field="reason", max_length=300, required=False)
    duplicate.save(update_fields=["status", "merged_into", "moderation_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb="participation.proposal_merge",
        target=duplicate,
        division_code=duplicate.community_id,
        changes={"merged_into": [None, target.pk]},
    )
    notify_followers(duplicate, _("A proposal you follow was merged into another"))
    return target
