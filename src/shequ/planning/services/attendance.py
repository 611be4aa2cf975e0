"""Sign-in to a consultation: residents on their phone, or ticked in by the planner after
a masked search of the community's residents (audited)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.people.models import Resident, User
from shequ.planning import selectors
from shequ.planning.models import Attendance, Consultation
from shequ.planning.permissions import can_run
from shequ.planning.selectors import PlanningPerson
from shequ.planning.services._common import _resident_of, _runnable

MAX_QUERY = 40


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
    """The planner (or a worker) ticks a resident of the community on the sign-in list;
    ticking one already signed in changes nothing (and is not logged again).

    Raises: NotFound, DomainError ``closed``, ``unknown_resident``, ``no_account`` (the
    resident has no account)."""
    consultation = _runnable(actor, consultation_id)
    if consultation.status == Consultation.Status.CLOSED:
        raise DomainError("closed", _("This consultation is closed."))
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
    if not _created:
        return attendance
    audit_record(
        actor=actor,
        verb="planning.attendance_tick",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return attendance


def _as_logged(query: str) -> str:
    """The name as typed; of the mobile number, at most its last four digits, masked."""
    name, tail = selectors.split_query(query)
    return (f"{name} ****{tail[-4:]}" if tail else name)[:200]


@transaction.atomic
def resident_search(
    *, actor: User, consultation_id: int, query: str, ip: str | None = None
) -> tuple[list[PlanningPerson], bool]:
    """Search the residents of a consultation's community by name to tick them in (masked
    name and ID number only). Every search is in the audit log: who, for what, how many.

    Raises: NotFound (not a consultation the actor runs), DomainError ``bad_query``."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None or not can_run(
        actor, consultation.community_id, timezone.localdate(consultation.starts_at)
    ):
        raise NotFound("not_found", _("No such consultation in your area."))
    text = str(query or "").strip()
    name, _tail = selectors.split_query(text)
    if not name or len(text) > MAX_QUERY:
        raise DomainError(
            "bad_query",
            _("Type at least the family name (at most %(n)s characters)."),
            field="q",
            n=MAX_QUERY,
        )
    found, more = selectors.consultation_people(consultation, text)
    audit_record(
        actor=actor,
        verb="planning.resident_search",
        target=consultation,
        division_code=consultation.community_id,
        reason=_as_logged(text),
        changes={"found": len(found), "more": more},
        ip=ip,
    )
    return found, more
