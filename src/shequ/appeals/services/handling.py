"""The ticket's life: dispatch and re-dispatch (派单/重派), sign (签收), return (退单),
close (办结) and the resident's rating. Each in one transaction, audited."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.deadlines import deadline_for, handling_days
from shequ.appeals.models import (
    Appeal,
    AppealEvent,
    AppealPhoto,
    AppealRating,
    DissatisfactionCause,
    ReplyTemplate,
    Satisfaction,
    Unit,
)
from shequ.appeals.permissions import committee_ids, dispatcher_ids, may_dispatch, unit_ids_of
from shequ.appeals.services.intake import accept_photos, dispatch_to, tell_residents
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send_many, plain_text
from shequ.people.models import User

REPLY_MAX = 2000
# Returned this many times, a request goes to the committee's ruling (审定), not back to the
# dispatchers.
BOUNCE_LIMIT = 2
RETURN_REASONS: dict[str, Any] = {
    "wrong_area": _("Wrong area"),
    "not_our_duty": _("Not our duty"),
    "overlapping": _("Overlapping duty"),
}


class AlreadySigned(DomainError):
    """Someone signed for the request first (two units or officers at once)."""

    status = 409


def _locked(appeal_id: int) -> Appeal:
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("category", "unit")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound("appeal_not_found", _("No such request."))
    return appeal


def _require_member(actor: User, appeal: Appeal) -> None:
    if appeal.unit_id is None or appeal.unit_id not in unit_ids_of(actor):
        raise NotFound("appeal_not_found", _("No such request."))


def _last_dispatch(appeal: Appeal) -> AppealEvent | None:
    return (
        AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.DISPATCHED)
        .order_by("-at", "-id")
        .first()
    )


@transaction.atomic
def appeal_dispatch(
    *, actor: User, appeal_id: int, unit_id: Any, note: str, ip: str | None = None
) -> Appeal:
    """A dispatcher sends the request to a unit (派单, or 重派 after a return), with a note.

    Raises: NotFound (outside the dispatcher's area), DomainError ``not_dispatchable`` /
    ``unit_required`` / ``same_unit`` and the text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    if not may_dispatch(actor, appeal.community_id):
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status == Appeal.Status.RULING:
        raise DomainError(
            "awaiting_ruling",
            _("This request waits for the city committee's ruling: the committee dispatches it."),
        )
    if appeal.status not in (
        Appeal.Status.AWAITING_DISPATCH,
        Appeal.Status.RETURNED,
        Appeal.Status.DISPATCHED,
    ):
        raise DomainError(
            "not_dispatchable", _("Only a request not yet signed for can be dispatched.")
        )
    unit = Unit.objects.filter(pk=digits_or_none(str(unit_id or "")) or 0, is_active=True).first()
    if unit is None:
        raise DomainError("unit_required", _("Choose the unit from the list."), field="unit")
    if appeal.status == Appeal.Status.DISPATCHED and appeal.unit_id == unit.pk:
        raise DomainError("same_unit", _("The request is already with this unit."), field="unit")
    clean = plain_text(note, field="note", max_length=300)
    before = appeal.unit.name if appeal.unit else None
    reason = str(
        _("Re-dispatched by %(who)s: %(note)s") % {"who": actor.get_username(), "note": clean}
    )
    dispatch_to(appeal, unit, reason, actor)
    appeal.save(update_fields=["unit", "routing_reason", "status", "assignee"])
    audit_record(
        actor=actor,
        verb="appeal.dispatch",
        target=appeal,
        division_code=appeal.community_id,
        changes={"unit": [before, unit.name]},
        reason=clean,
        ip=ip,
    )
    return appeal


def _mark_responded(appeal: Appeal, unit: Unit | None, now: datetime) -> None:
    """The unit answered (签收 or 退单): its dispatches of the request still unanswered
    count as responded to (响应) when the answer came before the deadline."""
    AppealEvent.objects.filter(
        appeal=appeal, unit=unit, kind=AppealEvent.Kind.DISPATCHED, responded__isnull=True
    ).update(responded=now <= appeal.deadline_at)


@transaction.atomic
def appeal_sign(*, actor: User, appeal_id: int, ip: str | None = None) -> Appeal:
    """The unit signs for the request (签收). Of two at once, one wins; the other is told.

    Raises: NotFound (not the actor's unit's), AlreadySigned ``already_signed``, DomainError
    ``not_dispatched``.
    """
    appeal = _locked(appeal_id)
    if not unit_ids_of(actor):
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status == Appeal.Status.IN_PROGRESS:
        signed = (
            AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.SIGNED)
            .select_related("unit", "actor")
            .order_by("-at", "-id")
            .first()
        )
        raise AlreadySigned(
            "already_signed",
            _("Already signed for by %(who)s of %(unit)s."),
            who=signed.actor.get_username() if signed and signed.actor else "-",
            unit=signed.unit.name if signed and signed.unit else "-",
        )
    _require_member(actor, appeal)
    if appeal.status != Appeal.Status.DISPATCHED:
        raise DomainError("not_dispatched", _("This request is not waiting to be signed for."))
    appeal.status = Appeal.Status.IN_PROGRESS
    appeal.save(update_fields=["status"])
    now = timezone.now()
    AppealEvent.objects.create(
        appeal=appeal, kind=AppealEvent.Kind.SIGNED, unit=appeal.unit, actor=actor, at=now
    )
    _mark_responded(appeal, appeal.unit, now)
    audit_record(
        actor=actor, verb="appeal.sign", target=appeal, division_code=appeal.community_id, ip=ip
    )
    tell_residents(appeal, _("%(number)s: the unit has taken up your request"))
    return appeal


@transaction.atomic
def appeal_return(
    *, actor: User, appeal_id: int, reason: str, text: str, ip: str | None = None
) -> Appeal:
    """The unit returns the request (退单) with a reason; the time it held it is charged to
    it, and the dispatchers re-dispatch.

    Raises: NotFound, DomainError ``return_reason_required`` / ``not_returnable`` and the
    text errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    _require_member(actor, appeal)
    if appeal.status not in (Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS):
        raise DomainError("not_returnable", _("This request cannot be returned now."))
    if appeal.ruling_unit_id is not None and appeal.ruling_unit_id == appeal.unit_id:
        raise DomainError(
            "ruled",
            _(
                "By the city committee's ruling of %(day)s, %(unit)s handles this request: "
                "it cannot be returned. Ruling: %(ruling)s"
            ),
            day=timezone.localtime(appeal.ruled_at or timezone.now()).strftime("%Y-%m-%d"),
            unit=appeal.unit.name if appeal.unit else "-",
            ruling=appeal.ruling,
        )
    if reason not in RETURN_REASONS:
        raise DomainError(
            "return_reason_required",
            _("Choose why the request is returned."),
            field="reason",
        )
    clean = plain_text(text, field="text", max_length=500)
    dispatched = _last_dispatch(appeal)
    now = timezone.now()
    held = int((now - dispatched.at).total_seconds()) if dispatched else 0
    unit = appeal.unit
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.RETURNED,
        unit=unit,
        actor=actor,
        text=f"{RETURN_REASONS[reason]}: {clean}",
        held_seconds=max(held, 0),
        at=now,
    )
    _mark_responded(appeal, unit, now)
    bounced = (
        AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.RETURNED).count()
        >= BOUNCE_LIMIT
    )
    appeal.status = Appeal.Status.RULING if bounced else Appeal.Status.RETURNED
    appeal.unit = None
    appeal.assignee = None
    appeal.save(update_fields=["status", "unit", "assignee"])
    audit_record(
        actor=actor,
        verb="appeal.return",
        target=appeal,
        division_code=appeal.community_id,
        reason=clean,
        changes={"unit": [unit.name if unit else None, None], "status": [None, appeal.status]},
        ip=ip,
    )
    if bounced:
        AppealEvent.objects.create(
            appeal=appeal,
            kind=AppealEvent.Kind.REFERRED,
            note=str(_("Returned %(n)s times.") % {"n": BOUNCE_LIMIT}),
            at=now,
        )
        message_send_many(
            user_ids=committee_ids(),
            category=MessageCategory.SYSTEM,
            title=_("To rule on: %(number)s") % {"number": appeal.number},
            body=clean,
            url=f"/console/appeals/{appeal.pk}/",
        )
        return appeal
    message_send_many(
        user_ids=dispatcher_ids(appeal.community_id),
        category=MessageCategory.SYSTEM,
        title=_("Returned, to re-dispatch: %(number)s") % {"number": appeal.number},
        body=clean,
        url=f"/console/appeals/{appeal.pk}/",
    )
    return appeal


@transaction.atomic
def appeal_close(
    *,
    actor: User,
    appeal_id: int,
    reply: str,
    photos: Sequence[UploadedFile] = (),
    template_id: Any = None,
    ip: str | None = None,
) -> Appeal:
    """The unit reports the request handled (办结) with a public reply and photos of the fix;
    the resident is asked to rate it. ``template_id``: one of the unit's reply templates,
    whose text is the reply when none is typed.

    Raises: NotFound, DomainError ``not_signed`` / ``template_not_found`` / the upload and
    text errors.
    """
    appeal = _locked(appeal_id)
    _require_member(actor, appeal)
    if appeal.status != Appeal.Status.IN_PROGRESS:
        raise DomainError("not_signed", _("Sign for the request before reporting it handled."))
    if template_id not in (None, ""):
        template = ReplyTemplate.objects.filter(
            pk=digits_or_none(str(template_id)) or 0, unit=appeal.unit
        ).first()
        if template is None:
            raise DomainError(
                "template_not_found",
                _("Choose one of your unit's reply templates."),
                field="template",
            )
        if not str(reply or "").strip():
            reply = template.text
    clean = plain_text(reply, field="reply", max_length=REPLY_MAX)
    files = accept_photos(photos, "photos")
    now = timezone.now()
    for file in files:
        AppealPhoto.objects.create(appeal=appeal, kind=AppealPhoto.Kind.FIX, file=file)
    appeal.status = Appeal.Status.CLOSED
    appeal.reply = clean
    appeal.closed_at = now
    appeal.save(update_fields=["status", "reply", "closed_at"])
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.CLOSED,
        unit=appeal.unit,
        actor=actor,
        text=clean[:1000],
        on_time=now <= appeal.deadline_at,
        working_days=handling_days(appeal.created_at, now),
        at=now,
    )
    audit_record(
        actor=actor, verb="appeal.close", target=appeal, division_code=appeal.community_id, ip=ip
    )
    tell_residents(
        appeal,
        _("%(number)s has been handled: please rate it"),
        clean,
        caller_title=_("%(number)s has been handled. To tell us how it went, call 12345."),
    )
    return appeal


@transaction.atomic
def appeal_rate(
    *,
    actor: User,
    appeal_id: int,
    level: str,
    fixed: bool,
    comment: str = "",
    cause: str = "",
    ip: str | None = None,
) -> Appeal:
    """The reporter rates the handling. Dissatisfied or not fixed: the request reopens and
    goes back to the unit that closed it, with a new deadline; ``cause`` (optional) says why,
    and is kept only for an unhappy rating.

    Raises: NotFound (someone else's request), DomainError ``not_closed`` / ``bad_level`` /
    ``bad_cause`` / ``comment_required`` and the text errors.
    """
    appeal = _locked(appeal_id)
    if appeal.reporter_id != actor.pk:
        raise NotFound("appeal_not_found", _("No such request."))
    if appeal.status != Appeal.Status.CLOSED or appeal.unit is None:
        raise DomainError("not_closed", _("This request is not waiting for your rating."))
    if level not in Satisfaction.values:
        raise DomainError("bad_level", _("Choose how satisfied you are."), field="level")
    if cause and cause not in DissatisfactionCause.values:
        raise DomainError("bad_cause", _("Choose a reason from the list."), field="cause")
    unhappy = level == Satisfaction.DISSATISFIED or not fixed
    clean = plain_text(comment, field="comment", max_length=500, required=False)
    if unhappy and not clean:
        raise DomainError("comment_required", _("Please say what is still wrong."), field="comment")
    AppealRating.objects.create(
        appeal=appeal,
        round=appeal.round,
        unit=appeal.unit,
        level=level,
        fixed=fixed,
        comment=clean,
        cause=cause if unhappy else "",
    )
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.RATED,
        unit=appeal.unit,
        actor=actor,
        text=f"{Satisfaction(level).label}: {clean}" if clean else str(Satisfaction(level).label),
    )
    before = appeal.status
    if unhappy:
        now = timezone.now()
        appeal.round += 1
        appeal.closed_at = None
        appeal.deadline_at = deadline_for(appeal.category.deadline_class, now)
        # A new round has a new deadline: its overdue escalation starts again.
        appeal.escalation_level = 0
        AppealEvent.objects.create(
            appeal=appeal, kind=AppealEvent.Kind.REOPENED, unit=appeal.unit, text=clean, at=now
        )
        reason = str(
            _("Reopened after the resident's rating: back to %(unit)s") % {"unit": appeal.unit.name}
        )
        dispatch_to(appeal, appeal.unit, reason, None)
    else:
        appeal.status = Appeal.Status.RATED
    appeal.save(
        update_fields=[
            "status",
            "round",
            "closed_at",
            "deadline_at",
            "unit",
            "routing_reason",
            "assignee",
            "escalation_level",
        ]
    )
    audit_record(
        actor=actor,
        verb="appeal.rate",
        target=appeal,
        division_code=appeal.community_id,
        changes={"status": [before, appeal.status], "level": [None, level]},
        ip=ip,
    )
    return appeal
