"""Allocation and raking, checked against the arithmetic they promise."""

import numpy as np
import pytest

from shequ.surveys.statistics import (
    AllocationError,
    Sums,
    allocate,
    bootstrap_mean_ci,
    estimate_mean,
    rake,
)


@pytest.mark.parametrize(
    ("n", "populations", "minimum"),
    [
        (10_000, [900_000, 650_000, 30_000, 1_200_000, 5_000], 100),
        (2_000, [10, 20, 30, 40, 50, 100_000], 30),
        (7, [3, 3, 3], 2),
        (100, [1, 1_000, 1_000], 30),
    ],
)
def test_allocation_sums_to_n_with_floors_and_caps(
    n: int, populations: list[int], minimum: int
) -> None:
    allocation = allocate(n, populations, minimum)
    assert sum(allocation) == n
    for a, p in zip(allocation, populations, strict=True):
        assert min(minimum, p) <= a <= p


def test_allocation_is_proportional_above_the_floor() -> None:
    allocation = allocate(1000, [500_000, 300_000, 200_000], 10)
    assert allocation == [500, 300, 200]


def test_largest_remainder_breaks_rounding() -> None:
    # Shares 333.33 each: one stratum gets the extra unit, the total stays 1000.
    assert sorted(allocate(1000, [5000, 5000, 5000], 0)) == [333, 333, 334]


@pytest.mark.parametrize(
    ("n", "populations", "minimum"), [(100, [10, 10], 1), (10, [100, 100, 100, 100], 3)]
)
def test_impossible_allocations_are_refused(n: int, populations: list[int], minimum: int) -> None:
    with pytest.raises(AllocationError):
        allocate(n, populations, minimum)


def test_raking_converges_to_every_margin() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 40, size=(6, 4, 2)).astype(float)
    margins = [
        rng.integers(50_000, 900_000, size=6).astype(float),
        np.array([0.3, 0.28, 0.24, 0.18]) * 1_000_000,
        np.array([0.49, 0.51]) * 1_000_000,
    ]
    result = rake(counts, margins)
    assert result.converged
    weighted = counts * result.weights
    n = counts.sum()
    for axis, margin in enumerate(margins):
        other = tuple(a for a in range(3) if a != axis)
        np.testing.assert_allclose(weighted.sum(axis=other), margin / margin.sum() * n, rtol=1e-5)
    assert weighted.sum() == pytest.approx(n)


def test_raking_leaves_out_categories_nobody_answered_for() -> None:
    counts = np.array([[[5.0, 5.0]], [[0.0, 0.0]]])  # district 2 has no respondents
    result = rake(counts, [np.array([100.0, 900.0]), np.array([1000.0]), np.array([400.0, 600.0])])
    assert result.converged
    np.testing.assert_allclose((counts * result.weights)[0, 0], [4.0, 6.0])


def test_analytic_and_bootstrap_intervals_agree_on_equal_weights() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(90, 8, size=2000)
    w = np.ones_like(x)
    sums = Sums(len(x), w.sum(), (w * w).sum(), (w * x).sum(), (w * x * x).sum(), 0.0)
    estimate = estimate_mean(sums)
    assert estimate.deff == pytest.approx(1.0)
    assert estimate.se == pytest.approx(x.std(ddof=1) / np.sqrt(len(x)))
    low, high = bootstrap_mean_ci(x, w, replicates=400, seed=1)
    assert estimate.low is not None
    assert estimate.high is not None
    assert low == pytest.approx(estimate.low, abs=0.15)
    assert high == pytest.approx(estimate.high, abs=0.15)
