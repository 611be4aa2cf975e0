"""The Method of Equal Shares with its completion, on city-sized rounds (issue #22).

    .venv/bin/python bench/participation_mes.py            # 12,021 × 118 and 150,000 × 250
    .venv/bin/python bench/participation_mes.py --quick    # 12,021 × 118 only

Seeded synthetic rounds shaped like real city elections: projects of uneven popularity and
cost (a few large, many small), 1 to 15 approvals per ballot, a budget that buys about a
third of the projects' total cost. Counting is in memory (the plain function the results page
uses). Prints ``BENCH <metric> <value> <unit>`` lines, with the completion step reached and
the share of the budget spent.
"""

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def instance(voters: int, projects: int, seed: int) -> tuple[dict[int, int], list[set[int]], int]:
    rng = random.Random(seed)
    costs = {
        p: int(rng.lognormvariate(12.0, 0.9)) // 1000 * 1000 + 5000 for p in range(1, projects + 1)
    }
    ids = list(costs)
    popularity = [rng.paretovariate(1.5) for _ in ids]
    ballots = []
    for _ in range(voters):
        size = min(15, max(1, int(rng.expovariate(1 / 5)) + 1))
        ballots.append(set(rng.choices(ids, weights=popularity, k=size)))
    budget = sum(costs.values()) // 3
    return costs, ballots, budget


def measure(voters: int, projects: int) -> None:
    from shequ.participation import tally

    costs, ballots, budget = instance(voters, projects, seed=voters + projects)
    start = time.perf_counter()
    outcome = tally.equal_shares(costs, ballots, budget)
    elapsed = time.perf_counter() - start
    name = f"{voters}x{projects}"
    completion = next(s for s in outcome.steps if s.action == "completion")
    bench(f"mes_completed_{name}", elapsed, "s")
    bench(f"mes_completion_step_{name}", completion.votes, "steps")
    bench(f"mes_spent_share_{name}", outcome.spent / budget, "ratio")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    measure(12_021, 118)
    if not options.quick:
        measure(150_000, 250)


if __name__ == "__main__":
    main()
