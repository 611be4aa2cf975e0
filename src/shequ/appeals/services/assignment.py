"""指派: after the unit signs for a request, its head or whoever signed assigns it to one
officer among the unit's members; reassigning is allowed. The officer hears of it and finds
it under "指派给我". Who was assigned is internal (never on the public timeline). The city
committee names a unit's head."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealEvent, Unit
from shequ.appeals.permissions import may_edit_catalogue, unit_member_ids
from shequ.appeals.selectors import officer_label
from shequ.appeals.services.handling import _locked, _require_member
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send, plain_text
from shequ.people.models import User


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


@transaction.atomic
def unit_head_set(*, actor: User, unit_id: int, head_id: Any, ip: str | None = None) -> Unit:
    """The city committee names a unit's head (one of its members) or clears it (``head_id``
    empty). The head assigns any of the unit's requests.

    Raises: NotFound (no such unit), PermissionDenied (not the committee), DomainError
    ``not_a_member``.
    """
    if not may_edit_catalogue(actor):
        raise PermissionDenied(
            "not_editor", _("Only the city committee edits the responsible units.")
        )
    unit = Unit.objects.select_for_update().filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise NotFound("unit_not_found", _("No such unit."))
    head = None
    if head_id not in (None, ""):
        head = User.objects.filter(pk=digits_or_none(str(head_id)) or 0).first()
        if head is None or head.pk not in unit_member_ids(unit):
            raise DomainError(
                "not_a_member",
                _("Choose an officer of %(unit)s from the list."),
                field="head",
                unit=unit.name,
            )
    before = unit.head
    unit.head = head
    unit.save(update_fields=["head"])
    audit_record(
        actor=actor,
        verb="appeal.unit_head",
        target=unit,
        changes={
            "head": [
                before.get_username() if before else None,
                head.get_username() if head else None,
            ]
        },
        ip=ip,
    )
    return unit
