"""督办 (escalation of overdue requests), run by a periodic task: a request still open past its
deadline is escalated first to its unit (level 1, "已超期": the members, the head and the
officer it is assigned to; a request with no unit to the dispatchers who hold it), and if
still open ``escalate_after()`` past the deadline to the supervising desk (level 2: the
dispatchers of its place). Each level is an event and is sent once: a conditional update of
``Appeal.escalation_level`` decides, so two workers at once never send a level twice."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.permissions import dispatcher_ids, unit_member_ids
from shequ.core.services import audit_record
from shequ.notices.models import Category as MessageCategory
from shequ.notices.services import message_send_many

LEVEL_UNIT = 1
LEVEL_DESK = 2
BATCH = 500


def escalate_after() -> timedelta:
    """How long past the deadline the supervising desk is told (level 2): the setting
    ``SHEQU_APPEALS_ESCALATE_AFTER_HOURS`` (environment ``APPEALS_ESCALATE_AFTER_HOURS``, 24)."""
    return timedelta(hours=float(getattr(settings, "SHEQU_APPEALS_ESCALATE_AFTER_HOURS", 24)))


def _recipients(appeal: Appeal, level: int) -> list[int]:
    if level == LEVEL_DESK or appeal.unit is None:
        return dispatcher_ids(appeal.community_id)
    ids = set(unit_member_ids(appeal.unit))
    for extra in (appeal.unit.head_id, appeal.assignee_id):
        if extra is not None:
            ids.add(extra)
    return sorted(ids)


def _escalate_one(appeal_id: int, level: int, now: datetime) -> bool:
    with transaction.atomic():
        moved = Appeal.objects.filter(
            pk=appeal_id,
            escalation_level=level - 1,
            status__in=Appeal.OPEN_STATUSES,
            deadline_at__lt=now,
        ).update(escalation_level=level)
        if not moved:
            return False
        appeal = Appeal.objects.select_related("unit", "category").get(pk=appeal_id)
        hours = int((now - appeal.deadline_at).total_seconds() // 3600)
        if level == LEVEL_UNIT:
            title = _("Overdue: %(number)s") % {"number": appeal.number}
        else:
            title = _("Overdue, escalated to the supervising desk: %(number)s") % {
                "number": appeal.number
            }
        body = _("Due %(due)s, %(hours)s hours ago; still open.") % {
            "due": timezone.localtime(appeal.deadline_at).strftime("%Y-%m-%d %H:%M"),
            "hours": hours,
        }
        AppealEvent.objects.create(
            appeal=appeal,
            kind=AppealEvent.Kind.ESCALATED,
            unit=appeal.unit,
            text=str(level),
            note=str(title),
            at=now,
        )
        audit_record(
            actor=None,
            verb="appeal.escalate",
            target=appeal,
            division_code=appeal.community_id,
            changes={"escalation_level": [level - 1, level]},
        )
        message_send_many(
            user_ids=_recipients(appeal, level),
            category=MessageCategory.SYSTEM,
            title=title,
            body=body,
            url=f"/console/appeals/{appeal.pk}/",
        )
    return True


def appeals_escalate(*, now: datetime | None = None) -> int:
    """Escalate every open request past its deadline to the level it has reached; returns
    how many escalations were made. Running it again changes nothing (idempotent)."""
    now = now or timezone.now()
    desk_before = now - escalate_after()
    made = 0
    rows = (
        Appeal.objects.filter(
            status__in=Appeal.OPEN_STATUSES, deadline_at__lt=now, escalation_level__lt=LEVEL_DESK
        )
        .order_by("deadline_at", "id")
        .values_list("pk", "deadline_at", "escalation_level")
    )
    for appeal_id, deadline, level in rows.iterator(chunk_size=BATCH):
        target = LEVEL_DESK if deadline < desk_before else LEVEL_UNIT
        for step in range(level + 1, target + 1):
            if not _escalate_one(appeal_id, step, now):
                break
            made += 1
    return made
