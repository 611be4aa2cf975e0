"""Writes of the three lists (三张清单): needs, resources and the projects matching them."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal
from shequ.cogovernance.matching import judge
from shequ.cogovernance.models import (
    AreaOrganisation,
    Category,
    Commitment,
    Need,
    Project,
    ProjectResource,
    Resource,
)
from shequ.cogovernance.permissions import can_edit
from shequ.cogovernance.services._common import (
    amount,
    choice,
    day,
    division,
    not_found,
    quantity,
    shown,
    text,
)
from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.surveys.models import Survey


def _in_area(actor: User, code: str, field: str) -> None:
    if not can_edit(actor, code):
        raise DomainError(
            "division_unknown", _("Choose a place inside your area from the list."), field=field
        )


@transaction.atomic
def need_create(*, actor: User, data: dict[str, Any], ip: str | None = None) -> Need:
    """Put a need on a community's list: entered by a worker, raised from a resident's request
    (``appeal``) or from a survey result (``survey``); the source is linked.

    Raises: DomainError (a field, ``source_elsewhere`` when the request is of another
    community)."""
    appeal = survey = None
    if data.get("appeal"):
        appeal = Appeal.objects.filter(pk=data["appeal"]).first()
        if appeal is None or not can_edit(actor, appeal.community_id):
            raise DomainError("appeal_unknown", _("Choose one of the options."), field="appeal")
    if data.get("survey"):
        survey = Survey.objects.filter(pk=data["survey"]).first()
        if survey is None:
            raise DomainError("survey_unknown", _("Choose one of the options."), field="survey")
    code = data.get("community") or (appeal.community_id if appeal else "")
    community = division(code, field="community", community_only=True)
    _in_area(actor, community.code, "community")
    if appeal is not None and appeal.community_id != community.code:
        raise DomainError(
            "source_elsewhere",
            _("The resident's request comes from another community."),
            field="appeal",
        )
    title = text(data, "title", 120) or (appeal.description[:60] if appeal else "")
    if not title:
        raise DomainError("required", _("This field is required."), field="title")
    source = Need.Source.APPEAL if appeal else Need.Source.SURVEY if survey else Need.Source.WORKER
    need = Need.objects.create(
        community=community,
        title=title,
        category=choice(data, "category", Category.values),
        description=text(data, "description", 2000),
        source=source,
        appeal=appeal,
        survey=survey,
        created_by=actor,
    )
    audit_record(
        actor=actor, verb="cogov.need_create", target=need, division_code=community.code, ip=ip
    )
    return need


@transaction.atomic
def resource_create(*, actor: User, data: dict[str, Any], ip: str | None = None) -> Resource:
    """Put what a unit offers on the resources list, optionally under one of the commitments
    of its co-building agreements.

    Raises: DomainError (a field, negative quantity or amount, ``period_order``)."""
    org = AreaOrganisation.objects.filter(pk=data.get("organisation") or 0).first()
    if org is None or not can_edit(actor, org.division_id):
        raise DomainError("org_unknown", _("Choose one of the options."), field="organisation")
    place = division(data.get("division") or org.division_id, field="division")
    _in_area(actor, place.code, "division")
    start, end = day(data, "available_from"), day(data, "available_until")
    if start and end and end < start:
        raise DomainError(
            "period_order", _("The end cannot come before the start."), field="available_until"
        )
    commitment = None
    if data.get("commitment"):
        commitment = (
            Commitment.objects.select_related("agreement")
            .filter(pk=data["commitment"], agreement__unit=org)
            .first()
        )
        if commitment is None:
            raise DomainError(
                "commitment_unknown",
                _("Choose a commitment of this unit's agreements."),
                field="commitment",
            )
    resource = Resource.objects.create(
        organisation=org,
        division=place,
        title=text(data, "title", 120, required=True),
        category=choice(data, "category", Category.values),
        description=text(data, "description", 2000),
        quantity=quantity(data),
        unit_label=text(data, "unit_label", 20),
        amount=amount(data),
        available_from=start,
        available_until=end,
        availability=text(data, "availability", 120),
        commitment=commitment,
        created_by=actor,
    )
    audit_record(
        actor=actor, verb="cogov.resource_create", target=resource, division_code=place.code, ip=ip
    )
    return resource


@transaction.atomic
def resource_withdraw(*, actor: User, resource_id: int, ip: str | None = None) -> Resource:
    """Take a resource off the list (its past projects stay). Raises: NotFound."""
    resource = Resource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None or not can_edit(actor, resource.division_id):
        raise not_found()
    resource.status = Resource.Status.WITHDRAWN
    resource.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="cogov.resource_withdraw",
        target=resource,
        division_code=resource.division_id,
        ip=ip,
    )
    return resource


def _taken(resource: Resource) -> tuple[Decimal, Decimal]:
    sums = resource.uses.aggregate(q=Sum("quantity"), a=Sum("amount"))
    return sums["q"] or Decimal("0"), sums["a"] or Decimal("0")


@transaction.atomic
def match_confirm(
    *,
    actor: User,
    need_id: int,
    resource_ids: list[int],
    title: str = "",
    quantities: dict[int, Any] | None = None,
    amounts: dict[int, Any] | None = None,
    commitment_id: int | None = None,
    ip: str | None = None,
) -> Project:
    """Confirm that resources meet a need: the project-list entry is created and the need is
    marked matched. Every resource must pass the matching rule (see ``matching``); the
    project is tied to ``commitment_id`` or, when there is one, to the commitment the first
    resource is offered under.

    Raises: NotFound, DomainError ``no_resources``, ``other_street``, ``withdrawn``,
    ``not_available``, ``exhausted``, ``too_much``, ``need_closed``, ``commitment_unknown``."""
    need = Need.objects.select_for_update().filter(pk=need_id).first()
    if need is None or not can_edit(actor, need.community_id):
        raise not_found()
    if need.status == Need.Status.CLOSED:
        raise DomainError("need_closed", _("This need is closed."))
    if not resource_ids:
        raise DomainError("no_resources", _("Choose at least one resource."), field="resources")
    resources = list(
        Resource.objects.select_for_update().filter(pk__in=resource_ids).order_by("pk")
    )
    if len(resources) != len(set(resource_ids)):
        raise DomainError("resource_unknown", _("Choose one of the options."), field="resources")
    today = timezone.localdate()
    uses = []
    for resource in resources:
        taken_q, taken_a = _taken(resource)
        verdict = judge(
            need,
            resource,
            today=today,
            taken_quantity=taken_q,
            taken_amount=taken_a,
            same_kind_required=False,
        )
        if not verdict.fits:
            raise DomainError(
                verdict.code,
                "%(resource)s: %(why)s",
                field="resources",
                resource=resource.title,
                why=verdict.refusal,
            )
        use_q = quantity({"q": (quantities or {}).get(resource.pk)}, "q")
        use_a = amount({"a": (amounts or {}).get(resource.pk)}, "a")
        if (resource.quantity and taken_q + use_q > resource.quantity) or (
            resource.amount and taken_a + use_a > resource.amount
        ):
            raise DomainError(
                "too_much",
                _("%(resource)s: more is asked than is left."),
                field="resources",
                resource=resource.title,
            )
        uses.append((resource, use_q, use_a))
    commitment = None
    wanted = commitment_id or next((r.commitment_id for r in resources if r.commitment_id), None)
    if wanted:
        commitment = (
            Commitment.objects.select_related("agreement")
            .filter(pk=wanted, agreement__community_id=need.community_id)
            .first()
        )
        if commitment is None:
            raise DomainError(
                "commitment_unknown",
                _("Choose a commitment of this community's agreements."),
                field="commitment",
            )
    project = Project.objects.create(
        community_id=need.community_id,
        need=need,
        title=title.strip()[:120] or need.title,
        commitment=commitment,
        confirmed_by=actor,
    )
    ProjectResource.objects.bulk_create(
        ProjectResource(project=project, resource=r, quantity=q, amount=a) for r, q, a in uses
    )
    need.status = Need.Status.MATCHED
    need.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="cogov.match_confirm",
        target=project,
        division_code=need.community_id,
        changes={"need": need.pk, "resources": [r.pk for r in resources]},
        ip=ip,
    )
    return project


@transaction.atomic
def project_tie(
    *, actor: User, project_id: int, commitment_id: int | None, ip: str | None = None
) -> Project:
    """Tie a confirmed match to a commitment of the community's agreements (or untie it).

    Raises: NotFound, DomainError ``commitment_unknown``."""
    project = Project.objects.select_for_update().filter(pk=project_id).first()
    if project is None or not can_edit(actor, project.community_id):
        raise not_found()
    commitment = None
    if commitment_id:
        commitment = Commitment.objects.filter(
            pk=commitment_id, agreement__community_id=project.community_id
        ).first()
        if commitment is None:
            raise DomainError(
                "commitment_unknown",
                _("Choose a commitment of this community's agreements."),
                field="commitment",
            )
    project.commitment = commitment
    project.save(update_fields=["commitment"])
    audit_record(
        actor=actor,
        verb="cogov.project_tie",
        target=project,
        division_code=project.community_id,
        ip=ip,
    )
    return project


# Corrections and closing ---------------------------------------------------------------


def _need_for_edit(actor: User, need_id: int) -> Need:
    need = Need.objects.select_for_update().filter(pk=need_id).first()
    if need is None or not can_edit(actor, need.community_id):
        raise not_found()
    return need


@transaction.atomic
def need_update(*, actor: User, need_id: int, data: dict[str, Any], ip: str | None = None) -> Need:
    """Correct a need: its title, kind, details and the request or survey it was raised from
    (the community stays).

    Raises: NotFound, DomainError (a field, ``appeal_unknown``, ``source_elsewhere``)."""
    need = _need_for_edit(actor, need_id)
    appeal = survey = None
    if data.get("appeal"):
        appeal = Appeal.objects.filter(pk=data["appeal"]).first()
        if appeal is None or not can_edit(actor, appeal.community_id):
            raise DomainError("appeal_unknown", _("Choose one of the options."), field="appeal")
        if appeal.community_id != need.community_id:
            raise DomainError(
                "source_elsewhere",
                _("The resident's request comes from another community."),
                field="appeal",
            )
    if data.get("survey"):
        survey = Survey.objects.filter(pk=data["survey"]).first()
        if survey is None:
            raise DomainError("survey_unknown", _("Choose one of the options."), field="survey")
    before = {"title": need.title, "category": need.category}
    need.title = text(data, "title", 120, required=True)
    need.category = choice(data, "category", Category.values)
    need.description = text(data, "description", 2000)
    need.appeal, need.survey = appeal, survey
    need.source = (
        Need.Source.APPEAL if appeal else Need.Source.SURVEY if survey else Need.Source.WORKER
    )
    need.save()
    audit_record(
        actor=actor,
        verb="cogov.need_update",
        target=need,
        division_code=need.community_id,
        changes={"before": before},
        ip=ip,
    )
    return need


@transaction.atomic
def need_close(*, actor: User, need_id: int, data: dict[str, Any], ip: str | None = None) -> Need:
    """Close a need with the reason: met, withdrawn, or merged into another open need of the
    same community (``merged_into``). It leaves the open list and the public page.

    Raises: NotFound, DomainError ``need_closed``, ``bad_choice``, ``merged_needed``,
    ``merged_unknown``."""
    need = _need_for_edit(actor, need_id)
    if need.status == Need.Status.CLOSED:
        raise DomainError("need_closed", _("This need is closed."))
    reason = choice(data, "reason", Need.CloseReason.values)
    note = text(data, "note", 300)
    merged_into = None
    if reason == Need.CloseReason.MERGED:
        if not data.get("merged_into"):
            raise DomainError(
                "merged_needed",
                _("Choose the need it is merged into."),
                field="merged_into",
            )
        merged_into = (
            Need.objects.filter(pk=data["merged_into"], community_id=need.community_id)
            .exclude(pk=need.pk)
            .exclude(status=Need.Status.CLOSED)
            .first()
        )
        if merged_into is None:
            raise DomainError(
                "merged_unknown",
                _("Choose another open need of the same community."),
                field="merged_into",
            )
    need.status = Need.Status.CLOSED
    need.close_reason = reason
    need.close_note = note
    need.merged_into = merged_into
    need.closed_at = timezone.now()
    need.save(update_fields=["status", "close_reason", "close_note", "merged_into", "closed_at"])
    audit_record(
        actor=actor,
        verb="cogov.need_close",
        target=need,
        division_code=need.community_id,
        reason=f"{reason}: {note}" if note else reason,
        ip=ip,
    )
    return need


@transaction.atomic
def resource_update(
    *, actor: User, resource_id: int, data: dict[str, Any], ip: str | None = None
) -> Resource:
    """Correct a resource (the unit offering it stays). The quantity and amount cannot go
    below what matched projects already take.

    Raises: NotFound, DomainError (a field, ``period_order``, ``commitment_unknown``,
    ``below_taken``)."""
    resource = Resource.objects.select_for_update().filter(pk=resource_id).first()
    if resource is None or not can_edit(actor, resource.division_id):
        raise not_found()
    place = division(data.get("division") or resource.division_id, field="division")
    _in_area(actor, place.code, "division")
    start, end = day(data, "available_from"), day(data, "available_until")
    if start and end and end < start:
        raise DomainError(
            "period_order", _("The end cannot come before the start."), field="available_until"
        )
    commitment = None
    if data.get("commitment"):
        commitment = Commitment.objects.filter(
            pk=data["commitment"], agreement__unit_id=resource.organisation_id
        ).first()
        if commitment is None:
            raise DomainError(
                "commitment_unknown",
                _("Choose a commitment of this unit's agreements."),
                field="commitment",
            )
    fields: dict[str, Any] = {
        "division": place,
        "title": text(data, "title", 120, required=True),
        "category": choice(data, "category", Category.values),
        "description": text(data, "description", 2000),
        "quantity": quantity(data),
        "unit_label": text(data, "unit_label", 20),
        "amount": amount(data),
        "available_from": start,
        "available_until": end,
        "availability": text(data, "availability", 120),
        "commitment": commitment,
    }
    taken_q, taken_a = _taken(resource)
    for key, taken in (("quantity", taken_q), ("amount", taken_a)):
        if taken and fields[key] < taken:
            raise DomainError(
                "below_taken",
                _("Projects already take %(taken)s; it cannot be less."),
                field=key,
                taken=shown(taken),
            )
    for key, value in fields.items():
        setattr(resource, key, value)
    resource.save()
    audit_record(
        actor=actor,
        verb="cogov.resource_update",
        target=resource,
        division_code=resource.division_id,
        ip=ip,
    )
    return resource


def _project_for_edit(actor: User, project_id: int) -> Project:
    project = Project.objects.select_for_update().filter(pk=project_id).first()
    if project is None or not can_edit(actor, project.community_id):
        raise not_found()
    return project


@transaction.atomic
def project_update(
    *, actor: User, project_id: int, data: dict[str, Any], ip: str | None = None
) -> Project:
    """Correct a project's name and the commitment it is under.

    Raises: NotFound, DomainError ``required``, ``commitment_unknown``."""
    project = _project_for_edit(actor, project_id)
    title = text(data, "title", 120, required=True)
    commitment = None
    if data.get("commitment"):
        commitment = Commitment.objects.filter(
            pk=data["commitment"], agreement__community_id=project.community_id
        ).first()
        if commitment is None:
            raise DomainError(
                "commitment_unknown",
                _("Choose a commitment of this community's agreements."),
                field="commitment",
            )
    project.title = title
    project.commitment = commitment
    project.save(update_fields=["title", "commitment"])
    audit_record(
        actor=actor,
        verb="cogov.project_update",
        target=project,
        division_code=project.community_id,
        ip=ip,
    )
    return project


@transaction.atomic
def project_done(
    *, actor: User, project_id: int, data: dict[str, Any], ip: str | None = None
) -> Project:
    """Mark a project done with a note of its result.

    Raises: NotFound, DomainError ``project_done``, ``required``."""
    project = _project_for_edit(actor, project_id)
    if project.status == Project.Status.DONE:
        raise DomainError("project_done", _("This project is already done."))
    project.result_note = text(data, "result_note", 2000, required=True)
    project.status = Project.Status.DONE
    project.done_at = timezone.now()
    project.save(update_fields=["result_note", "status", "done_at"])
    audit_record(
        actor=actor,
        verb="cogov.project_done",
        target=project,
        division_code=project.community_id,
        ip=ip,
    )
    return project
