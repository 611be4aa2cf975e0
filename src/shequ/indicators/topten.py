"""市民口碑十佳 and the incentive fund: writes that use a finished evaluation run.

The platform score picks the candidates (the best ``candidates_count`` ranked communities),
residents vote for up to ``winners_count`` of them, and the published weights combine the
two: combined = platform weight × score + vote weight × votes ÷ most votes × 100 (÷ 100).
"""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.funds.services.allocation import scores_replace
from shequ.indicators.models import Result, Run, TopTen, TopTenBallot, TopTenCandidate
from shequ.indicators.permissions import can_edit_tree


def _editor(actor: Any) -> None:
    if not can_edit_tree(actor):
        raise PermissionDenied("forbidden", _("Only the city committee runs the top-ten vote."))


def _done_run(run_id: int) -> Run:
    run = Run.objects.filter(pk=run_id, status=Run.Status.DONE).first()
    if run is None:
        raise NotFound("not_found", _("No such finished evaluation run."))
    return run


@transaction.atomic
def top_ten_select(
    *,
    actor: Any,
    run_id: int,
    candidates: int,
    winners: int,
    platform_weight: Any,
    vote_weight: Any,
) -> TopTen:
    """Pick the candidates of the run's year by platform score and open the vote.

    Raises:
        DomainError: weights negative or not adding up to 100, winners more than candidates,
        a selection for that year already made.
    """
    _editor(actor)
    run = _done_run(run_id)
    try:
        pw, vw = Decimal(str(platform_weight)), Decimal(str(vote_weight))
    except ArithmeticError:
        raise DomainError("weights", _("The weights must be numbers.")) from None
    if pw < 0 or vw < 0 or pw + vw != 100:
        raise DomainError(
            "weights",
            _("The platform and vote weights must not be negative and must add up to 100."),
            field="platform_weight",
        )
    if not 1 <= winners <= candidates <= 500:
        raise DomainError(
            "counts",
            _("Winners must be at least 1 and no more than the candidates (at most 500)."),
            field="winners_count",
        )
    if TopTen.objects.filter(year=run.year).exists():
        raise DomainError(
            "exists", _("The top-ten selection of %(year)s is already made.") % {"year": run.year}
        )
    best = list(
        Result.objects.filter(
            run=run, level="community", ranked=True, score__isnull=False
        ).order_by("-score", "division_id")[:candidates]
    )
    if len(best) < winners:
        raise DomainError("too_few", _("Too few ranked communities for this many winners."))
    selection = TopTen.objects.create(
        run=run,
        year=run.year,
        candidates_count=candidates,
        winners_count=winners,
        platform_weight=pw,
        vote_weight=vw,
        created_by=actor,
    )
    TopTenCandidate.objects.bulk_create(
        [
            TopTenCandidate(selection=selection, division_id=r.division_id, platform_score=r.score)
            for r in best
            if r.score is not None
        ]
    )
    audit_record(
        actor=actor,
        verb="indicators.selection_made",
        target=selection,
        division_code=CITY_CODE,
        changes={"candidates": [None, len(best)], "weights": [None, f"{pw}/{vw}"]},
    )
    return selection


@transaction.atomic
def top_ten_vote(*, actor: Any, selection_id: int, candidate_ids: list[int]) -> TopTenBallot:
    """A resident's ballot: up to ``winners_count`` different candidates, once.

    Raises:
        DomainError: not a registered resident, the vote closed, too many or no choices,
        already voted.
    """
    selection = TopTen.objects.select_for_update().filter(pk=selection_id).first()
    if selection is None:
        raise NotFound("not_found", _("No such vote."))
    if selection.status != TopTen.Status.VOTING:
        raise DomainError("closed", _("This vote is closed."))
    if getattr(actor, "resident", None) is None:
        raise DomainError("not_resident", _("Only residents in the community registry may vote."))
    chosen = sorted(set(candidate_ids))
    if not chosen:
        raise DomainError("none", _("Choose at least one community."), field="candidates")
    if len(chosen) > selection.winners_count:
        raise DomainError(
            "too_many",
            _("Choose at most %(n)s communities.") % {"n": selection.winners_count},
            field="candidates",
        )
    valid = set(
        TopTenCandidate.objects.filter(selection=selection, pk__in=chosen).values_list(
            "pk", flat=True
        )
    )
    if valid != set(chosen):
        raise DomainError("unknown", _("Choose among the candidates."), field="candidates")
    try:
        with transaction.atomic():
            ballot = TopTenBallot.objects.create(selection=selection, user=actor, choices=chosen)
    except IntegrityError:
        raise DomainError("voted", _("You have already voted.")) from None
    TopTenCandidate.objects.filter(pk__in=chosen).update(votes=F("votes") + 1)
    return ballot


@transaction.atomic
def top_ten_decide(*, actor: Any, selection_id: int) -> TopTen:
    """Close the vote and place the candidates by combined score."""
    _editor(actor)
    selection = TopTen.objects.select_for_update().filter(pk=selection_id).first()
    if selection is None:
        raise NotFound("not_found", _("No such vote."))
    if selection.status != TopTen.Status.VOTING:
        raise DomainError("closed", _("This vote is closed."))
    candidates = list(selection.candidates.all())
    most = max((c.votes for c in candidates), default=0)
    pw, vw = float(selection.platform_weight), float(selection.vote_weight)
    for candidate in candidates:
        vote_part = candidate.votes / most * 100 if most else 0.0
        candidate.combined = round((pw * candidate.platform_score + vw * vote_part) / 100, 4)
    ordered = sorted(
        candidates, key=lambda c: (-(c.combined or 0), -c.platform_score, c.division_id)
    )
    for place, candidate in enumerate(ordered, start=1):
        candidate.place = place if place <= selection.winners_count else None
    TopTenCandidate.objects.bulk_update(candidates, ["combined", "place"])
    selection.status = TopTen.Status.DECIDED
    selection.decided_at = timezone.now()
    selection.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        verb="indicators.selection_made",
        target=selection,
        division_code=CITY_CODE,
        changes={"status": ["voting", "decided"], "ballots": [None, selection.ballots.count()]},
    )
    return selection


def run_scores_to_funds(*, actor: Any, run_id: int, fund_year: int) -> int:
    """Share ``fund_year``'s incentive fund by the run's scores (instead of an Excel import):
    every ranked community's score, kept within 0–100, becomes its evaluation score."""
    _editor(actor)
    run = _done_run(run_id)
    scores = {
        code: Decimal(str(min(max(score or 0.0, 0.0), 100.0)))
        for code, score in Result.objects.filter(
            run=run, level="community", ranked=True, score__isnull=False
        ).values_list("division_id", "score")
    }
    with transaction.atomic():
        saved = scores_replace(
            actor=actor, year=fund_year, scores=scores, source=f"indicators run {run.pk}"
        )
        audit_record(
            actor=actor,
            verb="indicators.scores_to_funds",
            target=run,
            division_code=CITY_CODE,
            changes={"fund_year": [None, fund_year], "scores": [None, saved]},
        )
    return saved
