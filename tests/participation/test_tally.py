import random

import pytest

from shequ.participation import tally
from tests.participation import recount_pabulib as recount


def test_greedy_skips_a_project_that_does_not_fit_and_continues() -> None:
    costs = {1: 70, 2: 50, 3: 30}
    ballots = [{1, 2}, {1, 2}, {2}, {2, 3}, {1}, {3}]
    outcome = tally.greedy_by_votes(costs, ballots, 100)
    # Votes: 2→4, 1→3, 3→2. Project 2 (50) fits, 1 (70) does not, 3 (30) does.
    assert outcome.winners == (2, 3)
    assert outcome.spent == 80
    assert [s.action for s in outcome.steps] == ["selected", "skipped", "selected"]


def test_equal_shares_hand_example_without_and_with_completion() -> None:
    # 4 voters, 25 yuan each. Project 1 (60) has two supporters with 50: unaffordable;
    # projects 2 and 3 (40) have one supporter each with 25: unaffordable. Plain MES: nothing.
    costs = {1: 60, 2: 40, 3: 40}
    ballots = [{1}, {1}, {2}, {3}]
    assert tally.equal_shares(costs, ballots, 100, completion=False).winners == ()
    # Completion: at 30 each, project 1 is bought (rho 30); at 40 each, 1 then 2 would cost
    # 100 and then 3 makes 140 > 100, so the last fitting step keeps {1, 2}... the greedy fill
    # adds nothing more. Result: 1 and 2, spending the whole budget.
    outcome = tally.equal_shares(costs, ballots, 100)
    assert outcome.winners[:1] == (1,)
    assert set(outcome.winners) == {1, 2}
    assert outcome.spent == 100


def test_equal_shares_protects_a_minority_that_greedy_ignores() -> None:
    # 6 voters: 4 like the two big projects A, B; 2 like the small project C.
    costs = {1: 50, 2: 50, 3: 30}
    ballots = [{1, 2}] * 4 + [{3}] * 2
    assert tally.greedy_by_votes(costs, ballots, 100).winners == (1, 2)
    mes = tally.equal_shares(costs, ballots, 100, completion=False)
    # Each has 100/6; the two C voters hold 33.3 ≥ 30, so C is bought; the majority buys A.
    assert set(mes.winners) == {1, 3}
    steps = [s for s in mes.steps if s.action == "mes_selected"]
    assert steps[0].project == 1
    assert steps[0].rho == pytest.approx(12.5)


def random_instance(seed: int) -> tuple[dict[int, int], list[set[int]], int]:
    rng = random.Random(seed)
    m = rng.randint(2, 8)
    costs = {p: rng.randint(1, 40) * 10 for p in range(1, m + 1)}
    voters = rng.randint(1, 30)
    ballots = [set(rng.sample(sorted(costs), rng.randint(1, m))) for _ in range(voters)]
    budget = rng.randint(max(costs.values()), sum(costs.values()) + 10)
    return costs, ballots, budget


@pytest.mark.parametrize("seed", range(40))
def test_properties_on_random_instances(seed: int) -> None:
    costs, ballots, budget = random_instance(seed)
    greedy = tally.greedy_by_votes(costs, ballots, budget)
    mes = tally.equal_shares(costs, ballots, budget)
    for outcome in (greedy, mes):
        assert outcome.spent == sum(costs[p] for p in outcome.winners) <= budget
        assert len(set(outcome.winners)) == len(outcome.winners)
        # Exhaustive: no voted project left out fits into what is left.
        left = budget - outcome.spent
        assert all(p in outcome.winners or outcome.votes[p] == 0 or costs[p] > left for p in costs)
    # Every MES purchase was paid by its supporters within their money.
    plain = tally.equal_shares(costs, ballots, budget, completion=False)
    money = [budget / len(ballots)] * len(ballots)
    for step in plain.steps:
        assert step.rho is not None
        assert step.project is not None
        payers = [i for i, b in enumerate(ballots) if step.project in b]
        paid = sum(min(money[i], step.rho) for i in payers)
        assert paid == pytest.approx(costs[step.project])
        for i in payers:
            money[i] -= min(money[i], step.rho)
        assert min(money) >= -1e-9
    # The independent exact recount agrees with both methods.
    assert list(greedy.winners) == recount.greedy(budget, costs, ballots)
    assert list(mes.winners) == recount.equal_shares(budget, costs, ballots)


def test_no_ballots_elect_nobody() -> None:
    assert tally.equal_shares({1: 10}, [], 100).winners == ()
    assert tally.greedy_by_votes({1: 10}, [], 100).winners == ()
