"""The fast Method of Equal Shares against a plain, slow reference written here.

The reference shares no code with ``tally``: exact fractions, one voter at a time, every
project's payment recomputed from scratch at every purchase, and the completion tried one step
at a time exactly as the module docstring defines it (step k: every voter holds
``budget / voters × (1 + k/100)``; stop at the first exhaustive outcome, or at the first one
that overspends and keep the step before; at the latest at step 100 × voters), then the greedy
fill by votes. Ties: the smallest payment, then more votes, then the lower project id. Projects
nobody approved are never funded and never make an outcome non-exhaustive.
"""

import random
from dataclasses import dataclass
from fractions import Fraction

import pytest

from shequ.participation import tally


@dataclass(frozen=True)
class Expected:
    winners: list[int]
    spent: int
    step: int
    mes: list[int]


def approvals(costs: dict[int, int], ballots: list[set[int]]) -> dict[int, int]:
    return {p: sum(1 for ballot in ballots if p in ballot) for p in costs}


def payment(cost: int, holdings: list[Fraction]) -> Fraction | None:
    """The smallest equal payment its supporters can make, each capped at what they hold."""
    if sum(holdings) < cost:
        return None
    left, payers = Fraction(cost), len(holdings)
    for held in sorted(holdings):
        if held * payers >= left:
            return left / payers
        left -= held
        payers -= 1
    raise AssertionError("unreachable: the supporters hold enough")


def plain_mes(share: Fraction, costs: dict[int, int], ballots: list[set[int]]) -> list[int]:
    """Plain MES, every voter starting with ``share``, until nothing more is affordable."""
    money = [share for _ in ballots]
    count = approvals(costs, ballots)
    bought: list[int] = []
    while True:
        options = []
        for p in sorted(costs):
            if p in bought or count[p] == 0:
                continue
            rho = payment(costs[p], [money[i] for i, b in enumerate(ballots) if p in b])
            if rho is not None:
                options.append((rho, -count[p], p))
        if not options:
            return bought
        rho, _, chosen = min(options)
        for i, ballot in enumerate(ballots):
            if chosen in ballot:
                money[i] -= min(money[i], rho)
        bought.append(chosen)


def reference(costs: dict[int, int], ballots: list[set[int]], budget: int) -> Expected:
    voters = len(ballots)
    count = approvals(costs, ballots)

    def spent(projects: list[int]) -> int:
        return sum(costs[p] for p in projects)

    def exhaustive(projects: list[int]) -> bool:
        left = budget - spent(projects)
        return all(p in projects or count[p] == 0 or costs[p] > left for p in costs)

    kept_step, kept = 0, plain_mes(Fraction(budget, voters), costs, ballots)
    if not exhaustive(kept):
        for k in range(1, 100 * voters + 1):
            trial = plain_mes(Fraction(budget * (100 + k), 100 * voters), costs, ballots)
            if spent(trial) > budget:
                break
            kept_step, kept = k, trial
            if exhaustive(trial):
                break
    winners = list(kept)
    left = budget - spent(winners)
    for p in sorted(costs, key=lambda q: (-count[q], q)):
        if p not in winners and count[p] > 0 and costs[p] <= left:
            winners.append(p)
            left -= costs[p]
    return Expected(winners, spent(winners), kept_step, kept)


def instance(seed: int) -> tuple[dict[int, int], list[set[int]], int]:
    """Small rounds of many shapes: equal costs and equal vote counts (ties), repeated and
    empty ballots, projects nobody approves, budgets that buy nothing up to everything."""
    rng = random.Random(7919 * seed + 11)
    m = rng.choice([1, 2, 3, 6, 8, 10, 12])
    unit = rng.choice([1, 10, 100, 1000])
    if rng.random() < 0.3:  # few distinct costs: many equal payments
        palette = [rng.randint(1, 6) * unit for _ in range(2)]
        costs = {p: rng.choice(palette) for p in range(1, m + 1)}
    else:
        costs = {p: rng.randint(1, 60) * unit for p in range(1, m + 1)}
    voted = sorted(rng.sample(sorted(costs), rng.randint((m + 1) // 2, m)))
    voters = rng.randint(1, 20)
    if rng.random() < 0.4:  # a few kinds of ballot, repeated
        kinds = [set(rng.sample(voted, rng.randint(1, len(voted)))) for _ in range(3)]
        ballots = [set(rng.choice(kinds)) for _ in range(voters)]
    else:
        ballots = [set(rng.sample(voted, rng.randint(0, len(voted)))) for _ in range(voters)]
    if rng.random() < 0.2:
        ballots[0].add(m + 5)  # an id that is not a project: ignored
    total = sum(costs.values())
    cheapest = min(costs.values())
    wanted = sum(costs[p] for p in voted)
    budget = rng.choice(
        [
            0,
            cheapest - 1,  # buys nothing
            total,  # buys everything voted for
            total + rng.randint(1, 3) * unit,
        ]
        + [rng.randint(cheapest, max(cheapest, wanted * 3 // 4)) for _ in range(8)]
    )
    return costs, ballots, budget


@pytest.mark.parametrize("seed", range(200))
def test_equal_shares_is_the_plain_step_by_step_definition(seed: int) -> None:
    costs, ballots, budget = instance(seed)
    expected = reference(costs, ballots, budget)
    outcome = tally.equal_shares(costs, ballots, budget)
    assert list(outcome.winners) == expected.winners
    assert outcome.spent == expected.spent
    completion = next(s for s in outcome.steps if s.action == "completion")
    assert completion.votes == expected.step
    assert [s.project for s in outcome.steps if s.action == "mes_selected"] == expected.mes


@pytest.mark.parametrize("seed", range(60))
def test_plain_mes_without_completion_is_the_definition(seed: int) -> None:
    costs, ballots, budget = instance(seed)
    share = Fraction(budget, len(ballots))
    outcome = tally.equal_shares(costs, ballots, budget, completion=False)
    assert list(outcome.winners) == plain_mes(share, costs, ballots)
    assert outcome.spent == sum(costs[p] for p in outcome.winners)


def test_the_instances_cover_the_awkward_cases() -> None:
    """The seeds above include ties, zero-vote projects, budgets that buy nothing or all."""
    seen = {"nothing": 0, "everything": 0, "zero_votes": 0, "completion": 0, "fill": 0}
    for seed in range(200):
        costs, ballots, budget = instance(seed)
        expected = reference(costs, ballots, budget)
        count = approvals(costs, ballots)
        voted = [p for p in costs if count[p]]
        seen["nothing"] += not expected.winners
        seen["everything"] += bool(voted) and set(expected.winners) == set(voted)
        seen["zero_votes"] += len(voted) < len(costs)
        seen["completion"] += expected.step > 0
        seen["fill"] += len(expected.winners) > len(expected.mes)
    # A fill after the completion needs an overspending step with something still fitting.
    assert seen.pop("fill") >= 5, seen
    assert all(n >= 10 for n in seen.values()), seen


def test_ballots_in_any_shape_count_as_their_sets_of_known_projects() -> None:
    costs, ballots, budget = instance(3)
    expected = tally.equal_shares(costs, ballots, budget)
    untidy: list[list[object]] = [[*sorted(b), *sorted(b), 999, "x"] for b in ballots]
    outcome = tally.equal_shares(costs, (b for b in untidy), budget)  # type: ignore[misc]
    assert outcome.winners == expected.winners
    assert outcome.votes == expected.votes
    assert [s.as_dict() for s in outcome.steps] == [s.as_dict() for s in expected.steps]


def test_different_ballots_with_the_same_size_stay_apart() -> None:
    # {1, 4} and {2, 3} (same size, same id sum) are different voters' groups.
    costs = {1: 30, 2: 30, 3: 30, 4: 30}
    ballots = [{1, 4}, {2, 3}, {1, 4}, {2, 3}, {2, 3}]
    outcome = tally.equal_shares(costs, ballots, 100)
    assert list(outcome.winners) == reference(costs, ballots, 100).winners
    assert outcome.votes == {1: 2, 2: 3, 3: 3, 4: 2}


def middle_instance(seed: int) -> tuple[dict[int, int], list[set[int]], int]:
    """20 to 60 voters over 12 projects of uneven popularity: long completions (dozens of
    steps), many voters capped at once, repeated ballots."""
    rng = random.Random(31 * seed + 5)
    ids = list(range(1, 13))
    costs = {p: rng.randint(1, 30) * 50 for p in ids}
    popularity = [rng.random() ** 2 + 0.05 for _ in ids]
    ballots = [
        set(rng.choices(ids, weights=popularity, k=rng.randint(1, 5)))
        for _ in range(rng.randint(20, 60))
    ]
    return costs, ballots, sum(costs.values()) * rng.randint(2, 6) // 10


@pytest.mark.parametrize("seed", range(12))
def test_longer_completions_are_the_plain_step_by_step_definition(seed: int) -> None:
    costs, ballots, budget = middle_instance(seed)
    expected = reference(costs, ballots, budget)
    outcome = tally.equal_shares(costs, ballots, budget)
    assert list(outcome.winners) == expected.winners
    assert outcome.spent == expected.spent
    assert next(s for s in outcome.steps if s.action == "completion").votes == expected.step
    assert [s.project for s in outcome.steps if s.action == "mes_selected"] == expected.mes
