"""Planning consultations (规划议事会): scheduling, opening and closing, notes and photos,
and the attendees' ratings."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.planning.models import (
    Attendance,
    Consultation,
    ConsultationPhoto,
    ConsultationRating,
)
from shequ.planning.permissions import can_run
from shequ.planning.services._common import MAX_PHOTOS, _community, _int, _photo, _runnable, _text


@transaction.atomic
def consultation_schedule(
    *,
    actor: User,
    community_code: str | None,
    title: str,
    topic: str,
    place: str,
    starts_at: datetime | None,
    ip: str | None = None,
) -> Consultation:
    """Schedule a consultation in a community the actor runs (an assigned planner on that
    day, or a worker of the area). Raises: DomainError, NotFound."""
    community = _community(community_code)
    if starts_at is None:
        raise DomainError("required", _("This field is required."), field="starts_at")
    if not can_run(actor, community.code, timezone.localdate(starts_at)):
        raise NotFound("not_assigned", _("You are not assigned to this community on that day."))
    consultation = Consultation.objects.create(
        community=community,
        planner=actor,
        title=_text(title, "title", 120),
        topic=_text(topic, "topic", 2000),
        place=_text(place, "place", 120),
        starts_at=starts_at,
    )
    audit_record(
        actor=actor,
        verb="planning.consultation_schedule",
        target=consultation,
        division_code=community.code,
        ip=ip,
    )
    return consultation


@transaction.atomic
def consultation_set_status(
    *, actor: User, consultation_id: int, status: str, ip: str | None = None
) -> Consultation:
    """Open a consultation for suggestions or close it. Raises: NotFound, DomainError."""
    consultation = _runnable(actor, consultation_id)
    if status not in (Consultation.Status.OPEN, Consultation.Status.CLOSED):
        raise DomainError("bad_status", _("Choose one of the options."), field="status")
    if consultation.status == Consultation.Status.CLOSED:
        raise DomainError("closed", _("This consultation is closed."))
    consultation.status = status
    consultation.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb=f"planning.consultation_{status}",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return consultation


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    consultation_id: int,
    notes: str,
    photos: Sequence[UploadedFile] = (),
    ip: str | None = None,
) -> Consultation:
    """Save the notes of a consultation and add photos (downscaled, type-checked).

    Raises: NotFound, DomainError (``too_many_photos``, ``file_type_not_allowed``, ...)."""
    consultation = _runnable(actor, consultation_id)
    if consultation.photos.count() + len(photos) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos", _("Attach at most %(n)s photos."), field="photos", n=MAX_PHOTOS
        )
    checked = [_photo(upload, "photos") for upload in photos]
    consultation.notes = _text(notes, "notes", 8000, required=False)
    consultation.save(update_fields=["notes"])
    for stored, content_type, name in checked:
        photo = ConsultationPhoto(consultation=consultation, content_type=content_type)
        photo.file.save(name, stored, save=False)
        photo.save()
    audit_record(
        actor=actor,
        verb="planning.consultation_notes",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return consultation


@transaction.atomic
def rating_submit(
    *, actor: User, consultation_id: int, stars: Any, comment: str = ""
) -> ConsultationRating:
    """An attendee rates a consultation once (1–5 stars).

    Raises: NotFound, DomainError ``not_attended``, ``already_rated``, ``bad_stars``."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    if not Attendance.objects.filter(consultation=consultation, user=actor).exists():
        raise DomainError(
            "not_attended", _("Only residents who signed in may rate this consultation.")
        )
    value = _int(stars, "stars")
    if not 1 <= value <= 5:
        raise DomainError("bad_stars", _("Choose from 1 to 5 stars."), field="stars")
    if ConsultationRating.objects.filter(consultation=consultation, user=actor).exists():
        raise DomainError("already_rated", _("You have rated this consultation already."))
    return ConsultationRating.objects.create(
        consultation=consultation,
        user=actor,
        stars=value,
        comment=_text(comment, "comment", 500, required=False),
    )
