"""The method's steps against hand-computed examples."""

import numpy as np
import pytest

from shequ.indicators import method

NAN = np.nan


def test_minmax_turns_round_for_lower_is_better() -> None:
    values = np.array([[0.0, 10.0], [5.0, 20.0], [10.0, NAN]])
    out = method.normalise(values, "minmax", np.array([True, False]), np.array([1.0, 1.0]))
    assert out[:, 0].tolist() == [0.0, 50.0, 100.0]
    assert out[:2, 1].tolist() == [100.0, 0.0]
    assert np.isnan(out[2, 1])


def test_zscore_is_fifty_plus_ten_z() -> None:
    values = np.array([[1.0], [3.0]])  # mean 2, population sd 1
    out = method.normalise(values, "zscore", np.array([True]), np.array([0.0]))
    assert out[:, 0].tolist() == [40.0, 60.0]


def test_distance_to_target_caps_at_the_target() -> None:
    values = np.array([[40.0, 4.0], [100.0, 1.0]])
    targets = np.array([80.0, 2.0])
    out = method.normalise(values, "target", np.array([True, False]), targets)
    # higher: 40/80 → 50, 100/80 capped → 100; lower: 2/4 → 50, 2/1 capped → 100
    assert out.tolist() == [[50.0, 50.0], [100.0, 100.0]]


def test_attainment_by_direction() -> None:
    values = np.array([[80.0, 3.0], [79.0, 1.0], [NAN, 2.0]])
    met = method.attainment(values, np.array([True, False]), np.array([80.0, 2.0]))
    assert met.tolist() == [[True, False], [False, True], [False, True]]


def test_arithmetic_and_geometric_means_reweight_missing() -> None:
    scores = np.array([[100.0, 25.0], [64.0, NAN]])
    weights = np.array([0.5, 0.5])
    assert method.aggregate(scores, weights, "arithmetic").tolist() == [62.5, 64.0]
    geometric = method.aggregate(scores, weights, "geometric")
    assert geometric[0] == pytest.approx(50.0)  # sqrt(100 × 25)
    assert geometric[1] == pytest.approx(64.0)


def test_peer_mean_imputation_prefers_the_street() -> None:
    values = np.array([[1.0], [3.0], [NAN], [10.0], [NAN]])
    streets = np.array([0, 0, 0, 1, 2])
    districts = np.array([0, 0, 0, 0, 1])
    out = method.impute(values, ["peer_mean"], streets, districts)
    # unit 2: its street's mean (1+3)/2; unit 4: alone in street and district → city mean
    assert out[:, 0].tolist() == [1.0, 3.0, 2.0, 10.0, pytest.approx(14 / 3)]
    kept = method.impute(values, ["exclude"], streets, districts)
    assert np.isnan(kept[2, 0])


def test_winsorisation_pulls_in_the_tails() -> None:
    column = np.arange(1.0, 12.0)[:, None]  # 1..11
    column[-1, 0] = 1000.0
    out = method.winsorise(column, 0.1)
    low, high = np.quantile(column[:, 0], [0.1, 0.9])
    assert out[0, 0] == low
    assert out[-1, 0] == high
    assert out[5, 0] == 6.0


def test_ranks_within_groups_share_ties() -> None:
    scores = np.array([90.0, 80.0, 90.0, 50.0, 70.0])
    groups = np.array([0, 0, 0, 1, 1])
    eligible = np.array([True, True, True, True, False])
    ranks = method.ranks_within(scores, groups, eligible)
    assert ranks[:4].tolist() == [1.0, 3.0, 1.0, 1.0]
    assert np.isnan(ranks[4])


def _problem(seed: int = 1) -> method.Problem:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 100, size=(30, 6))
    values[3, 2] = NAN
    return method.Problem(
        values=values,
        weights=np.full(6, 1 / 6),
        higher=np.array([True, True, False, True, True, False]),
        targets=np.full(6, 60.0),
        policies=["peer_mean"] * 6,
        streets=np.repeat(np.arange(6), 5),
        districts=np.repeat(np.arange(2), 15),
        peer_groups=np.repeat(np.arange(6), 5),
        city_groups=np.zeros(30, dtype=np.int64),
    )


def test_monte_carlo_is_reproducible_and_holds_the_published_rank() -> None:
    problem = _problem()
    outcome = method.evaluate(problem)
    first = method.monte_carlo(problem, outcome, draws=200, seed=7, weight_range=0.3)
    second = method.monte_carlo(problem, outcome, draws=200, seed=7, weight_range=0.3)
    assert np.array_equal(first.city_ranks, second.city_ranks, equal_nan=True)
    _median, low, high = first.interval(first.city_ranks, outcome.city_rank)
    assert (low <= outcome.city_rank).all()
    assert (outcome.city_rank <= high).all()
    assert set(first.shift_by_choice) == set(method.CHOICES)


def test_evaluate_matches_an_independent_recomputation() -> None:
    problem = _problem(3)
    problem.winsor_share = 0.0
    outcome = method.evaluate(problem)
    filled = method.impute(problem.values, problem.policies, problem.streets, problem.districts)
    expected = []
    for row in filled:
        parts = []
        for k, value in enumerate(row):
            ratio = value / 60 if problem.higher[k] else (60 / value if value > 0 else 1)
            parts.append(min(ratio, 1) * 100)
        expected.append(sum(parts) / len(parts))
    assert outcome.score == pytest.approx(np.array(expected))
