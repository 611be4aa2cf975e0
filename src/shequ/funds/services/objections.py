"""Objections (异议) of verified residents during a decision's disclosure window, and their
answers."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import mask_numbers_in_text
from shequ.core.services import audit_record
from shequ.funds.models import ApprovalRecord, Objection
from shequ.funds.permissions import can_answer_objection
from shequ.notices.models import Category
from shequ.notices.services import message_send
from shequ.participation.selectors import residents_council
from shequ.people.levels import Action, require_level
from shequ.people.models import VerificationLevel


@transaction.atomic
def objection_raise(
    *, actor: Any, approval_id: int, reason: str, ip: str | None = None
) -> Objection:
    """A verified resident of the community objects to a disclosed decision.

    Raises: NotFound; PermissionDenied ``not_resident``; DomainError ``window_closed``,
    ``reason_required``.
    """
    approval = ApprovalRecord.objects.filter(pk=approval_id).first()
    if approval is None:
        raise NotFound("decision_not_found", _("No such decision."))
    resident = (
        getattr(actor, "resident", None) if getattr(actor, "is_authenticated", False) else None
    )
    if (
        resident is None
        or resident.community_id != approval.community_id
        or resident.verification_level < VerificationLevel.ID_CHECKED
    ):
        raise PermissionDenied(
            "not_resident",
            _("Only verified residents of this community may object."),
        )
    council = residents_council(approval.community_id)
    require_level(
        Action.OBJECT,
        resident.verification_level,
        council.object_level if council is not None else None,
    )
    if timezone.now() > approval.objection_deadline:
        raise DomainError("window_closed", _("The objection period of this decision has ended."))
    text = reason.strip()
    if len(text) < 5:
        raise DomainError(
            "reason_required", _("Explain your objection in a few words."), field="reason"
        )
    objection = Objection.objects.create(
        approval=approval,
        community_id=approval.community_id,
        resident_user=actor,
        reason=mask_numbers_in_text(text),
    )
    audit_record(
        actor=actor,
        verb="funds.objection_raised",
        target=objection,
        division_code=approval.community_id,
        ip=ip,
    )
    return objection


@transaction.atomic
def objection_answer(
    *, actor: Any, objection_id: int, answer: str, ip: str | None = None
) -> Objection:
    """A street officer answers an objection; the hold on payments lifts. The objection and
    its answer are shown on the public disclosure page (the objector's name masked), and the
    objector gets the answer in their inbox.

    Raises: NotFound; DomainError ``answer_required``, ``already_answered``.
    """
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("approval")
        .filter(pk=objection_id)
        .first()
    )
    if objection is None or not can_answer_objection(actor, objection.community_id):
        raise NotFound("objection_not_found", _("No such objection in your area."))
    if objection.status != Objection.Status.OPEN:
        raise DomainError("already_answered", _("This objection has already been answered."))
    if not answer.strip():
        raise DomainError("answer_required", _("Write the answer."), field="answer")
    objection.status = Objection.Status.ANSWERED
    objection.answer = mask_numbers_in_text(answer.strip())
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        verb="funds.objection_answered",
        target=objection,
        division_code=objection.community_id,
        changes={"status": ["open", "answered"]},
        ip=ip,
    )
    message_send(
        user_id=objection.resident_user_id,
        category=Category.COMMUNITY,
        title=_("Your objection has been answered"),
        body=f"{objection.approval.subject}\n{objection.answer}",
        url=f"/funds/{objection.community_id}/#decision-{objection.approval_id}",
    )
    return objection
