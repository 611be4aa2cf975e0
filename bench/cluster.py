"""The several-machines set-up from start to ready (issue 14: under 60 s).

    .venv/bin/python bench/cluster.py            # three starts, the median
    .venv/bin/python bench/cluster.py --quick    # one start

Runs ``deploy/cluster.py up`` (nginx, two app servers, a worker and the scheduler against
PostgreSQL and Redis on this machine) until ``/readyz`` answers 200 through nginx, then
``down``. The template database is built first if it is missing (a one-off, like a city's
first ``migrate``), outside the measured time. Prints
``BENCH cluster_ready_seconds <v> s`` (database copied, processes started, ready) and
``BENCH cluster_processes_ready_seconds <v> s`` (the processes alone).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "deploy" / "cluster.py"
STATE = Path(os.environ.get("SHEQU_CLUSTER_DIR", REPO / "var" / "cluster"))


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def cluster(command: str) -> None:
    subprocess.run(
        [sys.executable, str(CLUSTER), command], check=True, cwd=REPO, stdout=subprocess.DEVNULL
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    # A warm-up start builds the template database if a migration changed (not measured).
    cluster("up")
    cluster("down")
    totals: list[float] = []
    starts: list[float] = []
    for _ in range(1 if args.quick else 3):
        began = time.monotonic()
        try:
            cluster("up")
            totals.append(time.monotonic() - began)
            starts.append(json.loads((STATE / "cluster.json").read_text())["seconds"]["start"])
        finally:
            cluster("down")
    bench("cluster_ready_seconds", statistics.median(totals), "s")
    bench("cluster_processes_ready_seconds", statistics.median(starts), "s")


if __name__ == "__main__":
    main()
