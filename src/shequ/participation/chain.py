"""From idea to result (reads): a proposal, the council agenda items that took it up, the
budgeting project it became, whether it won, the fund commitment that pays for it with its
payments, and the project that builds it, with progress and photos. Every link goes both
ways: the round and the project pages link back to the proposal (``origin_of_project``).

The funds and projects apps are read here through their models only, imported locally (this
app does not depend on their migrations)."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from shequ.participation.models import AgendaItem, Proposal, Round, RoundProject, RoundResult


@dataclass
class Step:
    kind: str  # proposal, answer, agenda, round, won, lost, commitment, payment, project
    when: Any
    title: str
    url: str = ""
    amount: Decimal | None = None
    detail: str = ""
    photos: list[str] = field(default_factory=list)
    progress: int | None = None


@dataclass
class Chain:
    steps: list[Step]
    committed: Decimal
    paid: Decimal


def _winner(project: RoundProject) -> bool | None:
    """True/False once the round is counted, None before."""
    budget_round = project.round
    if budget_round.phase not in (Round.Phase.RESULTS, Round.Phase.IMPLEMENTATION):
        return None
    result = RoundResult.objects.filter(round=budget_round, method=budget_round.method).first()
    return result is not None and project.pk in result.winners


def proposal_chain(proposal: Proposal) -> Chain:
    from shequ.funds.models import Commitment
    from shequ.projects.models import Project

    steps = [Step("proposal", proposal.created_at, proposal.title)]
    for answer in proposal.answers.all():
        steps.append(
            Step("answer", answer.created_at, str(answer.get_state_display()), detail=answer.text)
        )
    for item in AgendaItem.objects.filter(proposal=proposal).select_related("meeting"):
        steps.append(
            Step(
                "agenda",
                item.decided_at or item.meeting.starts_at,
                item.meeting.title,
                url=f"/participation/meetings/{item.meeting_id}/",
                detail=str(item.get_status_display()),
            )
        )
    committed = paid = Decimal(0)
    projects = RoundProject.objects.filter(proposal=proposal).select_related("round")
    for project in projects:
        budget_round = project.round
        if budget_round.phase == Round.Phase.DRAFT:
            continue
        round_url = f"/participation/rounds/{budget_round.pk}/"
        steps.append(
            Step(
                "round",
                budget_round.voting_from or budget_round.created_at,
                budget_round.title,
                url=round_url,
                amount=project.cost,
            )
        )
        won = _winner(project)
        if won is not None:
            steps.append(
                Step(
                    "won" if won else "lost",
                    budget_round.voting_until,
                    budget_round.title,
                    url=round_url,
                    amount=project.cost,
                )
            )
        commitment = (
            Commitment.objects.filter(pk=project.commitment_id).prefetch_related("payments").first()
            if project.commitment_id
            else None
        )
        if commitment is not None:
            committed += commitment.amount
            paid += commitment.paid
            disclosure = f"/funds/{commitment.community_id}/"
            steps.append(
                Step(
                    "commitment",
                    commitment.created_at,
                    commitment.project,
                    url=disclosure,
                    amount=commitment.amount,
                )
            )
            for payment in commitment.payments.all():
                steps.append(
                    Step(
                        "payment",
                        payment.created_at,
                        commitment.supplier,
                        url=disclosure,
                        amount=payment.amount,
                        detail=payment.invoice_number,
                    )
                )
        if project.built_project_code:
            built = (
                Project.objects.filter(code=project.built_project_code)
                .prefetch_related("photos")
                .first()
            )
            if built is not None:
                steps.append(
                    Step(
                        "project",
                        built.updated_at,
                        built.name,
                        url=f"/projects/{built.code}/",
                        detail=str(built.get_status_display()),
                        photos=[p.image.url for p in built.photos.all()][:6],
                        progress=built.progress,
                    )
                )
    steps.sort(key=lambda s: s.when.timestamp() if s.when is not None else float("inf"))
    return Chain(steps=steps, committed=committed, paid=paid)


def origin_of_project(code: str) -> Proposal | None:
    """The proposal a project of the five major actions came from (through a round)."""
    found = (
        RoundProject.objects.filter(built_project_code=code, proposal__isnull=False)
        .exclude(proposal__status=Proposal.Status.HIDDEN)
        .select_related("proposal")
        .first()
    )
    return found.proposal if found is not None else None


def projects_to_link(community_code: str) -> list[tuple[str, str]]:
    """Projects of the community (codes and names) a winning round project may be built as."""
    from shequ.projects.models import Project

    return list(
        Project.objects.filter(Q(division_id=community_code) | Q(communities__code=community_code))
        .distinct()
        .order_by("-year", "code")
        .values_list("code", "name")[:300]
    )
