"""市民口碑十佳 (candidates by score, residents vote, combined score decides) and the
incentive fund shared by the computed score."""

from decimal import Decimal

import pytest
from django.test import Client

from shequ.core.errors import DomainError
from shequ.funds.models import EvaluationScore
from shequ.indicators import selectors, topten
from shequ.indicators.models import Result, TopTen, TreeVersion
from shequ.people.models import User
from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.django_db


def test_top_ten_vote_and_combined_score(
    client: Client, committee: User, evaluated: tuple[TreeVersion, int]
) -> None:
    tree, year = evaluated
    run = selectors.run_latest(tree, year)
    assert run is not None
    with pytest.raises(DomainError, match="100"):
        topten.top_ten_select(
            actor=committee,
            run_id=run.pk,
            candidates=5,
            winners=2,
            platform_weight="70",
            vote_weight="40",
        )
    assert not TopTen.objects.exists()
    selection = topten.top_ten_select(
        actor=committee,
        run_id=run.pk,
        candidates=5,
        winners=2,
        platform_weight="50",
        vote_weight="50",
    )
    candidates = list(selection.candidates.all())
    assert len(candidates) == 5
    best = Result.objects.filter(run=run, level="community", ranked=True).order_by(
        "-score", "division_id"
    )[:5]
    assert [c.division_id for c in candidates] == [r.division_id for r in best]
    last = candidates[-1]
    voter = make_user("voter")
    make_resident(NIJIAQIAO, user=voter, name="投票人")
    client.force_login(voter)
    too_many = client.post(
        f"/indicators/top-ten/{selection.pk}/", {"candidates": [c.pk for c in candidates[:3]]}
    )
    assert too_many.status_code == 400
    assert "最多选择 2 个" in too_many.content.decode()
    ok = client.post(f"/indicators/top-ten/{selection.pk}/", {"candidates": [last.pk]})
    assert ok.status_code == 302
    again = client.post(f"/indicators/top-ten/{selection.pk}/", {"candidates": [last.pk]})
    assert again.status_code == 400
    assert "您已投票" in again.content.decode()
    topten.top_ten_decide(actor=committee, selection_id=selection.pk)
    last.refresh_from_db()
    assert last.votes == 1
    assert last.combined == pytest.approx((50 * last.platform_score + 50 * 100) / 100)
    placed = selection.candidates.exclude(place=None).count()
    assert placed == 2


def test_next_years_incentive_fund_takes_the_computed_score(
    committee: User, evaluated: tuple[TreeVersion, int]
) -> None:
    tree, year = evaluated
    run = selectors.run_latest(tree, year)
    assert run is not None
    saved = topten.run_scores_to_funds(actor=committee, run_id=run.pk, fund_year=year + 1)
    ranked = Result.objects.filter(run=run, level="community", ranked=True)
    assert saved == ranked.count()
    nijiaqiao = ranked.get(division_id=NIJIAQIAO)
    stored = EvaluationScore.objects.get(year=year + 1, community_id=NIJIAQIAO)
    assert stored.score == Decimal(str(nijiaqiao.score)).quantize(Decimal("0.01"))


def test_only_residents_vote(committee: User, evaluated: tuple[TreeVersion, int]) -> None:
    tree, year = evaluated
    run = selectors.run_latest(tree, year)
    assert run is not None
    selection = topten.top_ten_select(
        actor=committee,
        run_id=run.pk,
        candidates=3,
        winners=1,
        platform_weight="60",
        vote_weight="40",
    )
    stranger = make_user("stranger")
    with pytest.raises(DomainError):
        topten.top_ten_vote(
            actor=stranger,
            selection_id=selection.pk,
            candidate_ids=[selection.candidates.first().pk],
        )
