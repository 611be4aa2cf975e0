"""More time (延期申请): the unit handling a request asks for a later deadline with a reason;
the supervising desk (the dispatchers of the place) grants or refuses it with a reason.
Granted, the request's deadline moves, so the clock and "overdue" follow, and the public
timeline says the deadline was extended (the reasons stay internal)."""

from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealEvent, AppealExtension
from shequ.appeals.permissions import may_decide_extension
from shequ.appeals.services.handling import _locked, _require_member
from shequ.appeals.services.intake import tell_residents
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send, message_send_many, plain_text
from shequ.people.models import StaffRole, User

REASON_MAX = 500
EXTENDABLE = (Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS)


def _as_deadline(value: Any) -> datetime:
    """A datetime, or an ISO date/time text (a date alone: the end of that day, local)."""
    if isinstance(value, datetime):
        moment: datetime | None = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59))
    else:
        text = str(value or "").strip()
        moment = parse_datetime(text) if "T" in text or " " in text else None
        if moment is None:
            try:
                day = parse_date(text)
            except ValueError:
                day = None
            moment = datetime.combine(day, time(23, 59)) if day else None
    if moment is None:
        raise DomainError(
            "deadline_required",
            _("Give the new deadline as a date and time."),
            field="new_deadline",
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _due(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def extension_ask(
    *, actor: User, appeal_id: int, new_deadline: Any, reason: str, ip: str | None = None
) -> AppealExtension:
    """A member of the request's unit asks for a later deadline, before or after the current
    one has passed. The dispatchers of the place are told.

    Raises: NotFound (not the actor's unit's request), DomainError ``not_extendable`` /
    ``deadline_required`` / ``deadline_not_later`` / ``extension_pending`` and the text
    errors of ``plain_text``.
    """
    appeal = _locked(appeal_id)
    _require_member(actor, appeal)
    if appeal.status not in EXTENDABLE:
        raise DomainError("not_extendable", _("Only a request being handled can get more time."))
    if AppealExtension.objects.filter(
        appeal=appeal, status=AppealExtension.Status.PENDING
    ).exists():
        raise DomainError(
            "extension_pending",
            _("A request for more time is already waiting for a decision."),
        )
    moment = _as_deadline(new_deadline)
    if moment <= appeal.deadline_at:
        raise DomainError(
            "deadline_not_later",
            _("The new deadline must be later than the current one (%(due)s)."),
            field="new_deadline",
            due=_due(appeal.deadline_at),
        )
    clean = plain_text(reason, field="reason", max_length=REASON_MAX)
    unit = appeal.unit
    if unit is None:
        raise NotFound("appeal_not_found", _("No such request."))
    try:
        with transaction.atomic():
            extension = AppealExtension.objects.create(
                appeal=appeal,
                unit=unit,
                requested_by=actor,
                old_deadline=appeal.deadline_at,
                new_deadline=moment,
                reason=clean,
            )
    except IntegrityError:
        raise DomainError(
            "extension_pending",
            _("A request for more time is already waiting for a decision."),
        ) from None
    audit_record(
        actor=actor,
        verb="appeal.extension_ask",
        target=appeal,
        division_code=appeal.community_id,
        changes={"deadline_at": [_due(appeal.deadline_at), _due(moment)]},
        reason=clean,
        ip=ip,
    )
    supervisors = StaffRole.objects.filter(
        role__in=["city_committee", "district_officer"], is_active=True
    ).values_list("user_id", "role", "division_id")
    district = appeal.community_id[:6] + "000000"
    message_send_many(
        user_ids=sorted(
            {
                user_id
                for user_id, role, division in supervisors
                if (role == "city_committee" or division == district) and user_id != actor.pk
            }
        ),
        category=MessageCategory.SYSTEM,
        title=_("More time asked for: %(number)s") % {"number": appeal.number},
        body=clean,
        url="/console/appeals/extensions/",
    )
    return extension


@transaction.atomic
def extension_decide(
    *,
    actor: User,
    extension_id: int,
    approve: bool,
    reason: str,
    ip: str | None = None,
) -> AppealExtension:
    """A dispatcher of the place grants or refuses more time, with a reason. Granted: the
    deadline moves and the reporter and followers are told the new one.

    Raises: NotFound (outside the actor's area), DomainError ``extension_decided`` /
    ``own_extension`` / ``not_extendable`` and the text errors of ``plain_text``.
    """
    found = AppealExtension.objects.filter(pk=extension_id).values_list("appeal_id", flat=True)
    appeal_id = found.first()
    if appeal_id is None:
        raise NotFound("extension_not_found", _("No such request for more time."))
    appeal = _locked(appeal_id)
    extension = AppealExtension.objects.select_for_update().get(pk=extension_id)
    if not may_decide_extension(actor, appeal.community_id):
        raise NotFound("extension_not_found", _("No such request for more time."))
    if extension.status != AppealExtension.Status.PENDING:
        raise DomainError("extension_decided", _("This request for more time is already decided."))
    if extension.requested_by_id == actor.pk:
        raise DomainError(
            "own_extension", _("Someone else must decide on your own request for more time.")
        )
    if approve and appeal.status not in EXTENDABLE:
        raise DomainError("not_extendable", _("Only a request being handled can get more time."))
    clean = plain_text(reason, field="reason", max_length=REASON_MAX)
    now = timezone.now()
    extension.status = (
        AppealExtension.Status.APPROVED if approve else AppealExtension.Status.REFUSED
    )
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_reason = clean
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    before = appeal.deadline_at
    if approve:
        appeal.deadline_at = extension.new_deadline
        appeal.save(update_fields=["deadline_at"])
        AppealEvent.objects.create(
            appeal=appeal,
            kind=AppealEvent.Kind.EXTENDED,
            unit=appeal.unit,
            actor=actor,
            text=_due(extension.new_deadline),
            at=now,
        )
    audit_record(
        actor=actor,
        verb="appeal.extension_decide",
        target=appeal,
        division_code=appeal.community_id,
        changes={
            "extension": [AppealExtension.Status.PENDING, extension.status],
            "deadline_at": [_due(before), _due(appeal.deadline_at)],
        },
        reason=clean,
        ip=ip,
    )
    if approve:
        tell_residents(
            appeal,
            _("%(number)s: the deadline was extended"),
            str(_("New deadline: %(due)s") % {"due": _due(extension.new_deadline)}),
        )
    if extension.requested_by_id:
        title = (
            _("More time granted: %(number)s") if approve else _("More time refused: %(number)s")
        )
        message_send(
            user_id=extension.requested_by_id,
            category=MessageCategory.SYSTEM,
            title=title % {"number": appeal.number},
            body=clean,
            url=f"/console/appeals/{appeal.pk}/",
        )
    return extension
