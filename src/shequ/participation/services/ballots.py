"""Writes of the ballots of a budgeting round: online ballots residents cast or change, and
paper sheets staff enter twice."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.pii import PIIKind, blind_index
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.participation import selectors
from shequ.participation.models import Ballot, PaperEntry, Round, RoundProject, RoundVoter
from shequ.participation.services._common import local_minute, require_organiser, require_verified
from shequ.people.levels import Action, require_level, required_level
from shequ.people.models import Resident, User, VerificationLevel


def _ballot_key(round_id: int, resident_id: int) -> str:
    return salted_hmac("shequ.participation.ballot", f"{round_id}:{resident_id}").hexdigest()


def _lock_round_shared(round_id: int) -> None:
    """Hold the round row in share mode while a ballot is written: closing the round (an
    update of the row) waits for ballots in flight, and no ballot starts after it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM participation_round WHERE id = %s FOR SHARE", [round_id])


def _validate_ballot(budget_round: Round, approvals: Sequence[Any]) -> list[int]:
    try:
        chosen = [int(p) for p in approvals]
    except (TypeError, ValueError):
        raise DomainError(
            "invalid_ballot", _("Choose projects of this round."), field="approvals"
        ) from None
    if not chosen:
        raise DomainError("empty_ballot", _("Choose at least one project."), field="approvals")
    if len(set(chosen)) != len(chosen):
        raise DomainError("duplicate_choice", _("Choose each project once."), field="approvals")
    costs = dict(
        budget_round.projects.filter(review=RoundProject.Review.FEASIBLE).values_list("id", "cost")
    )
    if any(p not in costs for p in chosen):
        raise DomainError("invalid_ballot", _("Choose projects of this round."), field="approvals")
    if budget_round.rule == Round.Rule.APPROVAL_BUDGET:
        total = sum((costs[p] for p in chosen), Decimal(0))
        if total > budget_round.budget:
            raise DomainError(
                "ballot_over_budget",
                _("Your choices cost %(total)s yuan, more than the budget of %(budget)s yuan."),
                field="approvals",
                total=total,
                budget=budget_round.budget,
            )
    elif len(chosen) > budget_round.max_choices:
        raise DomainError(
            "too_many_choices",
            _("Choose at most %(k)s projects."),
            field="approvals",
            k=budget_round.max_choices,
        )
    return sorted(chosen)


def _record_ballot(
    budget_round: Round, resident: Resident, chosen: list[int], channel: str
) -> tuple[Ballot, bool]:
    # One voter at a time per resident: a double click or two devices never make two ballots.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    key = _ballot_key(budget_round.pk, resident.pk)
    voter = RoundVoter.objects.filter(round=budget_round, resident=resident).first()
    if voter is None:
        RoundVoter.objects.create(round=budget_round, resident=resident, channel=channel)
        return Ballot.objects.create(round=budget_round, ballot_key=key, approvals=chosen), True
    if voter.channel == RoundVoter.Channel.PAPER or channel == RoundVoter.Channel.PAPER:
        raise DomainError("already_voted", _("This resident has already voted in this round."))
    ballot = Ballot.objects.get(round=budget_round, ballot_key=key)
    ballot.approvals = chosen
    ballot.save(update_fields=["approvals", "updated_at"])
    return ballot, False


def _voting_open(budget_round: Round) -> None:
    """Raises: DomainError ``not_voting_phase``, saying when voting opens or closed."""
    status = selectors.voting_status(budget_round)
    if status == selectors.NOT_YET:
        assert budget_round.voting_from is not None  # noqa: S101 - not_yet needs the date
        raise DomainError(
            "not_voting_phase",
            _("Voting in this round opens on %(when)s."),
            when=local_minute(budget_round.voting_from),
        )
    if status == selectors.CLOSED:
        assert budget_round.voting_until is not None  # noqa: S101 - closed needs the date
        raise DomainError(
            "not_voting_phase",
            _("Voting in this round closed on %(when)s."),
            when=local_minute(budget_round.voting_until),
        )
    if status != selectors.OPEN:
        raise DomainError("not_voting_phase", _("Voting in this round is not open."))


@transaction.atomic
def ballot_cast(*, actor: User, round_id: int, approvals: Sequence[Any]) -> Ballot:
    """A verified resident of the round's community casts or changes their one ballot.

    Raises: NotFound; PermissionDenied ``not_a_verified_resident``; DomainError
    ``not_voting_phase`` / ``ballot_over_budget`` / ``too_many_choices`` / ``invalid_ballot``."""
    _lock_round_shared(round_id)
    budget_round = Round.objects.filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    resident = require_verified(actor, budget_round.community_id)
    require_level(Action.VOTE, resident.verification_level, budget_round.vote_level)
    _voting_open(budget_round)
    chosen = _validate_ballot(budget_round, approvals)
    ballot, first = _record_ballot(budget_round, resident, chosen, RoundVoter.Channel.ONLINE)
    # The audit trail says that the resident voted, never how (secret ballot).
    audit_record(
        actor=actor,
        verb="participation.ballot_cast" if first else "participation.ballot_change",
        target=budget_round,
        division_code=budget_round.community_id,
    )
    return ballot


def has_voted(*, user: User, round_id: int) -> bool:
    return RoundVoter.objects.filter(round_id=round_id, resident__user_id=user.pk).exists()


def my_ballot(*, user: User, budget_round: Round) -> list[int]:
    """The user's own current choices (found through the keyed hash), for changing them."""
    resident = Resident.objects.filter(user_id=user.pk).first()
    if resident is None:
        return []
    ballot = Ballot.objects.filter(
        round=budget_round, ballot_key=_ballot_key(budget_round.pk, resident.pk)
    ).first()
    return list(ballot.approvals) if ballot else []


@transaction.atomic
def paper_ballot_enter(
    *,
    actor: User,
    round_id: int,
    sheet: str,
    approvals: Sequence[Any],
    resident_id: int | None = None,
    id_number: str = "",
) -> Ballot | None:
    """Staff enter one paper ballot sheet, naming its voter by the resident picked in the
    console (``resident_id``) or by the ID number on the sheet (API). The first entry waits;
    a second entry of the same sheet by another person must match it exactly, then the ballot
    counts.

    Returns the ballot once two entries agree, else None.
    Raises: DomainError ``paper_mismatch`` (nothing recorded) / ``already_entered`` /
    ``not_a_verified_resident`` / ``already_voted``."""
    _lock_round_shared(round_id)
    budget_round = Round.objects.filter(pk=round_id).first()
    if budget_round is None:
        raise NotFound("round_not_found", _("No such budgeting round."))
    require_organiser(actor, budget_round.community_id)
    _voting_open(budget_round)
    sheet = plain_text(sheet, field="sheet", max_length=20, mask_numbers=False)
    voters = Resident.objects.filter(
        community_id=budget_round.community_id,
        verification_level__gte=VerificationLevel.ID_CHECKED,
    )
    field = "resident_id" if resident_id is not None else "id_number"
    if resident_id is not None:
        resident = voters.filter(pk=resident_id).first()
    else:
        index = blind_index(PIIKind.ID_NUMBER, id_number.strip().upper())
        resident = voters.filter(id_number_index=index).first() if id_number.strip() else None
    if resident is None:
        raise DomainError(
            "not_a_verified_resident",
            _("Only ID-checked residents of this community may take part."),
            field=field,
        )
    # A sheet carries the number its voter wrote on it: the same level as online voting,
    # or a made-up number could vote on paper.
    needed = required_level(Action.VOTE, budget_round.vote_level)
    if resident.verification_level < needed:
        raise DomainError(
            "level_required",
            _(
                "This resident is at the level “%(current)s”; voting in this round needs "
                "“%(required)s”. Check their ID card against the community registry, or verify "
                "them in person, before entering the sheet."
            ),
            field=field,
            current=str(VerificationLevel(resident.verification_level).label),
            required=str(needed.label),
        )
    chosen = _validate_ballot(budget_round, approvals)
    entries = list(PaperEntry.objects.select_for_update().filter(round=budget_round, sheet=sheet))
    if any(e.entered_by_id == actor.pk for e in entries):
        raise DomainError(
            "already_entered", _("You entered this sheet already; a second person must check it.")
        )
    if not entries:
        if RoundVoter.objects.filter(round=budget_round, resident=resident).exists():
            raise DomainError("already_voted", _("This resident has already voted in this round."))
        PaperEntry.objects.create(
            round=budget_round, sheet=sheet, resident=resident, approvals=chosen, entered_by=actor
        )
        audit_record(
            actor=actor,
            verb="participation.paper_first_entry",
            target=budget_round,
            division_code=budget_round.community_id,
            reason=sheet,
        )
        return None
    first = entries[0]
    if first.resident_id != resident.pk or list(first.approvals) != chosen:
        raise DomainError(
            "paper_mismatch",
            _("The second entry differs from the first: check the sheet again."),
        )
    PaperEntry.objects.create(
        round=budget_round, sheet=sheet, resident=resident, approvals=chosen, entered_by=actor
    )
    ballot, _created = _record_ballot(budget_round, resident, chosen, RoundVoter.Channel.PAPER)
    audit_record(
        actor=actor,
        verb="participation.paper_ballot",
        target=budget_round,
        division_code=budget_round.community_id,
        reason=sheet,
    )
    return ballot
