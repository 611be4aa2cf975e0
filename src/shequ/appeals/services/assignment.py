"""指派: after the unit signs for a request, its head or whoever signed assigns it to one
officer among the unit's members; reassigning is allowed. The officer hears of it and finds
it under "指派给我". Who was assigned is internal (never on the public timeline)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.permissions import unit_member_ids
from shequ.appeals.services.handling import _locked, _require_member
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.pii import mask_name
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User


def officer_label(user: User) -> str:
    """How an officer is shown in pickers and the staff timeline: the masked real name
    and the account name."""
    name = user.get_full_name().strip()
    return f"{mask_name(name)}（{user.get_username()}）" if name else user.get_username()


def signer_id(appeal: Appeal) -> int | None:
    """Who signed for the request this round (the last 签收)."""
    return (
        AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.SIGNED)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


def may_assign(user: Any, appeal: Appeal) -> bool:
    """The unit's head, or whoever signed for it, assigns a request being handled."""
    if appeal.status != Appeal.Status.IN_PROGRESS or appeal.unit is None:
        return False
    return user.pk in (appeal.unit.head_id, signer_id(appeal)) and user.pk in unit_member_ids(
        appeal.unit
    )


@transaction.atomic
def appeal_assign(
    *, actor: User, appeal_id: int, officer_id: Any, note: str = "", ip: str | None = None
) -> Appeal:
    """Assign (or reassign) the request to an officer of its unit.

    Raises: NotFound (not the actor's unit's), DomainError ``not_signed`` / ``not_assigner``
    / ``not_a_member`` / ``already_assigned`` and the text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    _require_member(actor, appeal)
    if appeal.status != Appeal.Status.IN_PROGRESS or appeal.unit is None:
        raise DomainError("not_signed", _("Sign for the request before assigning it."))
    if not may_assign(actor, appeal):
        raise PermissionDenied(
            "not_assigner",
            _("Only the head of the unit or whoever signed for the request assigns it."),
        )
    officer = User.objects.filter(pk=digits_or_none(str(officer_id or "")) or 0).first()
    if officer is None or officer.pk not in unit_member_ids(appeal.unit):
        raise DomainError(
            "not_a_member",
            _("Choose an officer of %(unit)s from the list."),
            field="officer",
            unit=appeal.unit.name,
        )
    if appeal.assignee_id == officer.pk:
        raise DomainError(
            "already_assigned",
            _("The request is already assigned to this officer."),
            field="officer",
        )
    clean = plain_text(note, field="note", max_length=300, required=False)
    before = appeal.assignee
    appeal.assignee = officer
    appeal.save(update_fields=["assignee"])
    label = officer_label(officer)
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.ASSIGNED,
        unit=appeal.unit,
        actor=actor,
        note=f"{label}: {clean}" if clean else label,
    )
    audit_record(
        actor=actor,
        verb="appeal.assign",
        target=appeal,
        division_code=appeal.community_id,
        changes={"assignee": [before.get_username() if before else None, officer.get_username()]},
        reason=clean,
        ip=ip,
    )
    message_send(
        user_id=officer.pk,
        category=MessageCategory.SYSTEM,
        title=_("Assigned to you: %(number)s") % {"number": appeal.number},
        body=clean,
        url=f"/console/appeals/{appeal.pk}/",
    )
    return appeal
