"""The Method of Equal Shares with its completion, on city-sized rounds (issue #22).

    .venv/bin/python bench/participation_mes.py            # 12,021 × 118 and 150,000 × 250
    .venv/bin/python bench/participation_mes.py --quick    # 12,021 × 118 only
    .venv/bin/python bench/participation_mes.py --baseline 3cb18b6   # also time that commit's


Seeded synthetic rounds shaped like real city elections: projects of uneven popularity and
cost (a few large, many small), 1 to 15 approvals per ballot, a budget that buys about a
third of the projects' total cost. Counting is in memory (the plain function the results page
uses). Prints ``BENCH <metric> <value> <unit>`` lines, with the completion step reached and
the share of the budget spent. Each count is timed ``--repeat`` times (the machine is shared:
the best run is printed). ``--baseline REF`` also times tally.py as it was at git commit REF
(``BENCH ..._baseline`` lines) and checks it elects the same projects.
"""

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

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


def baseline_module(ref: str) -> ModuleType:
    """tally.py as it was at commit ``ref``, loaded as a separate module."""
    source = subprocess.run(
        ["git", "show", f"{ref}:src/shequ/participation/tally.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "tally_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("tally_baseline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_time(
    count: Callable[..., Any],
    costs: dict[int, int],
    ballots: list[set[int]],
    budget: int,
    repeat: int,
) -> tuple[float, Any]:
    best, outcome = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        outcome = count(costs, ballots, budget)
        best = min(best, time.perf_counter() - start)
    return best, outcome


def measure(voters: int, projects: int, repeat: int, baseline: ModuleType | None) -> None:
    from shequ.participation import tally

    costs, ballots, budget = instance(voters, projects, seed=voters + projects)
    elapsed, outcome = best_time(tally.equal_shares, costs, ballots, budget, repeat)
    name = f"{voters}x{projects}"
    completion = next(s for s in outcome.steps if s.action == "completion")
    bench(f"mes_completed_{name}", elapsed, "s")
    bench(f"mes_completion_step_{name}", completion.votes, "steps")
    bench(f"mes_spent_share_{name}", outcome.spent / budget, "ratio")
    if baseline is not None:
        before, old = best_time(baseline.equal_shares, costs, ballots, budget, repeat)
        assert old.winners == outcome.winners, "the baseline elects other projects"
        bench(f"mes_completed_{name}_baseline", before, "s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REF", help="also time tally.py at this commit")
    options = parser.parse_args()
    baseline = baseline_module(options.baseline) if options.baseline else None
    measure(12_021, 118, options.repeat, baseline)
    if not options.quick:
        measure(150_000, 250, options.repeat, baseline)


if __name__ == "__main__":
    main()
