"""Writes of the story archive: a resident donates an item from the phone, a worker publishes
or declines it and shows it in the service centre, the donor withdraws consent. Each in one
transaction, audited."""

from io import BytesIO
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload, check_upload
from shequ.people.models import Resident, User
from shequ.stories.models import Item
from shequ.stories.permissions import can_review

PHOTO_MAX_KB = 4 * 1024
AUDIO_MAX_KB = 20 * 1024
# Gallery pictures are made for a phone screen: 480 px wide at most, a few tens of KB.
THUMB_SIDE = 480


def _text(data: dict[str, Any], key: str, max_length: int, *, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise DomainError("required", _("This field is required."), field=key)
    if len(value) > max_length:
        raise DomainError("too_long", _("At most %(n)s characters."), field=key, n=max_length)
    return value


def _choice(data: dict[str, Any], key: str, choices: list[str], default: str) -> str:
    value = str(data.get(key) or default)
    if value not in choices:
        raise DomainError("bad_choice", _("Choose one of the options."), field=key)
    return value


def _thumbnail(photo: Any) -> ContentFile[bytes]:
    photo.seek(0)
    with Image.open(photo) as source:
        picture = source.convert("RGB")
        picture.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = BytesIO()
        picture.save(out, "JPEG", quality=80, optimize=True)
    photo.seek(0)
    return ContentFile(out.getvalue())


@transaction.atomic
def item_submit(
    *,
    actor: User,
    data: dict[str, Any],
    photo: UploadedFile | None = None,
    audio: UploadedFile | None = None,
    ip: str | None = None,
) -> Item:
    """A resident donates an item to their own community's archive; it waits for review.

    Raises: DomainError (a field, a photo that is not a picture, audio not MP3 or too big),
    PermissionDenied when the account has no resident record.
    """
    resident = Resident.objects.filter(user_id=actor.pk).first()
    if resident is None or not resident.community_id:
        raise PermissionDenied(
            "not_a_resident", _("Only residents registered in a community may donate.")
        )
    fields = {
        "title": _text(data, "title", 120, required=True),
        "description": _text(data, "description", 5000, required=True),
        "creator": _text(data, "creator", 120),
        "era": _text(data, "era", 60),
        "place": _text(data, "place", 120),
        "subject": _text(data, "subject", 200),
        "kind": _choice(data, "kind", Item.Kind.values, Item.Kind.OBJECT),
        "licence": _choice(data, "licence", Item.Licence.values, Item.Licence.ALL_RIGHTS),
        "audience": _choice(data, "audience", Item.Audience.values, Item.Audience.PUBLIC),
        "show_donor_name": bool(data.get("show_donor_name")),
    }
    if fields["kind"] == Item.Kind.PHOTO and photo is None:
        raise DomainError("photo_needed", _("Add the photo itself."), field="photo")
    item = Item(
        community_id=resident.community_id, donor=actor, donor_name=resident.real_name, **fields
    )
    if photo is not None:
        stored, _type = accept_upload(
            photo, field="photo", types=("jpg", "png"), max_kb=PHOTO_MAX_KB
        )
        item.photo.save("photo.jpg" if _type == "image/jpeg" else "photo.png", stored, save=False)
        item.thumbnail.save("thumb.jpg", _thumbnail(item.photo.open("rb")), save=False)
    if audio is not None:
        check_upload(audio, field="audio", types=("mp3",), max_kb=AUDIO_MAX_KB)
        item.audio.save("story.mp3", audio, save=False)
    item.save()
    audit_record(
        actor=actor, verb="story.submit", target=item, division_code=item.community_id, ip=ip
    )
    return item


def _reviewable(actor: User, item_id: int) -> Item:
    item = Item.objects.select_for_update().filter(pk=item_id).first()
    if item is None or not can_review(actor, item.community_id):
        raise NotFound("item_not_found", _("No such item."))
    return item


@transaction.atomic
def item_review(
    *, actor: User, item_id: int, publish: bool, note: str = "", ip: str | None = None
) -> Item:
    """Publish an item or decline it with a note to the donor.

    Raises: NotFound, DomainError ``not_waiting`` (withdrawn or already decided),
    ``note_needed`` (declining without a reason).
    """
    item = _reviewable(actor, item_id)
    if item.status == Item.Status.WITHDRAWN or (publish and item.status == Item.Status.PUBLISHED):
        raise DomainError("not_waiting", _("This item is not waiting for review."))
    note = note.strip()[:300]
    if not publish and not note:
        raise DomainError("note_needed", _("Tell the donor why it is not published."), field="note")
    now = timezone.now()
    item.status = Item.Status.PUBLISHED if publish else Item.Status.REJECTED
    item.review_note = note
    item.reviewed_at = now
    item.published_at = now if publish else None
    item.save()
    audit_record(
        actor=actor,
        verb="story.publish" if publish else "story.reject",
        target=item,
        division_code=item.community_id,
        reason=note,
        ip=ip,
    )
    return item


@transaction.atomic
def item_exhibit(*, actor: User, item_id: int, location: str, ip: str | None = None) -> Item:
    """Record where a published item is shown (its QR label opens the story).

    Raises: NotFound, DomainError ``not_published``.
    """
    item = _reviewable(actor, item_id)
    if item.status != Item.Status.PUBLISHED:
        raise DomainError("not_published", _("Only a published item can be exhibited."))
    item.exhibit_location = location.strip()[:120]
    item.save(update_fields=["exhibit_location"])
    audit_record(
        actor=actor, verb="story.exhibit", target=item, division_code=item.community_id, ip=ip
    )
    return item


@transaction.atomic
def item_withdraw_consent(*, actor: User, item_id: int, ip: str | None = None) -> Item:
    """The donor withdraws consent: the item leaves every public page at once and its photo
    and recording are deleted. Raises: NotFound (not the donor's item)."""
    item = Item.objects.select_for_update().filter(pk=item_id, donor=actor).first()
    if item is None:
        raise NotFound("item_not_found", _("No such item."))
    files = [f for f in (item.photo, item.thumbnail, item.audio) if f]
    item.status = Item.Status.WITHDRAWN
    item.consent_withdrawn_at = timezone.now()
    item.exhibit_location = ""
    item.photo = item.thumbnail = item.audio = ""
    item.save()
    names = [(f.storage, f.name) for f in files]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])
    audit_record(
        actor=actor, verb="story.withdraw", target=item, division_code=item.community_id, ip=ip
    )
    return item
