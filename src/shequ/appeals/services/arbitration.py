"""审定 (the committee's ruling): a request that bounced between units (returned
``BOUNCE_LIMIT`` times, or sent by a dispatcher instead of re-dispatching it) waits in the
city committee's queue; a committee member names the unit that handles it with a written
ruling. The request is dispatched to that unit, which can no longer return it. The public
timeline shows the decision (which unit), never the ruling's reasons."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealEvent, Unit
from shequ.appeals.permissions import committee_ids, may_dispatch, may_rule
from shequ.appeals.services.handling import _locked
from shequ.appeals.services.intake import dispatch_to, tell_residents
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send_many, plain_text
from shequ.people.models import User

RULING_MAX = 1000
REFERABLE = (Appeal.Status.AWAITING_DISPATCH, Appeal.Status.RETURNED)


@transaction.atomic
def appeal_refer(*, actor: User, appeal_id: int, note: str, ip: str | None = None) -> Appeal:
    """A dispatcher sends a request waiting for (re-)dispatch to the committee's ruling
    instead, saying why (internal). The committee is told.

    Raises: NotFound (outside the dispatcher's area), DomainError ``not_referable`` and the
    text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    if not may_dispatch(actor, appeal.community_id):
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status not in REFERABLE:
        raise DomainError(
            "not_referable",
            _("Only a request waiting for dispatch can be sent to the committee's ruling."),
        )
    clean = plain_text(note, field="note", max_length=500)
    before = appeal.status
    appeal.status = Appeal.Status.RULING
    appeal.save(update_fields=["status"])
    AppealEvent.objects.create(
        appeal=appeal, kind=AppealEvent.Kind.REFERRED, actor=actor, note=clean
    )
    audit_record(
        actor=actor,
        verb="appeal.refer",
        target=appeal,
        division_code=appeal.community_id,
        changes={"status": [before, appeal.status]},
        reason=clean,
        ip=ip,
    )
    message_send_many(
        user_ids=[i for i in committee_ids() if i != actor.pk],
        category=MessageCategory.SYSTEM,
        title=_("To rule on: %(number)s") % {"number": appeal.number},
        body=clean,
        url=f"/console/appeals/{appeal.pk}/",
    )
    return appeal


@transaction.atomic
def appeal_rule(
    *, actor: User, appeal_id: int, unit_id: Any, ruling: str, ip: str | None = None
) -> Appeal:
    """A committee member rules which unit handles the request, in writing. The request is
    dispatched to it (the clock runs on from intake, as for any re-dispatch) and that unit
    may not return it.

    Raises: NotFound (not a committee member), DomainError ``not_awaiting_ruling`` /
    ``unit_required`` and the text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    if not may_rule(actor):
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status != Appeal.Status.RULING:
        raise DomainError("not_awaiting_ruling", _("This request is not waiting for a ruling."))
    unit = Unit.objects.filter(pk=digits_or_none(str(unit_id or "")) or 0, is_active=True).first()
    if unit is None:
        raise DomainError("unit_required", _("Choose the unit from the list."), field="unit")
    clean = plain_text(ruling, field="ruling", max_length=RULING_MAX)
    now = timezone.now()
    decision = str(_("The city committee ruled that %(unit)s handles it.") % {"unit": unit.name})
    appeal.ruling_unit = unit
    appeal.ruling = clean
    appeal.ruled_at = now
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.RULED,
        unit=unit,
        actor=actor,
        text=decision,
        note=clean,
        at=now,
    )
    dispatch_to(appeal, unit, decision, actor)
    appeal.save(
        update_fields=[
            "ruling_unit",
            "ruling",
            "ruled_at",
            "unit",
            "routing_reason",
            "status",
            "assignee",
        ]
    )
    audit_record(
        actor=actor,
        verb="appeal.rule",
        target=appeal,
        division_code=appeal.community_id,
        changes={"unit": [None, unit.name]},
        reason=clean[:200],
        ip=ip,
    )
    tell_residents(
        appeal, _("%(number)s: the city committee ruled which unit handles it"), decision
    )
    return appeal
