"""Checks and helpers the planning service modules share: text fields, the community,
uploaded photos and documents, the resident, whole numbers, the consultation a user runs."""

import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.uploads import accept_upload
from shequ.people.models import Resident, User
from shequ.places.models import Division
from shequ.planning.models import (
    Consultation,
)
from shequ.planning.permissions import can_run

PHOTO_TYPES = ("jpg", "png")
PHOTO_MAX_KB = 2 * 1024
DOCUMENT_TYPES = ("pdf", "docx")
DOCUMENT_MAX_KB = 20 * 1024
MAX_PHOTOS = 6


def _text(value: Any, field: str, max_length: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError("required", _("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError("too_long", _("At most %(n)s characters."), field=field, n=max_length)
    return text


def _community(code: str | None) -> Division:
    division = Division.objects.filter(
        pk=code or "", level=Division.Level.COMMUNITY, is_active=True
    ).first()
    if division is None:
        raise DomainError("unknown_community", _("Choose a community."), field="community")
    return division


def _photo(upload: UploadedFile, field: str) -> tuple[Any, str, str]:
    stored, content_type = accept_upload(
        upload, field=field, types=PHOTO_TYPES, max_kb=PHOTO_MAX_KB
    )
    extension = "png" if content_type == "image/png" else "jpg"
    return stored, content_type, f"{uuid.uuid4().hex}.{extension}"


def _document(upload: UploadedFile, field: str) -> tuple[Any, str, str]:
    stored, content_type = accept_upload(
        upload, field=field, types=DOCUMENT_TYPES, max_kb=DOCUMENT_MAX_KB
    )
    extension = "pdf" if content_type == "application/pdf" else "docx"
    return stored, content_type, f"{uuid.uuid4().hex}.{extension}"


def _resident_of(actor: User, community_code: str) -> Resident:
    resident = Resident.objects.filter(user_id=actor.pk, community_id=community_code).first()
    if resident is None:
        raise PermissionDenied(
            "not_a_resident", _("Only residents of this community may take part.")
        )
    return resident


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("not_a_number", _("Enter a whole number."), field=field) from None


def _runnable(actor: User, consultation_id: int) -> Consultation:
    consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
    if consultation is None or not can_run(
        actor, consultation.community_id, timezone.localdate(consultation.starts_at)
    ):
        raise NotFound("not_found", _("No such consultation in your area."))
    return consultation


def _withdraw_reason(reason: str) -> str:
    return _text(reason, "reason", 500)


def _ensure_author(author_id: int | None, actor: User, message: Any) -> None:
    if author_id != actor.pk:
        raise PermissionDenied("not_the_author", message)
