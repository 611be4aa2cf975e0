"""Sign-in to a consultation: residents on their phone, or ticked in by the planner after
a masked search of the community's residents (audited)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.people.models import Resident, User
from shequ.planning.models import (
    Attendance,
    Consultation,
)
from shequ.planning.services._common import _resident_of, _runnable


@transaction.atomic
def attendance_sign_in(*, actor: User, consultation_id: int) -> Attendance:
    """A resident of the community signs in on their phone (once; again changes nothing).

    Raises: NotFound, PermissionDenied ``not_a_resident``, DomainError ``closed``."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    resident = _resident_of(actor, consultation.community_id)
    if consultation.status == Consultation.Status.CLOSED:
        raise DomainError("closed", _("This consultation is closed."))
    attendance, _created = Attendance.objects.get_or_create(
        consultation=consultation,
        user=actor,
        defaults={"name": resident.real_name, "how": Attendance.How.SELF},
    )
    return attendance


@transaction.atomic
def attendance_tick(
    *, actor: User, consultation_id: int, resident_id: int | None, ip: str | None = None
) -> Attendance:
    """The planner ticks a resident of the community on the sign-in list.

    Raises: NotFound, DomainError ``no_account`` (the resident has no account)."""
    consultation = _runnable(actor, consultation_id)
    resident = Resident.objects.filter(
        pk=resident_id or 0, community_id=consultation.community_id
    ).first()
    if resident is None:
        raise DomainError(
            "unknown_resident", _("Choose a resident of this community."), field="resident"
        )
    if resident.user_id is None:
        raise DomainError(
            "no_account",
            _("This resident has no account yet and cannot be signed in."),
            field="resident",
        )
    attendance, _created = Attendance.objects.get_or_create(
        consultation=consultation,
        user_id=resident.user_id,
        defaults={"name": resident.real_name, "how": Attendance.How.TICKED},
    )
    audit_record(
        actor=actor,
        verb="planning.attendance_tick",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return attendance
