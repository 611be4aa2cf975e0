import random
from fractions import Fraction

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
    # Completion, one step (0.25 yuan) at a time: from 30 each (step 20) project 1 is bought
    # (rho 30), 40 yuan are left and 2 and 3 would fit, so the search goes on. At 40 each
    # (step 60) 1, 2 and 3 are bought: 140 > 100, so step 59 is kept ({1}), and the greedy
    # fill adds 2 (fewer votes than 1, lower id than 3). Result: 1 and 2, the whole budget.
    outcome = tally.equal_shares(costs, ballots, 100)
    assert outcome.winners == (1, 2)
    assert [s.action for s in outcome.steps][:2] == ["mes_selected", "completion"]
    assert next(s for s in outcome.steps if s.action == "completion").votes == 59
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


def bisection_completion(budget: int, costs: dict[int, int], votes: list[set[int]]) -> list[int]:
    """The former completion, for contrast: the largest step that still fits, found by doubling
    then bisection (right only if spending never falls as the share rises)."""
    initial = Fraction(budget, len(votes))

    def run(k: int) -> list[int]:
        return recount.mes_plain(initial * (1 + Fraction(k, 100)), costs, votes, budget)

    def fits(k: int) -> bool:
        return sum(costs[p] for p in run(k)) <= budget

    fitting, over = 0, 1
    while fits(over) and over < 100 * len(votes):
        fitting, over = over, over * 2
    while over - fitting > 1:
        middle = (fitting + over) // 2
        fitting, over = (middle, over) if fits(middle) else (fitting, middle)
    return run(fitting)


def varied_instance(seed: int) -> tuple[dict[int, int], list[set[int]], int]:
    """Small instances of many shapes: repeated ballots, projects nobody votes for, uneven
    costs, budgets from tight to generous."""
    rng = random.Random(1000 + seed)
    m = rng.randint(2, 7)
    costs = {p: rng.choice([1, 2, 3, 5, 8]) * rng.randint(1, 12) * 10 for p in range(1, m + 1)}
    voted = sorted(costs)[: rng.randint(1, m)]
    kinds = [set(rng.sample(voted, rng.randint(1, len(voted)))) for _ in range(rng.randint(1, 6))]
    ballots = [set(rng.choice(kinds)) for _ in range(rng.randint(1, 14))]
    budget = rng.randint(min(costs.values()), sum(costs.values()) + 20)
    return costs, ballots, budget


@pytest.mark.parametrize("seed", range(80))
def test_completion_is_the_step_by_step_search(seed: int) -> None:
    costs, ballots, budget = varied_instance(seed)
    outcome = tally.equal_shares(costs, ballots, budget)
    step, mes = recount.completion_search(budget, costs, ballots)
    completion = next(s for s in outcome.steps if s.action == "completion")
    assert completion.votes == step
    assert [s.project for s in outcome.steps if s.action == "mes_selected"] == mes
    assert list(outcome.winners) == recount.equal_shares(budget, costs, ballots)
    assert all(outcome.votes[p] > 0 for p in outcome.winners)


def test_a_project_nobody_voted_for_is_never_funded() -> None:
    # Project 1 (90) is bought; 110 yuan are left and project 2 (20) would fit, but nobody
    # voted for it: the outcome counts as exhaustive, no completion step is needed.
    costs = {1: 90, 2: 20}
    ballots = [{1}, {1}, {1}]
    mes = tally.equal_shares(costs, ballots, 200)
    assert mes.winners == (1,)
    assert next(s for s in mes.steps if s.action == "completion").votes == 0
    assert tally.greedy_by_votes(costs, ballots, 200).winners == (1,)
    assert recount.equal_shares(200, costs, ballots) == [1]


@pytest.mark.parametrize("seed", range(6))
def test_skipped_steps_never_change_the_answer_on_larger_rounds(seed: int) -> None:
    # Too big for the Fraction recount: compare with the same MES pass run at every step.
    rng = random.Random(500 + seed)
    ids = list(range(1, 16))
    costs = {p: rng.randint(2, 60) * 100 for p in ids}
    popularity = [rng.random() ** 2 + 0.01 for _ in ids]
    ballots = [set(rng.choices(ids, weights=popularity, k=rng.randint(1, 6))) for _ in range(300)]
    budget = sum(costs.values()) // 3
    outcome = tally.equal_shares(costs, ballots, budget)

    votes = [sum(1 for b in ballots if p in b) for p in ids]
    cost_list = [costs[p] for p in ids]
    election = tally._Election([sorted(p - 1 for p in b) for b in ballots], cost_list, votes)

    def stops(run: tally._Run) -> bool:
        left = budget - run.spent
        chosen = {j for j, _, _ in run.winners}
        return all(j in chosen or not votes[j] or cost_list[j] > left for j in range(len(ids)))

    n = len(ballots)
    kept, run = 0, election.run(budget / n, stop_above=budget)
    if not stops(run):
        for k in range(1, 100 * len(ballots) + 1):
            trial = election.run(budget * (100 + k) / (100 * n), stop_above=budget)
            if trial.spent > budget:
                break
            kept, run = k, trial
            if stops(trial):
                break
    assert next(s for s in outcome.steps if s.action == "completion").votes == kept
    mes = [s.project for s in outcome.steps if s.action == "mes_selected"]
    assert mes == [ids[j] for j, _, _ in run.winners]


def test_spending_can_fall_as_shares_rise_so_the_search_goes_step_by_step() -> None:
    costs = {1: 30, 2: 90, 3: 40, 4: 80}
    ballots = [{1}, {1, 2, 3}, {2}]
    budget = 148

    def spending(step: int) -> int:
        share = Fraction(budget, 3) * (1 + Fraction(step, 100))
        return sum(costs[p] for p in recount.mes_plain(share, costs, ballots, 10**9))

    # Spending falls from 120 to 70 between steps 11 and 12.
    assert spending(11) == 120
    assert spending(12) == 70
    assert recount.completion_search(budget, costs, ballots) == (7, [1, 2])
    outcome = tally.equal_shares(costs, ballots, budget)
    assert next(s for s in outcome.steps if s.action == "completion").votes == 7
    assert outcome.winners == (1, 2)
    assert list(outcome.winners) == recount.equal_shares(budget, costs, ballots)
    # The former doubling + bisection lands on another fitting step, with other winners.
    assert bisection_completion(budget, costs, ballots) == [1, 3]
