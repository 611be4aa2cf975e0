"""A project's moves along its life cycle (计划 → 批复 → 在建 → 完工 → 验收), and back to
work after a failed acceptance.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.projects import permissions
from shequ.projects.models import STATUS_ORDER, Project, Status, StatusEvent
from shequ.projects.services._common import _project_locked, _today, _visible_or_404
from shequ.projects.services.followers import _notify_followers


@transaction.atomic
def project_transition(
    *,
    actor: User,
    code: str,
    target: str,
    on: date | None = None,
    note: str = "",
    ip: str | None = None,
) -> Project:
    """Move a project one step along its life cycle (or back to work after a failed acceptance).

    Raises: NotFound outside the actor's area; DomainError ``transition_invalid`` (out of
    order), ``reason_required`` (rework without a reason), ``date_before_previous`` /
    ``date_future``; PermissionDenied when the actor's role may not make that move.
    """
    project = _project_locked(code)
    _visible_or_404(actor, project)
    if target not in STATUS_ORDER or (project.status, target) not in permissions.TRANSITION_ROLES:
        raise DomainError(
            "transition_invalid",
            _("A project cannot go from “%(current)s” to “%(target)s”."),
            field="status",
            current=Status(project.status).label,
            target=Status(target).label if target in STATUS_ORDER else target,
        )
    if not permissions.can_transition(actor, project, target):
        raise PermissionDenied("forbidden", _("Your role may not make this move."))
    backwards = STATUS_ORDER.index(target) < STATUS_ORDER.index(project.status)
    note = note.strip()
    if backwards and not note:
        raise DomainError(
            "reason_required", _("Say why the project goes back to work."), field="note"
        )
    day = on or _today()
    if day > _today():
        raise DomainError("date_future", _("The date cannot be in the future."), field="on")
    if day < project.status_since:
        raise DomainError(
            "date_before_previous",
            _("The date is before the previous step (%(previous)s)."),
            field="on",
            previous=project.status_since.isoformat(),
        )
    previous = project.status
    StatusEvent.objects.filter(project=project, superseded_on__isnull=True).update(
        superseded_on=day
    )
    StatusEvent.objects.create(
        project=project,
        status=target,
        occurred_on=day,
        is_first=not StatusEvent.objects.filter(project=project, status=target).exists(),
        project_type_id=project.project_type_id,
        district_id=project.district_id,
        division_id=project.division_id,
        year=project.year,
        planned_investment=project.planned_total,
        actor=actor,
        note=note[:300],
    )
    project.status, project.status_since = target, day
    if target in (Status.COMPLETED, Status.ACCEPTED):
        project.progress = 100
    project.save(update_fields=["status", "status_since", "progress", "updated_at"])
    audit_record(
        actor=actor,
        verb="project.transition",
        target=project,
        division_code=project.division_id,
        reason=note,
        changes={"status": [previous, target], "date": [None, day.isoformat()]},
        ip=ip,
    )
    _notify_followers(
        project,
        str(_("%(name)s: %(status)s") % {"name": project.name, "status": Status(target).label}),
    )
    return project
