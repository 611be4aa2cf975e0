"""The legal deadline of an application (法定办结时限), counted in working days: set on
acceptance, paused while the applicant is asked for more information, computed later where the
holiday table did not reach it, and escalated (督办) once passed."""

from datetime import date

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import Application, ApplicationEvent, Status
from shequ.casework.workdays import HolidayTableMissing, working_day_add, working_days_between
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send
from shequ.people.models import User


def _deadline_set(application: Application, start: date, days: int) -> None:
    """The legal deadline ``days`` working days after ``start``; when the holiday table does
    not reach it, no date at all: the case is flagged (``deadline_pending``) and the date is
    computed when the committee enters the missing year."""
    try:
        application.due_date = working_day_add(start, days)
    except HolidayTableMissing:
        application.due_date = None
        application.deadline_pending_from = start
        application.deadline_pending_days = days
    else:
        application.deadline_pending_from = None
        application.deadline_pending_days = None


def _deadline_pause(application: Application, today: date) -> None:
    """Stop the legal clock (补正): keep the working days left.

    A deadline that is not computable stays pending when the days already used cannot be
    counted either (today lies past the holiday table): it is then computed from acceptance
    without the pause, which errs on the early side."""
    if application.due_date is not None:
        application.days_left_when_paused = (
            working_days_between(today, application.due_date) if today < application.due_date else 0
        )
        application.due_date = None
        return
    if application.deadline_pending_from is None:
        return
    try:
        used = working_days_between(application.deadline_pending_from, today)
    except HolidayTableMissing:
        return
    application.days_left_when_paused = max(0, (application.deadline_pending_days or 0) - used)
    application.deadline_pending_from = None
    application.deadline_pending_days = None


@transaction.atomic
def applications_escalate_overdue(*, today: date | None = None) -> int:
    """Mark open applications past their legal deadline as escalated (督办); returns how many.

    Idempotent: an escalated case is not escalated again.
    """
    today = today or timezone.localdate()
    overdue = list(
        Application.objects.select_for_update()
        .filter(
            status__in=(Status.ACCEPTED, Status.RESUBMITTED, Status.MORE_INFO),
            due_date__lt=today,
            escalated_at__isnull=True,
        )
        .only("id", "status", "community_id", "department_id", "reference")
    )
    now = timezone.now()
    for application in overdue:
        application.escalated_at = now
        ApplicationEvent.objects.create(
            application=application,
            actor=None,
            action="escalate",
            from_status=application.status,
            to_status=application.status,
            note="",
        )
        audit_record(
            actor=None,
            verb="application.escalate",
            target=application,
            division_code=application.community_id or "",
        )
    Application.objects.filter(pk__in=[a.pk for a in overdue]).update(escalated_at=now)
    _tell_supervisors(overdue)
    return len(overdue)


def _tell_supervisors(overdue: list[Application]) -> None:
    """One inbox message per department's staff and per supervisor with the number escalated."""
    from collections import Counter

    from shequ.casework.permissions import SUPERVISING_DEPARTMENT
    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole

    per_department = Counter(a.department_id for a in overdue)
    if not per_department:
        return
    roles = (
        StaffRole.objects.filter(is_active=True, role=Role.DEPARTMENT_STAFF)
        .filter(
            models.Q(department_id__in=list(per_department))
            | models.Q(department__code=SUPERVISING_DEPARTMENT)
        )
        .select_related("department")
    )
    totals: dict[int, int] = {}
    for role in roles:
        supervises = role.department is not None and role.department.code == SUPERVISING_DEPARTMENT
        count = len(overdue) if supervises else per_department[role.department_id or 0]
        totals[role.user_id] = max(totals.get(role.user_id, 0), count)
    for user_id, count in totals.items():
        message_send(
            user_id=user_id,
            category=Category.SYSTEM,
            title=_("%(n)s applications are past their legal deadline") % {"n": count},
            url="/console/casework/?escalated=1",
        )


def pending_deadlines_compute(*, actor: User | None = None) -> int:
    """Give open applications whose deadline was not computable their date, where the
    holiday table now reaches it (the clock running: accepted or resubmitted). Returns how
    many got one; each is audited."""
    pending = Application.objects.select_for_update().filter(
        deadline_pending_from__isnull=False,
        status__in=(Status.ACCEPTED, Status.RESUBMITTED),
    )
    computed = 0
    for application in pending:
        start = application.deadline_pending_from
        if start is None:
            continue
        try:
            due = working_day_add(start, application.deadline_pending_days or 0)
        except HolidayTableMissing:
            continue
        application.due_date = due
        application.deadline_pending_from = None
        application.deadline_pending_days = None
        application.save(
            update_fields=[
                "due_date",
                "deadline_pending_from",
                "deadline_pending_days",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            verb="application.deadline_computed",
            target=application,
            division_code=application.community_id or "",
            changes={"due_date": [None, due.isoformat()]},
        )
        computed += 1
    return computed
