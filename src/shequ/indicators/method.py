"""The composite-indicator method (JRC/OECD Handbook), on numpy arrays; no Django here.

Rows are units (communities), columns are indicators. Every step is a plain function so the
tests can check it against hand-computed examples:

- ``winsorise``: pull values beyond the given share of each tail in to that quantile;
- ``impute``: a missing value becomes the mean of the unit's street peers (else district,
  else city) or stays missing, per indicator;
- ``normalise``: min–max, z-score (as 50 + 10 z) or distance to target, all on 0–100 where
  100 is best, turned round for "lower is better";
- ``aggregate``: weighted arithmetic or geometric mean over the indicators a unit has;
- ``ranks_within``: competition ranks (1 = best) inside groups of peers;
- ``monte_carlo``: draws over the choices (weights within a range, normalisation,
  imputation, aggregation) giving each unit's median rank and 90 % interval, and how much
  each choice alone moves the ranks.
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

Matrix = NDArray[np.float64]


@contextmanager
def _nan_quiet() -> Iterator[None]:
    """An indicator with no value anywhere gives an all-NaN column: its NaN results are
    meant, not a fault, so numpy's warnings about them are silenced where they are taken."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


NORMALISATIONS = ("target", "minmax", "zscore")
AGGREGATIONS = ("arithmetic", "geometric")
IMPUTATIONS = ("declared", "exclude")
CHOICES = ("weights", "normalisation", "imputation", "aggregation")
# A geometric mean needs positive numbers: normalised scores below this count as this.
GEOMETRIC_FLOOR = 1.0


def winsorise(matrix: Matrix, share: float) -> Matrix:
    """Each column's values beyond the ``share`` quantiles (both tails) are set to them."""
    out = matrix.copy()
    if share <= 0:
        return out
    for k in range(out.shape[1]):
        column = out[:, k]
        present = ~np.isnan(column)
        if present.sum() < 3:
            continue
        low, high = np.quantile(column[present], [share, 1 - share])
        column[present] = np.clip(column[present], low, high)
    return out


def _group_means(column: Matrix, groups: NDArray[np.int64]) -> Matrix:
    """The mean of the present values of each unit's group (NaN where the group has none)."""
    present = ~np.isnan(column)
    size = int(groups.max()) + 1 if groups.size else 0
    sums = np.bincount(groups[present], weights=column[present], minlength=size)
    counts = np.bincount(groups[present], minlength=size)
    with _nan_quiet():
        means = sums / counts
    return means[groups]


def impute(
    matrix: Matrix,
    policies: Sequence[str],
    streets: NDArray[np.int64],
    districts: NDArray[np.int64],
) -> Matrix:
    """Fill missing values of columns whose policy is ``peer_mean``: the mean of the same
    street's units, else of the district's, else of all; other columns stay missing."""
    out = matrix.copy()
    for k, policy in enumerate(policies):
        if policy != "peer_mean":
            continue
        original = matrix[:, k]
        column = out[:, k]
        missing = np.isnan(column)
        if not missing.any() or missing.all():
            continue
        # Means of the values actually observed, never of values filled in a step before.
        for groups in (streets, districts):
            fill = _group_means(original, groups)
            use = missing & ~np.isnan(fill)
            column[use] = fill[use]
            missing = np.isnan(column)
        column[missing] = np.nanmean(original)
    return out


def normalise(matrix: Matrix, method: str, higher: NDArray[np.bool_], targets: Matrix) -> Matrix:
    """Scores on 0–100 (z-score: 50 + 10 z), 100 best; NaN stays NaN."""
    with _nan_quiet():
        if method == "minmax":
            low = np.nanmin(matrix, axis=0)
            high = np.nanmax(matrix, axis=0)
            span = high - low
            scaled = np.where(span > 0, (matrix - low) / np.where(span > 0, span, 1), 1.0)
            scaled = np.where(higher, scaled, 1 - scaled) * 100
            return np.where(np.isnan(matrix), np.nan, np.where(span > 0, scaled, 100.0))
        if method == "zscore":
            mean = np.nanmean(matrix, axis=0)
            std = np.nanstd(matrix, axis=0)
            z = np.where(std > 0, (matrix - mean) / np.where(std > 0, std, 1), 0.0)
            z = np.where(higher, z, -z)
            return np.where(np.isnan(matrix), np.nan, 50 + 10 * z)
        if method == "target":
            up = np.where(targets > 0, matrix / np.where(targets > 0, targets, 1), 1.0)
            down = np.where(matrix > 0, targets / np.where(matrix > 0, matrix, 1), 1.0)
            ratio = np.where(higher, up, down)
            ratio = np.clip(ratio, 0, 1) * 100
            return np.where(np.isnan(matrix), np.nan, ratio)
    raise ValueError(method)


def attainment(matrix: Matrix, higher: NDArray[np.bool_], targets: Matrix) -> NDArray[np.bool_]:
    """True where a value meets its target (达标) in the indicator's direction."""
    with _nan_quiet():
        met = np.where(higher, matrix >= targets, matrix <= targets)
    return met & ~np.isnan(matrix)


def aggregate(scores: Matrix, weights: Matrix, method: str) -> Matrix:
    """Weighted mean of each row over its present (non-NaN) scores; the weights of the
    missing ones are spread over the rest. ``weights`` is (K,) or (K, D) for D draws."""
    present = ~np.isnan(scores)
    filled = np.where(present, scores, 0.0)
    mask = present.astype(np.float64)
    with _nan_quiet():
        total = mask @ weights
        if method == "geometric":
            logs = np.where(present, np.log(np.maximum(filled, GEOMETRIC_FLOOR)), 0.0)
            result = np.exp((logs @ weights) / total)
        else:
            result = (filled @ weights) / total
    return np.where(total > 0, result, np.nan)


def ranks_within(scores: Matrix, groups: NDArray[np.int64], eligible: NDArray[np.bool_]) -> Matrix:
    """Competition ranks (1 = best, ties share the better rank) within each group, for
    eligible rows; NaN elsewhere. ``scores`` is (N,) or (N, D)."""
    single = scores.ndim == 1
    values = scores[:, None] if single else scores
    ranks = np.full(values.shape, np.nan)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    bounds = np.flatnonzero(np.diff(sorted_groups)) + 1
    for members in np.split(order, bounds):
        members = members[eligible[members]]
        if members.size == 0:
            continue
        block = values[members]
        # rank = 1 + how many peers score strictly better (NaN never counts as better):
        # "min" ranks of the negated scores, NaN sorted last.
        negated = np.where(np.isnan(block), np.inf, -block)
        ranked = rankdata(negated, method="min", axis=0)
        ranks[members] = np.where(np.isnan(block), np.nan, ranked)
    return ranks[:, 0] if single else ranks


@dataclass
class Problem:
    """One year's data for one tree: raw values and what the tree declares."""

    values: Matrix  # N × K raw values (NaN = missing)
    weights: Matrix  # K effective weights (sum to 1 over the tree)
    higher: NDArray[np.bool_]  # K
    targets: Matrix  # K
    policies: list[str]  # K missing-data policies
    streets: NDArray[np.int64]  # N street index of each unit
    districts: NDArray[np.int64]  # N district index of each unit
    peer_groups: NDArray[np.int64]  # N ranking group among peers
    city_groups: NDArray[np.int64]  # N ranking group in the city (class)
    normalisation: str = "target"
    aggregation: str = "arithmetic"
    winsor_share: float = 0.025
    min_data_share: float = 0.6


@dataclass
class Outcome:
    raw: Matrix
    filled: Matrix
    normalised: Matrix
    met: NDArray[np.bool_]
    measured: NDArray[np.int64]
    eligible: NDArray[np.bool_]
    score: Matrix
    rank: Matrix
    city_rank: Matrix
    extra: dict[str, object] = field(default_factory=dict)


def prepare(problem: Problem, imputation: str = "declared") -> Matrix:
    """Winsorised and imputed values (``exclude``: nothing imputed)."""
    values = winsorise(problem.values, problem.winsor_share)
    if imputation == "exclude":
        return values
    return impute(values, problem.policies, problem.streets, problem.districts)


def evaluate(problem: Problem) -> Outcome:
    """The deterministic result under the declared choices."""
    filled = prepare(problem)
    targets = np.broadcast_to(problem.targets, filled.shape)
    normalised = normalise(filled, problem.normalisation, problem.higher, targets)
    # A declared "none" (no imputation) scores a missing value as 0.
    for k, policy in enumerate(problem.policies):
        if policy == "none":
            normalised[np.isnan(normalised[:, k]), k] = 0.0
    measured = (~np.isnan(problem.values)).sum(axis=1)
    eligible = measured >= np.ceil(problem.min_data_share * problem.values.shape[1] - 1e-9)
    score = aggregate(normalised, problem.weights, problem.aggregation)
    eligible &= ~np.isnan(score)
    return Outcome(
        raw=problem.values,
        filled=filled,
        normalised=normalised,
        met=attainment(problem.values, problem.higher, targets),
        measured=measured,
        eligible=eligible,
        score=score,
        rank=ranks_within(score, problem.peer_groups, eligible),
        city_rank=ranks_within(score, problem.city_groups, eligible),
    )


@dataclass
class Uncertainty:
    peer_ranks: Matrix  # N × D
    city_ranks: Matrix  # N × D
    scores: Matrix  # N × D
    shift_by_choice: dict[str, Matrix]  # choice → N mean |rank shift| when only it varies

    def interval(self, ranks: Matrix, deterministic: Matrix) -> tuple[Matrix, Matrix, Matrix]:
        """Median and 90 % interval of each unit's rank, widened to hold the published one."""
        with _nan_quiet():
            present = ~np.isnan(ranks).all(axis=1)
            median = np.full(ranks.shape[0], np.nan)
            low = np.full(ranks.shape[0], np.nan)
            high = np.full(ranks.shape[0], np.nan)
            if present.any():
                rows = ranks[present]
                median[present] = np.median(rows, axis=1)
                low[present] = np.quantile(rows, 0.05, axis=1, method="lower")
                high[present] = np.quantile(rows, 0.95, axis=1, method="higher")
            low = np.fmin(low, deterministic)
            high = np.fmax(high, deterministic)
        return median, low, high


def _draw_scores(
    problem: Problem,
    prepared: dict[str, Matrix],
    choices: dict[str, NDArray[np.int64]],
    weights: Matrix,
) -> Matrix:
    """Scores of every unit for every draw (N × D); draws sharing the discrete choices are
    computed together as one matrix product."""
    n, draws = problem.values.shape[0], weights.shape[1]
    scores = np.full((n, draws), np.nan)
    cache: dict[tuple[int, int], Matrix] = {}
    keys = np.stack([choices["imputation"], choices["normalisation"], choices["aggregation"]])
    for combo in {tuple(int(v) for v in keys[:, d]) for d in range(draws)}:
        i, m, a = combo
        columns = np.flatnonzero((keys[0] == i) & (keys[1] == m) & (keys[2] == a))
        if (i, m) not in cache:
            targets = np.broadcast_to(problem.targets, problem.values.shape)
            cache[(i, m)] = normalise(
                prepared[IMPUTATIONS[i]], NORMALISATIONS[m], problem.higher, targets
            )
        scores[:, columns] = aggregate(cache[(i, m)], weights[:, columns], AGGREGATIONS[a])
    return scores


def _choices(
    problem: Problem, draws: int, rng: np.random.Generator, vary: set[str]
) -> dict[str, NDArray[np.int64]]:
    declared = {
        "normalisation": NORMALISATIONS.index(problem.normalisation),
        "aggregation": AGGREGATIONS.index(problem.aggregation),
        "imputation": 0,
    }
    options = {"normalisation": 3, "aggregation": 2, "imputation": 2}
    choices = {
        name: (
            rng.integers(0, options[name], size=draws)
            if name in vary
            else np.full(draws, declared[name], dtype=np.int64)
        )
        for name in options
    }
    return choices


def monte_carlo(
    problem: Problem, outcome: Outcome, *, draws: int, seed: int, weight_range: float
) -> Uncertainty:
    """Ranks under ``draws`` random combinations of the choices (seeded, reproducible), then
    under each choice alone, to tell which choice moves each unit's rank most."""
    rng = np.random.default_rng(seed)
    prepared = {name: prepare(problem, name) for name in IMPUTATIONS}
    k = problem.values.shape[1]

    def weights_for(vary: bool) -> Matrix:
        if not vary or weight_range <= 0:
            return np.repeat(problem.weights[:, None], draws, axis=1)
        factors = rng.uniform(1 - weight_range, 1 + weight_range, size=(k, draws))
        drawn = problem.weights[:, None] * factors
        return drawn / drawn.sum(axis=0, keepdims=True)

    def run(vary: set[str]) -> tuple[Matrix, Matrix, Matrix]:
        choices = _choices(problem, draws, rng, vary)
        weights = weights_for("weights" in vary)
        scores = _draw_scores(problem, prepared, choices, weights)
        peer = ranks_within(scores, problem.peer_groups, outcome.eligible)
        city = ranks_within(scores, problem.city_groups, outcome.eligible)
        return scores, peer, city

    scores, peer, city = run(set(CHOICES))
    shifts: dict[str, Matrix] = {}
    sensitivity_draws = max(20, draws // 10)
    for choice in CHOICES:
        saved = draws
        draws = sensitivity_draws
        _, _, alone = run({choice})
        draws = saved
        with _nan_quiet():
            shifts[choice] = np.nanmean(np.abs(alone - outcome.city_rank[:, None]), axis=1)
    return Uncertainty(peer_ranks=peer, city_ranks=city, scores=scores, shift_by_choice=shifts)


def correlations(values: Matrix) -> Matrix:
    """Pearson correlations between indicators over units that have both (NaN if < 3)."""
    k = values.shape[1]
    out = np.full((k, k), np.nan)
    for a in range(k):
        for b in range(a, k):
            both = ~np.isnan(values[:, a]) & ~np.isnan(values[:, b])
            if both.sum() < 3:
                continue
            x, y = values[both, a], values[both, b]
            if x.std() == 0 or y.std() == 0:
                continue
            out[a, b] = out[b, a] = float(np.corrcoef(x, y)[0, 1])
    return out


def index_groups(keys: Sequence[str]) -> NDArray[np.int64]:
    """Consecutive group numbers for keys (equal keys, equal numbers)."""
    lookup: dict[str, int] = {}
    return np.array([lookup.setdefault(k, len(lookup)) for k in keys], dtype=np.int64)
