"""Participation benchmarks: counting a large round, and the last-minute rush of voters.

    .venv/bin/python bench/participation.py            # 50,000 ballots; 2,000 voters × 100
    .venv/bin/python bench/participation.py --quick    # 50,000 ballots; 400 voters × 100

The tally figures are in memory (the plain functions the results page uses). The voting rush
needs PostgreSQL: set DATABASE_URL=postgres://...; a throw-away test database is created
(``test_<name>``) and dropped afterwards. Prints ``BENCH <metric> <value> <unit>`` lines.
"""

import argparse
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def tally_bench(ballots_n: int) -> None:
    from shequ.participation import tally

    rng = random.Random(1)
    projects = 30
    costs = {p: rng.randint(20, 300) * 1000 for p in range(1, projects + 1)}
    popularity = [rng.random() ** 2 for _ in range(projects)]
    ballots = [
        set(rng.choices(list(costs), weights=popularity, k=rng.randint(1, 5)))
        for _ in range(ballots_n)
    ]
    budget = 2_000_000
    start = time.perf_counter()
    greedy = tally.greedy_by_votes(costs, ballots, budget)
    middle = time.perf_counter()
    mes = tally.equal_shares(costs, ballots, budget)
    end = time.perf_counter()
    bench("tally_ballots", ballots_n, "ballots")
    bench("tally_greedy_seconds", middle - start, "s")
    bench("tally_equal_shares_seconds", end - middle, "s")
    bench("tally_both_seconds", end - start, "s")
    bench("tally_greedy_spent_share", greedy.spent / budget, "ratio")
    bench("tally_mes_spent_share", mes.spent / budget, "ratio")


def rush_bench(voters: int, workers: int) -> None:
    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        print("voting rush skipped: set DATABASE_URL to PostgreSQL", flush=True)
        return
    old = setup_databases(verbosity=0, interactive=False)
    try:
        _rush(voters, workers)
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


def _rush(voters: int, workers: int) -> None:
    from decimal import Decimal

    from django.db import connection
    from tests.participation.conftest import fund_community

    from shequ.core.pii import PIIKind, PIIValue
    from shequ.core.scopes import Role
    from shequ.participation.models import Ballot, RoundVoter
    from shequ.participation.services import ballots, rounds
    from shequ.people.models import Resident, StaffRole, User
    from shequ.places.models import Division

    code = "510107005004"
    chain = [
        ("510100000000", "成都市", "city", None),
        ("510107000000", "武侯区", "district", "510100000000"),
        ("510107005000", "玉林街道", "street", "510107000000"),
        (code, "倪家桥社区", "community", "510107005000"),
    ]
    for pk, name, level, parent in chain:
        Division.objects.get_or_create(
            pk=pk, defaults={"name": name, "short_name": name, "level": level, "parent_id": parent}
        )
    worker = User.objects.create(username="bench_worker")
    StaffRole.objects.create(user=worker, role=Role.COMMUNITY_WORKER, division_id=code)
    users = User.objects.bulk_create([User(username=f"voter{i}") for i in range(voters)])
    Resident.objects.bulk_create(
        [
            Resident(
                user=u,
                real_name=f"居民{i}",
                community_id=code,
                verification_level=1,
                phone=PIIValue(PIIKind.PHONE, plain=f"139{i:08d}"),
            )
            for i, u in enumerate(users)
        ]
    )
    fund_community(code, Decimal("1000000"))
    budget_round = rounds.round_create(
        actor=worker, community_code=code, title="bench", budget="300000"
    )
    ids = []
    for i in range(6):
        project = rounds.project_add(
            actor=worker, round_id=budget_round.pk, title=f"项目{i}", cost=40000 + i * 5000
        )
        rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
        ids.append(project.pk)
    for _ in range(3):
        rounds.round_advance(actor=worker, round_id=budget_round.pk)
    rng = random.Random(3)
    # One in ten voters submits twice at the same moment (double tap).
    jobs = [(u, sorted(rng.sample(ids, 2))) for u in users]
    jobs += [jobs[i] for i in range(0, voters, 10)]
    rng.shuffle(jobs)
    latencies: list[float] = []
    retries: list[int] = []

    def vote(job: tuple[User, list[int]]) -> None:
        user, approvals = job
        began = time.perf_counter()
        try:
            for attempt in range(5):
                try:
                    ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=approvals)
                    break
                except Exception:  # a serialisation failure is retried, and counted
                    retries.append(1)
                    if attempt == 4:
                        raise
        finally:
            latencies.append(time.perf_counter() - began)
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(vote, jobs))
    elapsed = time.perf_counter() - start
    stored = Ballot.objects.filter(round=budget_round).count()
    took_part = RoundVoter.objects.filter(round=budget_round).count()
    bench("rush_voters", voters, "residents")
    bench("rush_concurrency", workers, "threads")
    bench("rush_seconds", elapsed, "s")
    bench("rush_ballots_per_second", len(jobs) / elapsed, "ballots/s")
    bench("rush_p95_latency", sorted(latencies)[int(0.95 * (len(latencies) - 1))], "s")
    bench("rush_retries", len(retries), "attempts")
    bench("rush_ballots_stored", stored, "ballots")
    bench("rush_ballots_lost_or_doubled", abs(stored - voters) + abs(took_part - voters), "ballots")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    tally_bench(50_000)
    rush_bench(400 if options.quick else 2000, 100)


if __name__ == "__main__":
    main()
