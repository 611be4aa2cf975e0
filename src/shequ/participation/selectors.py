"""Reads of resident participation: public lists of a community, and staff lists scoped to
the user's areas."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.participation.models import (
    AgendaItem,
    Meeting,
    Proposal,
    Round,
    RoundProject,
    RoundResult,
)
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division

PUBLIC_STATUSES = [Proposal.Status.OPEN, Proposal.Status.ON_AGENDA, Proposal.Status.DECIDED]


def community_get(code: str) -> Division:
    """Raises: NotFound for anything that is not a community."""
    division = Division.objects.filter(pk=code, level=Division.Level.COMMUNITY).first()
    if division is None:
        raise NotFound("community_not_found", _("No such community."))
    return division


def proposal_list_public(*, community_code: str) -> QuerySet[Proposal]:
    """Visible proposals of a community, most supported first (hidden and merged left out)."""
    return Proposal.objects.filter(community_id=community_code, status__in=PUBLIC_STATUSES)


def proposal_get_public(proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.filter(pk=proposal_id)
        .exclude(status=Proposal.Status.HIDDEN)
        .select_related("community", "merged_into")
        .first()
    )
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    return proposal


def proposal_list_for(*, user: Any, status: str = "") -> QuerySet[Proposal]:
    """Every proposal (hidden ones too) inside the staff user's areas."""
    queryset = scope_queryset(
        Proposal.objects.select_related("community"), user, division_field="community_id"
    )
    return queryset.filter(status=status) if status else queryset


def round_list_public(*, community_code: str) -> QuerySet[Round]:
    return Round.objects.filter(community_id=community_code).exclude(phase=Round.Phase.DRAFT)


def round_list_for(*, user: Any) -> QuerySet[Round]:
    return scope_queryset(
        Round.objects.select_related("community"), user, division_field="community_id"
    )


def round_get(round_id: int, *, user: Any = None, staff: bool = False) -> Round:
    """A round with its projects and results. Public: not while being prepared.
    Staff: only inside their areas. Raises: NotFound."""
    queryset = Round.objects.select_related("community").prefetch_related(
        Prefetch("projects", queryset=RoundProject.objects.order_by("id")),
        Prefetch("results", queryset=RoundResult.objects.order_by("method")),
    )
    if staff:
        queryset = scope_queryset(queryset, user, division_field="community_id")
    else:
        queryset = queryset.exclude(phase=Round.Phase.DRAFT)
    budget_round = queryset.filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    return budget_round


def meeting_list_public(*, community_code: str) -> QuerySet[Meeting]:
    return Meeting.objects.filter(community_id=community_code).select_related("council")


def meeting_list_for(*, user: Any) -> QuerySet[Meeting]:
    return scope_queryset(
        Meeting.objects.select_related("council", "community"), user, division_field="community_id"
    )


def meeting_get(meeting_id: int, *, user: Any = None, staff: bool = False) -> Meeting:
    queryset = Meeting.objects.select_related("council", "community").prefetch_related(
        Prefetch("items", queryset=AgendaItem.objects.select_related("proposal"))
    )
    if staff:
        queryset = scope_queryset(queryset, user, division_field="community_id")
    meeting = queryset.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("meeting_not_found", _("No such meeting."))
    return meeting
