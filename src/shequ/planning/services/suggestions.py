"""Residents' suggestions at a consultation and turning them into proposals of 居民议事."""

from typing import cast

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.participation.models import Proposal
from shequ.participation.services.proposals import proposal_create
from shequ.people.models import User
from shequ.planning.models import (
    Consultation,
    Suggestion,
)
from shequ.planning.permissions import can_run
from shequ.planning.services._common import _photo, _resident_of, _text


@transaction.atomic
def suggestion_submit(
    *,
    actor: User,
    consultation_id: int,
    text: str,
    photo: UploadedFile | None = None,
    ip: str | None = None,
) -> Suggestion:
    """A resident sends a suggestion while the consultation is open.

    Raises: NotFound, PermissionDenied ``not_a_resident``, DomainError ``not_open`` and on
    the text or the photo."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    _resident_of(actor, consultation.community_id)
    if consultation.status != Consultation.Status.OPEN:
        raise DomainError(
            "not_open", _("This consultation is not taking suggestions now."), field="text"
        )
    suggestion = Suggestion(consultation=consultation, author=actor, text=_text(text, "text", 2000))
    if photo is not None:
        stored, _type, name = _photo(photo, "photo")
        suggestion.photo.save(name, stored, save=False)
    suggestion.save()
    audit_record(
        actor=actor,
        verb="planning.suggestion_submit",
        target=suggestion,
        division_code=consultation.community_id,
        ip=ip,
    )
    return suggestion


@transaction.atomic
def suggestion_promote(
    *,
    actor: User,
    suggestion_id: int,
    title: str,
    category: str = Proposal.Category.OTHER,
    ip: str | None = None,
) -> Proposal:
    """Turn a suggestion into a participation proposal in its author's name (the author is
    asked to support it like any proposal); the suggestion links to the proposal.

    Raises: NotFound, DomainError ``already_proposed``, PermissionDenied
    ``not_a_verified_resident`` (the author is not an ID-checked resident)."""
    suggestion = (
        Suggestion.objects.select_for_update()
        .select_related("consultation", "author")
        .filter(pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise NotFound("not_found", _("No such suggestion."))
    consultation = suggestion.consultation
    if not can_run(actor, consultation.community_id, timezone.localdate(consultation.starts_at)):
        raise NotFound("not_found", _("No such suggestion."))
    if suggestion.proposal_id is not None:
        raise DomainError("already_proposed", _("This suggestion is a proposal already."))
    photos: list[UploadedFile] = []
    if suggestion.photo:
        # The suggestion's photo (checked and cleaned when it came) goes with the proposal.
        stored = suggestion.photo
        extension = stored.name.rsplit(".", 1)[-1]
        photos.append(cast(UploadedFile, File(stored.open("rb"), name=f"photo.{extension}")))
    proposal = proposal_create(
        actor=suggestion.author,
        community_code=consultation.community_id,
        title=_text(title, "title", 120),
        description=suggestion.text,
        category=category,
        photos=photos,
    )
    suggestion.proposal = proposal
    suggestion.save(update_fields=["proposal"])
    audit_record(
        actor=actor,
        verb="planning.suggestion_promote",
        target=suggestion,
        division_code=consultation.community_id,
        ip=ip,
    )
    return proposal
