"""Writes of registrations for public council meetings: ID-checked residents of the community
take a seat while there are seats, then join a waiting list as long as the seats; when someone
cancels, the first on the waiting list moves up and is told."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import message_send
from shequ.participation.models import Meeting, Registration
from shequ.participation.services._common import require_verified
from shequ.people.models import User


def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    return meeting


@transaction.atomic
def register(*, actor: User, meeting_id: int) -> Registration:
    """Register for a meeting's seats, or for its waiting list when they are taken.

    Raises: NotFound; PermissionDenied ``not_a_verified_resident``; DomainError
    ``no_registration`` / ``meeting_started`` / ``already_registered`` / ``meeting_full``."""
    meeting = _meeting(meeting_id)
    require_verified(actor, meeting.community_id)
    if meeting.capacity is None:
        raise DomainError("no_registration", _("This meeting takes no registration."))
    if meeting.status != Meeting.Status.SCHEDULED or meeting.starts_at <= timezone.now():
        raise DomainError("meeting_started", _("Registration closed when the meeting began."))
    if Registration.objects.filter(meeting=meeting, user=actor).exists():
        raise DomainError("already_registered", _("You are already registered for this meeting."))
    taken = Registration.objects.filter(meeting=meeting).values_list("status", flat=True)
    seats = sum(1 for s in taken if s == Registration.Status.REGISTERED)
    waiting = len(taken) - seats
    if seats < meeting.capacity:
        status = Registration.Status.REGISTERED
    elif waiting < meeting.capacity:
        status = Registration.Status.WAITING
    else:
        raise DomainError(
            "meeting_full", _("All %(n)s seats and the waiting list are taken."), n=meeting.capacity
        )
    registration = Registration.objects.create(meeting=meeting, user=actor, status=status)
    audit_record(
        actor=actor,
        verb="participation.meeting_register",
        target=meeting,
        division_code=meeting.community_id,
        changes={"status": [None, status]},
    )
    return registration


@transaction.atomic
def unregister(*, actor: User, meeting_id: int) -> None:
    """Give one's seat (or waiting place) back; the first waiting moves up and is told.

    Raises: NotFound; DomainError ``not_registered``."""
    meeting = _meeting(meeting_id)
    mine = Registration.objects.filter(meeting=meeting, user=actor).first()
    if mine is None:
        raise DomainError("not_registered", _("You are not registered for this meeting."))
    freed = mine.status == Registration.Status.REGISTERED
    mine.delete()
    if freed:
        first = (
            Registration.objects.filter(meeting=meeting, status=Registration.Status.WAITING)
            .order_by("id")
            .first()
        )
        if first is not None:
            first.status = Registration.Status.REGISTERED
            first.save(update_fields=["status"])
            message_send(
                user_id=first.user_id,
                category="community",
                title=_("A seat is free: you are registered for the council meeting"),
                body=meeting.title,
                url=f"/participation/meetings/{meeting.pk}/",
            )
    audit_record(
        actor=actor,
        verb="participation.meeting_unregister",
        target=meeting,
        division_code=meeting.community_id,
    )
