"""Survey statistics without Django: allocation, raking, estimates with confidence intervals.

Formulas (written out in the methods note of every results page):
- allocation: proportional to population with a floor per stratum, largest remainder so the
  allocations sum to n exactly, never more than a stratum's population;
- raking (iterative proportional fitting) of the sample's district × age band × sex table to
  the registry's one-way margins, until every margin is within ``tolerance`` (relative);
- weighted mean x̄w = Σwx / Σw, element variance s² = n/(n−1) · (Σwx²/Σw − x̄w²);
- Kish design effect deff = n·Σw² / (Σw)², effective size n_eff = n / deff;
- analytic 95% CI: x̄w ± 1.96·√(s² / n_eff); for a proportion p: p ± 1.96·√(p(1−p)/n_eff);
- bootstrap 95% CI: percentile interval of the weighted mean over B resamples of respondents.
"""

from dataclasses import dataclass, field
from math import sqrt

import numpy as np

Z95 = 1.959963984540054


class AllocationError(ValueError):
    pass


def allocate(n: int, populations: list[int], minimum: int) -> list[int]:
    """Sample size per stratum: proportional, at least ``minimum`` (or the whole stratum).

    Raises: AllocationError when n exceeds the population or the floors exceed n.
    """
    pops = np.asarray(populations, dtype=np.int64)
    if n <= 0:
        raise AllocationError("target must be positive")
    if n > int(pops.sum()):
        raise AllocationError("target exceeds population")
    floors = np.minimum(pops, minimum)
    if int(floors.sum()) > n:
        raise AllocationError("minimums exceed target")
    fixed = np.zeros(len(pops), dtype=bool)
    alloc = np.zeros(len(pops), dtype=np.int64)
    # Strata whose proportional share falls under the floor are fixed at the floor, and the
    # rest is shared again, until no share falls under its floor.
    while True:
        free = ~fixed
        remaining = n - int(floors[fixed].sum())
        free_pop = pops[free].sum()
        share = np.zeros(len(pops))
        if free_pop > 0:
            share[free] = remaining * pops[free] / free_pop
        newly = free & (share < floors)
        if not newly.any():
            break
        fixed |= newly
    alloc[fixed] = floors[fixed]
    base = np.floor(share[~fixed]).astype(np.int64)
    alloc[~fixed] = base
    left = n - int(alloc.sum())
    if left > 0:
        free_idx = np.flatnonzero(~fixed)
        remainders = share[free_idx] - base
        # Largest remainder first; ties broken by stratum order, so results are stable.
        order = free_idx[np.lexsort((free_idx, -remainders))]
        for index in order:
            if left == 0:
                break
            if alloc[index] < pops[index]:
                alloc[index] += 1
                left -= 1
    return [int(a) for a in alloc]


@dataclass
class RakeResult:
    weights: np.ndarray  # per cell, the weight of each respondent in it (0 for empty cells)
    iterations: int
    converged: bool
    max_error: float  # largest relative gap between a weighted margin and its target


def rake(
    counts: np.ndarray,
    margins: list[np.ndarray],
    *,
    tolerance: float = 1e-6,
    max_iterations: int = 200,
) -> RakeResult:
    """Iterative proportional fitting of a sample count table to one-way population margins.

    ``counts`` has one axis per variable; ``margins[k]`` the population totals along axis k.
    Targets are rescaled to the sample size, so weights average 1. Categories with no
    respondents cannot be matched and are left out (their population share is spread over
    the others by the rescaling).
    """
    sample = counts.astype(float)
    n = sample.sum()
    targets = []
    for axis, margin in enumerate(margins):
        other = tuple(a for a in range(sample.ndim) if a != axis)
        present = sample.sum(axis=other) > 0
        target = np.where(present, margin.astype(float), 0.0)
        targets.append(target / target.sum() * n if target.sum() > 0 else target)
    table = sample.copy()
    iterations = 0
    error = float("inf")
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - reported after the loop
        for axis, target in enumerate(targets):
            other = tuple(a for a in range(table.ndim) if a != axis)
            current = table.sum(axis=other)
            factor = np.divide(target, current, out=np.ones_like(target), where=current > 0)
            shape = [1] * table.ndim
            shape[axis] = -1
            table = table * factor.reshape(shape)
        error = margin_error(table, targets)
        if error < tolerance:
            break
    weights = np.divide(table, sample, out=np.zeros_like(table), where=sample > 0)
    return RakeResult(weights, iterations, error < tolerance, error)


def margin_error(table: np.ndarray, targets: list[np.ndarray]) -> float:
    worst = 0.0
    for axis, target in enumerate(targets):
        other = tuple(a for a in range(table.ndim) if a != axis)
        current = table.sum(axis=other)
        mask = target > 0
        if mask.any():
            worst = max(worst, float(np.max(np.abs(current[mask] / target[mask] - 1))))
    return worst


@dataclass
class Estimate:
    """A weighted estimate from sums the database computed."""

    n: int
    value: float | None
    low: float | None = None
    high: float | None = None
    deff: float | None = None
    n_eff: float | None = None
    se: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def margin(self) -> float | None:
        return None if self.low is None or self.high is None else (self.high - self.low) / 2


@dataclass(frozen=True)
class Sums:
    """Σ over respondents of 1, w, w², wx, wx², w·[x ≥ threshold]."""

    n: int
    sw: float
    sw2: float
    swx: float
    swx2: float
    sw_hit: float


def estimate_mean(s: Sums) -> Estimate:
    if s.n == 0 or s.sw <= 0:
        return Estimate(n=s.n, value=None)
    mean = s.swx / s.sw
    deff = s.n * s.sw2 / (s.sw * s.sw)
    n_eff = s.n / deff
    if s.n < 2:
        return Estimate(n=s.n, value=mean, deff=deff, n_eff=n_eff)
    variance = max(0.0, s.swx2 / s.sw - mean * mean) * s.n / (s.n - 1)
    se = sqrt(variance / n_eff)
    return Estimate(s.n, mean, mean - Z95 * se, mean + Z95 * se, deff, n_eff, se)


def estimate_share(s: Sums) -> Estimate:
    if s.n == 0 or s.sw <= 0:
        return Estimate(n=s.n, value=None)
    p = s.sw_hit / s.sw
    deff = s.n * s.sw2 / (s.sw * s.sw)
    n_eff = s.n / deff
    se = sqrt(max(0.0, p * (1 - p)) / n_eff)
    return Estimate(s.n, p, max(0.0, p - Z95 * se), min(1.0, p + Z95 * se), deff, n_eff, se)


def bootstrap_mean_ci(
    values: np.ndarray, weights: np.ndarray, *, replicates: int = 500, seed: int = 0
) -> tuple[float, float]:
    """Percentile 95% CI of the weighted mean, resampling respondents with replacement."""
    rng = np.random.default_rng(seed)
    n = len(values)
    means = np.empty(replicates)
    for b in range(replicates):
        pick = rng.integers(0, n, size=n)
        w = weights[pick]
        means[b] = float(np.dot(w, values[pick]) / w.sum())
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)
