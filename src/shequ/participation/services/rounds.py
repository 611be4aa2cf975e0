"""Writes of participatory budgeting rounds (参与式预算): rules, phase dates, projects and
their review, moving through the phases, counting and committing the winners."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.participation import funding, tally
from shequ.participation.models import (
    AgendaItem,
    Ballot,
    Proposal,
    Round,
    RoundProject,
    RoundResult,
    RoundVoter,
)
from shequ.participation.services._common import local_minute, money, require_organiser
from shequ.people.levels import clean_override
from shequ.people.models import User

PHASE_ORDER = [p.value for p in Round.Phase]


def _round_title(value: Any) -> str:
    """A round's title names the round, never its phase: the page shows the phase, and a
    title saying "(投票中)" would still say so after the results.

    Raises: DomainError ``title_with_phase``."""
    title = plain_text(value, field="title", max_length=120)
    labels: set[str] = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            labels.update(str(label) for label in Round.Phase.labels)
    inside = re.findall(r"[（(【\[]([^）)】\]]*)[）)】\]]", title)
    if any(label in part for part in inside for label in labels):
        raise DomainError(
            "title_with_phase",
            _("Leave the phase out of the title: the page shows where the round stands."),
            field="title",
        )
    return title


def _round_for_update(round_id: int) -> Round:
    item = Round.objects.select_for_update().filter(pk=round_id).first()
    if item is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    return item


def _refuse_if_frozen(budget_round: Round) -> None:
    if budget_round.rules_frozen_at is not None:
        raise DomainError(
            "rules_frozen",
            _("Voting has opened: the ballot rules and projects can no longer change."),
        )


def _validate_rules(rule: str, max_choices: int, method: str) -> None:
    if rule not in Round.Rule.values:
        raise DomainError("invalid_rule", _("Choose a ballot rule."), field="rule")
    if method not in Round.Method.values:
        raise DomainError("invalid_method", _("Choose a counting method."), field="method")
    if rule == Round.Rule.K_APPROVAL and not 1 <= max_choices <= 50:
        raise DomainError("invalid_k", _("k must be between 1 and 50."), field="max_choices")


@transaction.atomic
def round_create(
    *,
    actor: User,
    community_code: str,
    title: str,
    budget: Any,
    rule: str = Round.Rule.APPROVAL_BUDGET,
    max_choices: int = 3,
    method: str = Round.Method.EQUAL_SHARES,
    fund_track: str = "incentive",
    fund_year: int | None = None,
    fund_account_id: int | None = None,
    collect_until: date | None = None,
    review_until: date | None = None,
    voting_from: datetime | None = None,
    voting_until: datetime | None = None,
    vote_level: Any = None,
) -> Round:
    """A draft round. ``vote_level`` (empty: the deployment's) is what voting needs.
    ``fund_account_id`` picks one of the community's fund accounts (else
    ``fund_track``/``fund_year`` name it). Raises: DomainError ``no_fund``, ``whole_yuan``,
    ``invalid_rule`` ..., ``date_order``."""
    require_organiser(actor, community_code)
    if fund_account_id is not None:
        fund_track, fund_year = funding.fund_of(community_code, fund_account_id)
    amount = money(budget, field="budget")
    if amount != amount.to_integral_value():
        raise DomainError("whole_yuan", _("Use whole yuan."), field="budget")
    _validate_rules(rule, max_choices, method)
    _validate_dates(collect_until, review_until, voting_from, voting_until)
    level = clean_override(vote_level, field="vote_level")
    budget_round = Round.objects.create(
        vote_level=level,
        community_id=community_code,
        title=_round_title(title),
        budget=amount,
        rule=rule,
        max_choices=max_choices,
        method=method,
        fund_track=fund_track,
        fund_year=fund_year if fund_year is not None else timezone.localdate().year,
        collect_until=collect_until,
        review_until=review_until,
        voting_from=voting_from,
        voting_until=voting_until,
    )
    audit_record(
        actor=actor,
        verb="participation.round_create",
        target=budget_round,
        division_code=community_code,
    )
    return budget_round


@transaction.atomic
def round_set_vote_level(*, actor: User, round_id: int, vote_level: Any) -> Round:
    """Set the level voting in the round needs (empty: the deployment's), before voting opens.

    Raises: NotFound; DomainError ``rules_frozen`` / ``invalid_level``."""
    budget_round = Round.objects.select_for_update().filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    before = budget_round.vote_level
    budget_round.vote_level = clean_override(vote_level, field="vote_level")
    budget_round.save(update_fields=["vote_level"])
    audit_record(
        actor=actor,
        verb="participation.round_vote_level",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={"vote_level": [before, budget_round.vote_level]},
    )
    return budget_round


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _validate_dates(
    collect_until: date | None,
    review_until: date | None,
    voting_from: datetime | None,
    voting_until: datetime | None,
) -> None:
    """The phases follow each other: collect ≤ review ≤ voting opens < voting closes."""
    steps: list[tuple[str, date]] = []
    for field, value in (
        ("collect_until", collect_until),
        ("review_until", review_until),
        ("voting_from", voting_from),
        ("voting_until", voting_until),
    ):
        if value is not None:
            day = timezone.localtime(value).date() if isinstance(value, datetime) else value
            steps.append((field, day))
    for (_earlier, first), (later, second) in pairwise(steps):
        if second < first:
            raise DomainError(
                "date_order", _("The phase dates must follow each other in order."), field=later
            )
    if voting_until and (
        voting_until <= timezone.now() or (voting_from and voting_until <= voting_from)
    ):
        raise DomainError(
            "date_order",
            _("Voting must close after it opens, in the future."),
            field="voting_until",
        )


@transaction.atomic
def round_set_dates(
    *,
    actor: User,
    round_id: int,
    collect_until: date | None = None,
    review_until: date | None = None,
    voting_from: datetime | None = None,
    voting_until: datetime | None = None,
) -> Round:
    """Set or correct the phase dates residents see, until the first ballot is cast (the
    ballot rules freeze earlier, when voting opens). While the round is voting, voting must
    have opened already: its opening can be corrected, but not moved into the future.

    Raises: DomainError ``date_order`` / ``ballots_cast`` / ``round_counted`` /
    ``voting_started``."""
    budget_round = _round_for_update(round_id)
    require_organiser(actor, budget_round.community_id)
    if budget_round.phase in (Round.Phase.RESULTS, Round.Phase.IMPLEMENTATION):
        raise DomainError(
            "round_counted", _("The votes are counted: the dates can no longer change.")
        )
    if RoundVoter.objects.filter(round=budget_round).exists():
        raise DomainError(
            "ballots_cast", _("Ballots have been cast: the dates can no longer change.")
        )
    if budget_round.phase == Round.Phase.VOTING and (
        voting_from is None or voting_from > timezone.now()
    ):
        raise DomainError(
            "voting_started",
            _("The round is already voting: voting must open no later than now."),
            field="voting_from",
        )
    before = {
        "collect_until": budget_round.collect_until,
        "review_until": budget_round.review_until,
        "voting_from": budget_round.voting_from,
        "voting_until": budget_round.voting_until,
    }
    _validate_dates(collect_until, review_until, voting_from, voting_until)
    budget_round.collect_until = collect_until
    budget_round.review_until = review_until
    budget_round.voting_from = voting_from
    budget_round.voting_until = voting_until
    budget_round.save(
        update_fields=["collect_until", "review_until", "voting_from", "voting_until"]
    )
    audit_record(
        actor=actor,
        verb="participation.round_dates",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={
            key: [_iso(old), _iso(getattr(budget_round, key))]
            for key, old in before.items()
            if old != getattr(budget_round, key)
        },
    )
    return budget_round


@transaction.atomic
def round_set_rules(
    *,
    actor: User,
    round_id: int,
    rule: str,
    max_choices: int,
    method: str,
    budget: Any = None,
) -> Round:
    """Change the ballot rules before voting opens. Raises: DomainError ``rules_frozen``."""
    budget_round = _round_for_update(round_id)
    require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    _validate_rules(rule, max_choices, method)
    before = {
        "rule": budget_round.rule,
        "k": budget_round.max_choices,
        "method": budget_round.method,
    }
    budget_round.rule, budget_round.max_choices, budget_round.method = rule, max_choices, method
    if budget is not None:
        if budget_round.phase != Round.Phase.DRAFT:
            raise DomainError(
                "budget_reserved",
                _("The budget is reserved: it changes only before opening."),
                field="budget",
            )
        amount = money(budget, field="budget")
        budget_round.budget = amount
    budget_round.save()
    audit_record(
        actor=actor,
        verb="participation.round_rules",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={
            "rule": [before["rule"], rule],
            "k": [before["k"], max_choices],
            "method": [before["method"], method],
        },
    )
    return budget_round


@transaction.atomic
def project_add(
    *,
    actor: User,
    round_id: int,
    title: str,
    cost: Any,
    description: str = "",
    proposal_id: int | None = None,
    is_works: bool = False,
) -> RoundProject:
    """Add a project to a round (staff, before voting). Raises: ``rules_frozen``,
    ``whole_yuan``, ``over_budget`` (a project dearer than the whole budget)."""
    budget_round = _round_for_update(round_id)
    require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    amount = money(cost, field="cost")
    if amount != amount.to_integral_value():
        raise DomainError("whole_yuan", _("Use whole yuan."), field="cost")
    if amount > budget_round.budget:
        raise DomainError(
            "over_budget", _("The project costs more than the whole budget."), field="cost"
        )
    proposal = None
    if proposal_id:
        proposal = Proposal.objects.filter(
            pk=proposal_id, community_id=budget_round.community_id
        ).first()
        if proposal is None:
            raise DomainError("proposal_not_found", _("No such proposal."), field="proposal")
    project = RoundProject.objects.create(
        round=budget_round,
        title=plain_text(
            title or (proposal.title if proposal else ""), field="title", max_length=120
        ),
        description=plain_text(description, field="description", max_length=4000, required=False),
        cost=amount,
        proposal=proposal,
        is_works=is_works,
    )
    audit_record(
        actor=actor,
        verb="participation.project_add",
        target=project,
        division_code=budget_round.community_id,
    )
    return project


@transaction.atomic
def project_review(
    *, actor: User, project_id: int, feasible: bool, cost: Any = None, note: str = ""
) -> RoundProject:
    """Feasibility and cost review by staff. Raises: ``rules_frozen`` once voting opened."""
    project = RoundProject.objects.select_related("round").filter(pk=project_id).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    budget_round = _round_for_update(project.round_id)
    require_organiser(actor, budget_round.community_id)
    _refuse_if_frozen(budget_round)
    if cost not in (None, ""):
        amount = money(cost, field="cost")
        if amount != amount.to_integral_value():
            raise DomainError("whole_yuan", _("Use whole yuan."), field="cost")
        if amount > budget_round.budget:
            raise DomainError(
                "over_budget", _("The project costs more than the whole budget."), field="cost"
            )
        project.cost = amount
    project.review = RoundProject.Review.FEASIBLE if feasible else RoundProject.Review.INFEASIBLE
    project.review_note = plain_text(note, field="note", max_length=300, required=not feasible)
    project.save()
    audit_record(
        actor=actor,
        verb="participation.project_review",
        target=project,
        reason=project.review_note,
        division_code=budget_round.community_id,
        changes={"review": [None, project.review]},
    )
    return project


@transaction.atomic
def round_advance(*, actor: User, round_id: int) -> Round:
    """Move the round to its next phase.

    draft → collect: the budget is reserved in the community's fund (funding adapter); a
    budget over the fund's free balance is refused and the round stays a draft.
    review → voting: rules and projects freeze; at least two feasible projects needed.
    voting → results: the ballots are counted by both methods.
    results → implementation: winners become fund commitments drawn from the reservation
    under the council's decision, and the unspent rest of the reservation goes back.
    Raises: DomainError ``last_phase`` / ``too_few_projects`` / ``no_council_decision`` ..."""
    budget_round = _round_for_update(round_id)
    require_organiser(actor, budget_round.community_id)
    index = PHASE_ORDER.index(budget_round.phase)
    if index + 1 >= len(PHASE_ORDER):
        raise DomainError("last_phase", _("The round is already in its last phase."))
    target = PHASE_ORDER[index + 1]
    if target == Round.Phase.COLLECT:
        budget_round.reservation_id = funding.reserve_round_budget(
            actor=actor, budget_round=budget_round
        )
    elif target == Round.Phase.VOTING:
        feasible = budget_round.projects.filter(review=RoundProject.Review.FEASIBLE).count()
        if feasible < 2:
            raise DomainError(
                "too_few_projects", _("At least two feasible projects are needed for a vote.")
            )
        if budget_round.projects.filter(review=RoundProject.Review.PENDING).exists():
            raise DomainError("review_pending", _("Review every project before voting opens."))
        now = timezone.now()
        if budget_round.voting_until is not None and budget_round.voting_until <= now:
            raise DomainError(
                "voting_until_passed",
                _(
                    "Voting was to close on %(when)s, which has passed: correct the phase "
                    "dates before voting opens."
                ),
                field="voting_until",
                when=local_minute(budget_round.voting_until),
            )
        budget_round.rules_frozen_at = now
    elif target == Round.Phase.IMPLEMENTATION:
        _commit_winners(actor=actor, budget_round=budget_round)
    before = budget_round.phase
    dates = _dates_agree_with(budget_round, target)
    budget_round.phase = target
    budget_round.save()
    if target == Round.Phase.RESULTS:
        round_count(budget_round=budget_round)
    if target == Round.Phase.VOTING:
        _tell_voting_opened(actor=actor, budget_round=budget_round)
    audit_record(
        actor=actor,
        verb="participation.round_phase",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={"phase": [before, target], **dates},
    )
    return budget_round


def eligible_voters(budget_round: Round) -> Any:
    """Account ids of the community's residents whose level lets them vote in the round."""
    from shequ.people.levels import Action, required_level
    from shequ.people.models import Resident

    level = required_level(Action.VOTE, budget_round.vote_level)
    return Resident.objects.filter(
        community_id=budget_round.community_id,
        user_id__isnull=False,
        verification_level__gte=level,
    ).values_list("user_id", flat=True)


def _tell_voting_opened(*, actor: User, budget_round: Round) -> int:
    """A message to every resident who may vote: voting is open, until when, where."""
    from django.conf import settings

    from shequ.notices.services import message_send_many

    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("Voting is open: %(title)s")) % {"title": budget_round.title[:80]}
        body = (
            str(_("Vote until %(when)s.")) % {"when": local_minute(budget_round.voting_until)}
            if budget_round.voting_until
            else str(_("Vote on the round's page."))
        )
    sent = message_send_many(
        user_ids=eligible_voters(budget_round).iterator(chunk_size=5000),
        category="community",
        title=title,
        body=body,
        url=f"/participation/rounds/{budget_round.pk}/",
    )
    audit_record(
        actor=actor,
        verb="participation.round_voting_notice",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={"messages": [None, sent]},
    )
    return sent


CLOSING_REMINDER_AHEAD = timedelta(days=1)


def round_closing_reminders_send(*, now: datetime | None = None) -> int:
    """Remind every eligible resident who has not voted yet, once per round, when the
    round's voting closes within a day. Idempotent: a round reminded is marked and skipped
    afterwards. Returns how many messages were sent."""
    now = now or timezone.now()
    due = Round.objects.filter(
        phase=Round.Phase.VOTING,
        closing_reminded_at__isnull=True,
        voting_until__gt=now,
        voting_until__lte=now + CLOSING_REMINDER_AHEAD,
    ).values_list("pk", flat=True)
    sent = 0
    for round_id in list(due):
        sent += _remind_round(round_id, now=now)
    return sent


@transaction.atomic
def _remind_round(round_id: int, *, now: datetime) -> int:
    from django.conf import settings

    from shequ.notices.services import message_send_many

    budget_round = (
        Round.objects.select_for_update()
        .filter(pk=round_id, phase=Round.Phase.VOTING, closing_reminded_at__isnull=True)
        .first()
    )
    if budget_round is None or budget_round.voting_until is None:
        return 0
    voted = RoundVoter.objects.filter(round=budget_round).values("resident_id")
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("Voting closes soon: %(title)s")) % {"title": budget_round.title[:80]}
        body = str(_("Voting closes at %(when)s and you have not voted yet.")) % {
            "when": local_minute(budget_round.voting_until)
        }
    sent = message_send_many(
        user_ids=eligible_voters(budget_round).exclude(pk__in=voted).iterator(chunk_size=5000),
        category="community",
        title=title,
        body=body,
        url=f"/participation/rounds/{budget_round.pk}/",
    )
    budget_round.closing_reminded_at = now
    budget_round.save(update_fields=["closing_reminded_at"])
    audit_record(
        actor=None,
        verb="participation.round_closing_reminder",
        target=budget_round,
        division_code=budget_round.community_id,
        changes={"messages": [None, sent]},
    )
    return sent


def _dates_agree_with(budget_round: Round, target: str) -> dict[str, list[str | None]]:
    """Make the dates residents see agree with the phase the round moves to: a phase that
    ends early ends today, voting that opens before its scheduled start opens now (so the
    ballot is open when the page shows it), and voting closed early closes now. Returns the
    changes for the audit trail."""
    now = timezone.now()
    today = timezone.localdate(now)
    wanted: dict[str, date | datetime | None] = {}
    ended = {
        Round.Phase.REVIEW: ["collect_until"],
        Round.Phase.VOTING: ["collect_until", "review_until"],
    }.get(Round.Phase(target), [])
    for field in ended:
        value = getattr(budget_round, field)
        if value is not None and value > today:
            wanted[field] = today
    if target == Round.Phase.VOTING and (
        budget_round.voting_from is None or budget_round.voting_from > now
    ):
        wanted["voting_from"] = now
    if target == Round.Phase.RESULTS and (
        budget_round.voting_until is None or budget_round.voting_until > now
    ):
        wanted["voting_until"] = now
    changes: dict[str, list[str | None]] = {}
    for field, value in wanted.items():
        changes[field] = [_iso(getattr(budget_round, field)), _iso(value)]
        setattr(budget_round, field, value)
    return changes


def round_inputs(budget_round: Round) -> tuple[dict[int, int], list[list[int]], int]:
    """(costs in whole yuan by project id, ballots, budget) exactly as stored."""
    costs = {
        pid: int(cost)
        for pid, cost in budget_round.projects.filter(
            review=RoundProject.Review.FEASIBLE
        ).values_list("id", "cost")
    }
    ballots = [
        list(a)
        for a in Ballot.objects.filter(round=budget_round)
        .order_by("ballot_key")
        .values_list("approvals", flat=True)
    ]
    return costs, ballots, int(budget_round.budget)


def round_count(*, budget_round: Round) -> dict[str, tally.Outcome]:
    """Count the stored ballots by both methods and store the results (idempotent)."""
    costs, ballots, budget = round_inputs(budget_round)
    outcomes = {
        Round.Method.GREEDY.value: tally.greedy_by_votes(costs, ballots, budget),
        Round.Method.EQUAL_SHARES.value: tally.equal_shares(costs, ballots, budget),
    }
    for method, outcome in outcomes.items():
        RoundResult.objects.update_or_create(
            round=budget_round,
            method=method,
            defaults={
                "winners": list(outcome.winners),
                "steps": [s.as_dict() for s in outcome.steps],
                "votes": {str(k): v for k, v in outcome.votes.items()},
                "voters": outcome.voters,
                "spent": Decimal(outcome.spent),
            },
        )
    return outcomes


def round_winners(budget_round: Round) -> list[RoundProject]:
    result = RoundResult.objects.filter(round=budget_round, method=budget_round.method).first()
    if result is None:
        return []
    by_id = {p.pk: p for p in budget_round.projects.filter(pk__in=result.winners)}
    return [by_id[p] for p in result.winners if p in by_id]


@transaction.atomic
def round_attach_decision(*, actor: User, round_id: int, item_id: int) -> Round:
    """Attach the council's passed spending decision that confirms the round's results.

    Raises: DomainError ``decision_not_passed`` / ``decision_amount``."""
    budget_round = _round_for_update(round_id)
    require_organiser(actor, budget_round.community_id)
    item = (
        AgendaItem.objects.select_related("meeting")
        .filter(pk=item_id, meeting__community_id=budget_round.community_id)
        .first()
    )
    if (
        item is None
        or item.status != AgendaItem.Status.PASSED
        or item.kind != AgendaItem.Kind.SPENDING
    ):
        raise DomainError(
            "decision_not_passed",
            _("Attach a spending item the council has passed."),
            field="item",
        )
    total = sum((p.cost for p in round_winners(budget_round)), Decimal(0))
    if item.amount is None or item.amount < total:
        raise DomainError(
            "decision_amount",
            _("The decision approves less than the winning projects cost (%(total)s yuan)."),
            field="item",
            total=total,
        )
    budget_round.council_approval_item = item
    budget_round.save(update_fields=["council_approval_item"])
    audit_record(
        actor=actor,
        verb="participation.round_decision",
        target=budget_round,
        division_code=budget_round.community_id,
    )
    return budget_round


def _commit_winners(*, actor: User, budget_round: Round) -> None:
    item = budget_round.council_approval_item
    if item is None or item.approval_record_id is None:
        raise DomainError(
            "no_council_decision",
            _("The council must approve the results before they are committed."),
        )
    for project in round_winners(budget_round):
        if project.commitment_id is None:
            project.commitment_id = funding.commit_winner(
                actor=actor,
                budget_round=budget_round,
                project=project,
                approval_record_id=item.approval_record_id,
            )
            project.save(update_fields=["commitment_id"])
    funding.release_round_reservation(actor=actor, budget_round=budget_round)


@transaction.atomic
def project_link_built(*, actor: User, project_id: int, code: str) -> RoundProject:
    """Link a winning project of the round to the project that builds it (five major
    actions or a community project of the same community); an empty code unlinks.

    Raises: NotFound; DomainError ``not_a_winner`` / ``project_elsewhere``."""
    from shequ.participation.chain import projects_to_link

    project = (
        RoundProject.objects.select_for_update()
        .select_related("round")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    require_organiser(actor, project.round.community_id)
    code = str(code or "").strip()
    if code:
        if project.pk not in {p.pk for p in round_winners(project.round)}:
            raise DomainError("not_a_winner", _("Only a winning project is built."), field="code")
        if code not in dict(projects_to_link(project.round.community_id)):
            raise DomainError(
                "project_elsewhere",
                _("Choose a project of this community."),
                field="code",
            )
    before = project.built_project_code
    project.built_project_code = code
    project.save(update_fields=["built_project_code"])
    audit_record(
        actor=actor,
        verb="participation.project_built",
        target=project,
        division_code=project.round.community_id,
        changes={"built_project_code": [before, code]},
    )
    return project
