"""Writes of what requests led to (诉求→议题/项目/支出): the community's staff link a request and
the requests like it to a residents' proposal, a community project or spending from the
community fund (a spending item with its council decision) that answers them.
Every request's reporter and followers are told; the link is audited and shown both ways."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealOutcome
from shequ.appeals.permissions import may_link_outcome
from shequ.appeals.services.intake import tell_residents
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.funds.models import Commitment
from shequ.participation.models import Proposal
from shequ.people.models import User
from shequ.projects.models import Project

# A cluster is what one person can read and judge at once.
MOST_AT_ONCE = 200


Target = Proposal | Project | Commitment


def _target(
    community_code: str,
    proposal_id: int | None,
    project_id: int | None,
    commitment_id: int | None = None,
) -> Target:
    if sum(x is not None for x in (proposal_id, project_id, commitment_id)) != 1:
        raise DomainError(
            "one_target",
            _("Choose one proposal, one project or one spending item."),
            field="proposal_id",
        )
    if proposal_id is not None:
        proposal = (
            Proposal.objects.filter(pk=proposal_id, community_id=community_code)
            .exclude(status__in=[Proposal.Status.HIDDEN, Proposal.Status.MERGED])
            .first()
        )
        if proposal is None:
            raise DomainError(
                "proposal_not_found",
                _("Choose a visible proposal of the request's community."),
                field="proposal_id",
            )
        return proposal
    if commitment_id is not None:
        commitment = (
            Commitment.objects.select_related("approval")
            .filter(pk=commitment_id, community_id=community_code)
            .first()
        )
        if commitment is None:
            raise DomainError(
                "commitment_not_found",
                _("Choose a spending item of the request's community fund."),
                field="commitment_id",
            )
        return commitment
    project = Project.objects.filter(pk=int(project_id or 0), division_id=community_code).first()
    if project is None:
        raise DomainError(
            "project_not_found",
            _("Choose a project of the request's community."),
            field="project_id",
        )
    return project


def target_name(target: Target) -> str:
    if isinstance(target, Proposal):
        return target.title
    if isinstance(target, Commitment):
        return target.project
    return target.name


def target_field(target: Target) -> str:
    if isinstance(target, Proposal):
        return "proposal"
    return "commitment" if isinstance(target, Commitment) else "project"


@transaction.atomic
def appeals_link(
    *,
    actor: User,
    appeal_id: int,
    also: Sequence[Any] = (),
    proposal_id: int | None = None,
    project_id: int | None = None,
    commitment_id: int | None = None,
    ip: str | None = None,
) -> list[AppealOutcome]:
    """Link the request ``appeal_id`` and the requests ``also`` (of the same community) to a
    proposal, a project or a spending item of that community's fund. Requests already linked
    to it are left as they are.

    Raises: NotFound (the request outside the actor's community); DomainError
    ``one_target`` / ``proposal_not_found`` / ``project_not_found`` / ``commitment_not_found`` /
    ``other_community`` /
    ``too_many`` / ``already_linked``."""
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None or not may_link_outcome(actor, appeal.community_id):
        raise NotFound("appeal_not_found", _("No such request in your area."))
    ids = {appeal.pk}
    for value in also:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise DomainError(
                "bad_request_id", _("Choose requests from the list."), field="also"
            ) from None
    if len(ids) > MOST_AT_ONCE:
        raise DomainError(
            "too_many",
            _("At most %(n)s requests at once.") % {"n": MOST_AT_ONCE},
            field="also",
        )
    target = _target(appeal.community_id, proposal_id, project_id, commitment_id)
    appeals = list(
        Appeal.objects.select_for_update()
        .select_related("category")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(appeals) != len(ids) or any(a.community_id != appeal.community_id for a in appeals):
        raise DomainError(
            "other_community",
            _("Only requests of the same community can be linked together."),
            field="also",
        )
    field = target_field(target)
    known = set(
        AppealOutcome.objects.filter(appeal_id__in=ids, **{field: target}).values_list(
            "appeal_id", flat=True
        )
    )
    new = [a for a in appeals if a.pk not in known]
    if not new:
        raise DomainError(
            "already_linked", _("These requests are already linked to it."), field="also"
        )
    made = AppealOutcome.objects.bulk_create(
        [AppealOutcome(appeal=a, linked_by=actor, **{field: target}) for a in new]
    )
    name = target_name(target)
    for linked in new:
        audit_record(
            actor=actor,
            verb="appeal.outcome_link",
            target=linked,
            division_code=linked.community_id,
            changes={field: [None, target.pk]},
            ip=ip,
        )
        if field == "proposal":
            title = _("Your request %(number)s (%(category)s) led to a residents' proposal")
        elif field == "commitment":
            title = _("Your request %(number)s (%(category)s) led to spending from the fund")
        else:
            title = _("Your request %(number)s (%(category)s) led to a community project")
        tell_residents(linked, title, body=name[:200])
    return made
