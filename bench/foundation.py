"""Foundation benchmarks: seeding 1,000,000 residents, the console resident list, division search.

    .venv/bin/python bench/foundation.py            # 1,000,000 residents (about 1-2 minutes)
    .venv/bin/python bench/foundation.py --quick    # 100,000 residents (under a minute)

Prints one ``BENCH <metric> <value> <unit>`` line per figure. Uses its own SQLite file under
var/bench/ (or DATABASE_URL if given), never the development database.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        check=True,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    residents = 100_000 if args.quick else 1_000_000
    label = f"{residents // 1000}k"

    if "DATABASE_URL" not in os.environ:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (bench_dir / f"foundation.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'foundation.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")

    manage("migrate", "--no-input", "-v", "0")
    manage("load_divisions")
    started = time.perf_counter()
    manage("seed_demo", "--residents", str(residents), "--seed", "7", "--no-progress")
    bench(f"seed_demo_{label}_residents", time.perf_counter() - started, "s")

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.people.demo import NIJIAQIAO, seed_residents
    from shequ.people.models import Resident, User

    seed_residents(5000, seed=11, communities=[(NIJIAQIAO, 1)])
    in_community = Resident.objects.filter(community_id=NIJIAQIAO).count()
    bench("community_residents", in_community, "residents")
    bench("total_residents", Resident.objects.count(), "residents")

    client = Client()
    client.force_login(User.objects.get(username="worker"))
    url = f"/console/residents/?division={NIJIAQIAO}&page="
    pages = (in_community + 49) // 50
    client.get(url + "1")  # warm caches
    timings, query_counts = [], set()
    for i in range(60):
        page = 1 + (i * 7) % pages
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            response = client.get(url + str(page))
            timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
        query_counts.add(len(queries))
    bench("console_resident_list_median", statistics.median(timings), "ms")
    bench("console_resident_list_p95", percentile(timings, 0.95), "ms")
    bench("console_resident_list_queries_distinct_counts", len(query_counts), "count")
    bench("console_resident_list_queries", max(query_counts), "queries")

    for username in ("committee", "district"):
        staff = Client()
        staff.force_login(User.objects.get(username=username))
        staff.get("/console/")
        timings = []
        for _ in range(10):
            t = time.perf_counter()
            assert staff.get("/console/").status_code == 200
            timings.append((time.perf_counter() - t) * 1000)
        bench(f"console_home_{username}_median", statistics.median(timings), "ms")

    anonymous = Client()
    terms = [
        "倪家桥",
        "玉林",
        "武侯",
        "5101070",
        "510104017001",
        "桂溪",
        "青杠",
        "村",
        "社区",
        "高新",
        "新都",
        "简阳",
        "石羊",
        "芳草",
        "水井坊",
        "锦江",
    ]
    anonymous.get("/api/v1/divisions/search?q=玉林")
    timings = []
    for i in range(400):
        t = time.perf_counter()
        response = anonymous.get("/api/v1/divisions/search", {"q": terms[i % len(terms)]})
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    bench("division_search_api_median", statistics.median(timings), "ms")
    bench("division_search_api_p95", percentile(timings, 0.95), "ms")


if __name__ == "__main__":
    main()
