"""Indicators benchmark: the method core at city scale (3,047 communities × 100 indicators).

    .venv/bin/python bench/indicators.py            # 1,000 Monte Carlo draws
    .venv/bin/python bench/indicators.py --quick    # 200 draws

Prints ``BENCH <metric> <value> <unit>``: the deterministic evaluation (winsorise, impute,
normalise, aggregate, rank), the seeded Monte Carlo rank intervals, and the same
normalisation + aggregation done row by row the straightforward way (pandas when installed,
else plain Python) for comparison, with the largest difference between the two.
The database part (values computed from a seeded city's records) is not in this script yet.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from shequ.indicators import method  # noqa: E402

UNITS, INDICATORS, STREETS, DISTRICTS = 3047, 100, 261, 20


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def problem(seed: int = 1) -> method.Problem:
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 20.0, size=(UNITS, INDICATORS))
    values[rng.random(values.shape) < 0.05] = np.nan
    streets = np.sort(rng.integers(0, STREETS, size=UNITS))
    districts = streets * DISTRICTS // STREETS
    classes = rng.integers(0, 2, size=UNITS)
    weights = rng.uniform(0.5, 1.5, size=INDICATORS)
    return method.Problem(
        values=values,
        weights=weights / weights.sum(),
        higher=rng.random(INDICATORS) < 0.8,
        targets=np.nanmedian(values, axis=0),
        policies=["peer_mean"] * INDICATORS,
        streets=streets,
        districts=districts,
        peer_groups=streets * 2 + classes,
        city_groups=classes,
    )


def straightforward(values: np.ndarray, higher: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Min–max and weighted arithmetic mean, the obvious way."""
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        frame = pd.DataFrame(values)
        scaled = (frame - frame.min()) / (frame.max() - frame.min())
        scaled.loc[:, ~higher] = 1 - scaled.loc[:, ~higher]
        scaled *= 100
        present = scaled.notna().astype(float)
        return (
            (scaled.fillna(0) * weights).sum(axis=1) / (present * weights).sum(axis=1)
        ).to_numpy()
    lows = [np.nanmin(values[:, k]) for k in range(values.shape[1])]
    highs = [np.nanmax(values[:, k]) for k in range(values.shape[1])]
    out = []
    for row in values:
        total = weight = 0.0
        for k, x in enumerate(row):
            if np.isnan(x):
                continue
            s = (x - lows[k]) / (highs[k] - lows[k])
            s = s if higher[k] else 1 - s
            total += weights[k] * s * 100
            weight += weights[k]
        out.append(total / weight)
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    draws = 200 if args.quick else 1000
    data = problem()
    started = time.perf_counter()
    outcome = method.evaluate(data)
    bench("indicators_evaluate_3047x100", time.perf_counter() - started, "s")
    started = time.perf_counter()
    uncertainty = method.monte_carlo(data, outcome, draws=draws, seed=7, weight_range=0.25)
    bench(f"indicators_monte_carlo_{draws}_draws_3047x100", time.perf_counter() - started, "s")
    _median, low, high = uncertainty.interval(uncertainty.city_ranks, outcome.city_rank)
    ok = outcome.eligible
    bench(
        "indicators_interval_holds_published_rank",
        float(((low[ok] <= outcome.city_rank[ok]) & (outcome.city_rank[ok] <= high[ok])).mean()),
        "share",
    )
    raw = data.values
    targets = np.broadcast_to(data.targets, raw.shape)
    started = time.perf_counter()
    core = method.aggregate(
        method.normalise(raw, "minmax", data.higher, targets), data.weights, "arithmetic"
    )
    bench("indicators_core_minmax_aggregate", time.perf_counter() - started, "s")
    started = time.perf_counter()
    plain = straightforward(raw, data.higher, data.weights)
    try:
        import pandas  # noqa: F401

        label = "pandas"
    except ImportError:
        label = "python"
    bench(f"indicators_{label}_minmax_aggregate", time.perf_counter() - started, "s")
    bench(
        "indicators_core_vs_straightforward_max_diff",
        float(np.nanmax(np.abs(core - plain))),
        "points",
    )


if __name__ == "__main__":
    main()
