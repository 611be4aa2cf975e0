"""Community plans (社区规划): versions, linked projects, edits and withdrawal."""

from collections.abc import Sequence
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record, changes_between
from shequ.people.models import User
from shequ.planning.models import Plan, PlanVersion, Publication
from shequ.planning.permissions import can_run
from shequ.planning.services._common import (
    _community,
    _document,
    _ensure_author,
    _text,
    _withdraw_reason,
)
from shequ.projects.models import Project


def _checked_projects(community_code: str, project_ids: Sequence[int]) -> list[Project]:
    projects = list(
        Project.objects.filter(
            Q(communities=community_code) | Q(division_id=community_code),
            pk__in=list(project_ids),
        ).distinct()
    )
    if len({p.pk for p in projects}) != len(set(project_ids)):
        raise DomainError(
            "unknown_project", _("Choose projects of this community."), field="projects"
        )
    return projects


def _not_withdrawn(plan: Plan) -> None:
    if plan.status == Publication.WITHDRAWN:
        raise DomainError("withdrawn", _("This plan has been withdrawn."))


def _own_plan(actor: User, plan_id: int, on: date) -> Plan:
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or not can_run(actor, plan.community_id, on):
        raise NotFound("not_found", _("No such plan in your area."))
    _ensure_author(
        plan.created_by_id, actor, _("Only the author of this plan may edit or withdraw it.")
    )
    _not_withdrawn(plan)
    return plan


@transaction.atomic
def plan_create(
    *,
    actor: User,
    community_code: str | None,
    title: str,
    summary: str = "",
    project_ids: Sequence[int] = (),
    on: date,
    ip: str | None = None,
) -> Plan:
    """Start a community plan (its documents come as versions). Raises: DomainError, NotFound."""
    community = _community(community_code)
    if not can_run(actor, community.code, on):
        raise NotFound("not_found", _("No such community in your area."))
    plan = Plan.objects.create(
        community=community,
        title=_text(title, "title", 160),
        summary=_text(summary, "summary", 4000, required=False),
        created_by=actor,
        status=Publication.DRAFT,
    )
    plan.projects.set(_checked_projects(community.code, project_ids))
    audit_record(
        actor=actor, verb="planning.plan_create", target=plan, division_code=community.code, ip=ip
    )
    return plan


@transaction.atomic
def plan_update_projects(
    *, actor: User, plan_id: int, project_ids: Sequence[int], on: date, ip: str | None = None
) -> Plan:
    """Link the five-major-actions projects that follow from a plan. Raises: NotFound."""
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or not can_run(actor, plan.community_id, on):
        raise NotFound("not_found", _("No such plan in your area."))
    _not_withdrawn(plan)
    plan.projects.set(_checked_projects(plan.community_id, project_ids))
    audit_record(
        actor=actor, verb="planning.plan_projects", target=plan, division_code=plan.community_id
    )
    return plan


@transaction.atomic
def plan_version_add(
    *,
    actor: User,
    plan_id: int,
    upload: UploadedFile | None,
    notes: str = "",
    on: date,
    ip: str | None = None,
) -> PlanVersion:
    """Publish the next version of a plan (PDF or Word, checked by its first bytes).

    Raises: NotFound, DomainError ``file_type_not_allowed`` / ``file_too_large`` / ``required``."""
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or not can_run(actor, plan.community_id, on):
        raise NotFound("not_found", _("No such plan in your area."))
    _not_withdrawn(plan)
    if upload is None:
        raise DomainError("required", _("This field is required."), field="file")
    stored, content_type, name = _document(upload, "file")
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion(
        plan=plan,
        number=number,
        content_type=content_type,
        notes=_text(notes, "notes", 500, required=False),
        published_by=actor,
    )
    version.file.save(name, stored, save=False)
    version.save()
    if plan.status == Publication.DRAFT:
        plan.status = Publication.PUBLISHED
        plan.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="planning.plan_version",
        target=plan,
        division_code=plan.community_id,
        ip=ip,
    )
    return version


@transaction.atomic
def plan_update(
    *, actor: User, plan_id: int, title: str, summary: str = "", on: date, ip: str | None = None
) -> Plan:
    """Its author corrects a draft or published plan's title and summary (versions stay).

    Raises: NotFound (not in the actor's area), PermissionDenied ``not_the_author``,
    DomainError ``withdrawn`` and on the fields."""
    plan = _own_plan(actor, plan_id, on)
    before = {"title": plan.title, "summary": plan.summary}
    plan.title = _text(title, "title", 160)
    plan.summary = _text(summary, "summary", 4000, required=False)
    changes = changes_between(before, {"title": plan.title, "summary": plan.summary})
    if not changes:
        return plan
    plan.updated_at = timezone.now()
    plan.save(update_fields=["title", "summary", "updated_at"])
    audit_record(
        actor=actor,
        verb="planning.plan_update",
        target=plan,
        division_code=plan.community_id,
        changes=changes,
        ip=ip,
    )
    return plan


@transaction.atomic
def plan_withdraw(
    *, actor: User, plan_id: int, reason: str, on: date, ip: str | None = None
) -> Plan:
    """Its author withdraws a plan: it stays, with its versions and the reason, marked
    withdrawn; nothing more can be added to it.

    Raises: NotFound, PermissionDenied ``not_the_author``, DomainError ``withdrawn``,
    ``required`` (no reason)."""
    plan = _own_plan(actor, plan_id, on)
    plan.withdrawn_reason = _withdraw_reason(reason)
    before = plan.status
    plan.status = Publication.WITHDRAWN
    plan.withdrawn_at = timezone.now()
    plan.save(update_fields=["status", "withdrawn_reason", "withdrawn_at"])
    audit_record(
        actor=actor,
        verb="planning.plan_withdraw",
        target=plan,
        division_code=plan.community_id,
        reason=plan.withdrawn_reason,
        changes={"status": [before, plan.status]},
        ip=ip,
    )
    return plan
