"""Funds benchmarks: allocation of every community, posting transactions, concurrent commits,
and the fund page / district report over a large ledger.

    .venv/bin/python bench/funds.py --quick   # 100,000 extra postings (under a minute)
    .venv/bin/python bench/funds.py           # 1,000,000 extra postings

Prints ``BENCH <metric> <value> <unit>``. Uses its own SQLite file under var/bench/ unless
DATABASE_URL is set (use PostgreSQL for a real concurrency figure).
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
YEAR = 2026


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        check=True,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    extra_postings = 100_000 if args.quick else 1_000_000
    if "DATABASE_URL" not in os.environ:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (bench_dir / f"funds.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'funds.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    manage("migrate", "--no-input", "-v", "0")
    manage("load_divisions")
    manage("seed_demo", "--residents", "0", "--no-progress")

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from shequ.funds.management.commands.seed_funds import FORMULA
    from shequ.funds.models import Account, LedgerTransaction, Posting
    from shequ.funds.services import allocation, decisions, spending
    from shequ.people.demo import NIJIAQIAO, WUHOU
    from shequ.people.models import User
    from shequ.places.models import Division

    committee = User.objects.get(username="committee")
    worker = User.objects.get(username="worker")
    for code in Division.objects.filter(level="district").values_list("code", flat=True):
        allocation.formula_save(actor=committee, year=YEAR, district_code=code, data=FORMULA)
    allocation.incentive_pool_save(
        actor=committee, year=YEAR, amount="100000000", method="proportional"
    )
    started = time.perf_counter()
    rows = allocation.allocation_preview(actor=committee, year=YEAR)
    bench("allocation_preview_all_communities", time.perf_counter() - started, "s")
    started = time.perf_counter()
    allocation.allocation_post(actor=committee, year=YEAR)
    bench("allocation_post_all_communities", time.perf_counter() - started, "s")
    bench("communities_allocated", sum(r.communities for r in rows), "count")

    # Posting N transactions: commitments with a council decision each, then releases.
    n = 200 if args.quick else 1000
    # The decision counts its members from the demo council register.
    from shequ.participation.management.commands.seed_participation import ensure_demo_council

    _council, members = ensure_demo_council(worker, User.objects.get(username="resident"))
    decision = decisions.approval_record_create(
        actor=worker,
        community_code=NIJIAQIAO,
        subject="bench",
        amount="100000000",
        meeting_date=django.utils.timezone.localdate(),
        members_present=len(members),
        votes_for=len(members),
        votes_against=0,
        votes_abstain=0,
    )
    started = time.perf_counter()
    for _ in range(n):
        spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=decision.pk,
            track="security",
            year=YEAR,
            project="bench",
            category="services",
            supplier="s",
            amount="1.00",
        )
    elapsed = time.perf_counter() - started
    bench("commitments_posted_per_s", n / elapsed, "tx/s")

    # 100 concurrent commitments whose total exceeds what the fund holds.
    fund = Account.objects.get(kind="fund", division_id=NIJIAQIAO, track="security", year=YEAR)
    attempts = 100
    each = (fund.balance / 60).quantize(Decimal("0.01"))
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            spending.commitment_create(
                actor=worker,
                community_code=NIJIAQIAO,
                approval_id=decision.pk,
                track="security",
                year=YEAR,
                project="race",
                category="services",
                supplier="s",
                amount=str(each),
            )
            result = "ok"
        except Exception as error:
            result = getattr(error, "code", type(error).__name__)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    fund.refresh_from_db()
    bench("concurrent_commitments_succeeded", outcomes.count("ok"), "of_100")
    bench("concurrent_commitments_throughput", attempts / elapsed, "attempts/s")
    bench("fund_balance_after_race_negative", int(fund.balance < 0), "bool")
    print(f"# {connection.vendor}: outcomes {sorted(set(outcomes))}", flush=True)

    # Grow the ledger with synthetic balanced allocation-style postings in other communities.
    accounts = list(Account.objects.filter(kind="fund").values_list("id", flat=True)[:2000])
    pool = Account.objects.get(kind="city_pool", track="incentive", year=YEAR)
    started = time.perf_counter()
    per_txn = 100
    batch: list[Posting] = []
    for i in range(extra_postings // per_txn):
        entry = LedgerTransaction(kind="allocation", division_id=WUHOU, year=YEAR, memo="bench")
        entry.save()
        legs = [accounts[(i * per_txn + j) % len(accounts)] for j in range(per_txn - 1)]
        batch.extend(Posting(transaction=entry, account_id=a, amount=Decimal("0.01")) for a in legs)
        batch.append(
            Posting(transaction=entry, account_id=pool.pk, amount=Decimal("-0.01") * len(legs))
        )
        if len(batch) >= 20000:
            Posting.objects.bulk_create(batch)
            batch = []
    Posting.objects.bulk_create(batch)
    bench("synthetic_postings_inserted", Posting.objects.count(), "postings")
    bench("synthetic_postings_insert_time", time.perf_counter() - started, "s")

    client = Client()
    client.get(f"/funds/{NIJIAQIAO}/")
    times = []
    for _ in range(10):
        started = time.perf_counter()
        assert client.get(f"/funds/{NIJIAQIAO}/").status_code == 200
        times.append(time.perf_counter() - started)
    bench("public_fund_page_median", sorted(times)[5] * 1000, "ms")
    client.force_login(User.objects.get(username="district"))
    times = []
    for _ in range(10):
        started = time.perf_counter()
        response = client.get(f"/console/funds/report/?year={YEAR}&division={WUHOU}")
        assert response.status_code == 200
        times.append(time.perf_counter() - started)
    bench("district_report_median", sorted(times)[5] * 1000, "ms")


if __name__ == "__main__":
    main()
