"""Social organisations at city scale: eligibility of a 50,000-organisation registry against a
call, normalised ranking of 2,000 applications × 5 reviewers, and the recusal check of one
expert against the registry graph.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_civil_bench \
        .venv/bin/python bench/civil.py [--quick]

A throw-away test database (``test_<name>``) is created and dropped. Prints
``BENCH <metric> <value> <unit>`` lines. Seeded, so runs compare.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(organisations=5_000 if args.quick else 50_000, repeats=5 if args.quick else 20)
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


def run(organisations: int, repeats: int) -> None:
    from django.utils import timezone

    from shequ.civil import selectors
    from shequ.civil.models import (
        Application,
        Call,
        Engagement,
        Expert,
        Inspection,
        Kind,
        Membership,
        Organisation,
        Rating,
        Review,
    )
    from shequ.civil.ranking import rank
    from shequ.people.models import User
    from shequ.places.services import divisions_load

    rng = random.Random(18)
    divisions_load()
    kinds = list(Kind.values)
    started = time.perf_counter()
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"组织{i}",
                credit_code=None,
                kind=rng.choice(kinds),
                authority_id="510107000000",
                legal_rep_name="张三",
            )
            for i in range(organisations)
        ],
        batch_size=5000,
    )
    ids = list(Organisation.objects.values_list("pk", flat=True))
    Rating.objects.bulk_create(
        [
            Rating(
                organisation_id=pk,
                grade=rng.randint(1, 5),
                year=2022,
                expires_on=date(2027, 12, 31) if rng.random() < 0.8 else date(2024, 12, 31),
            )
            for pk in ids
            if rng.random() < 0.6
        ],
        batch_size=5000,
    )
    Inspection.objects.bulk_create(
        [
            Inspection(organisation_id=pk, year=2025, result=rng.choice(["passed", "failed"]))
            for pk in ids
        ],
        batch_size=5000,
    )
    # One or two communities served per organisation, anywhere in the city.
    from shequ.places.models import Division

    communities = list(
        Division.objects.filter(level=Division.Level.COMMUNITY).values_list("code", flat=True)
    )
    through = Organisation.service_areas.through
    through.objects.bulk_create(
        [
            through(organisation_id=pk, division_id=code)
            for pk in ids
            for code in {rng.choice(communities) for _ in range(rng.randint(1, 2))}
        ],
        batch_size=5000,
    )
    users = User.objects.bulk_create(
        [User(username=f"u{i}") for i in range(2_000)], batch_size=2000
    )
    Membership.objects.bulk_create(
        [
            Membership(
                organisation_id=rng.choice(ids),
                user=rng.choice(users),
                role=rng.choice(["staff", "admin", "founder"]),
            )
            for _ in range(organisations)
        ],
        batch_size=5000,
    )
    bench("civil_seed_seconds", time.perf_counter() - started, "s")
    now = timezone.now()
    call = Call.objects.create(
        title="bench",
        kind="purchase",
        division_id="510107000000",
        field="elderly",
        budget=Decimal("1000000"),
        max_award=Decimal("100000"),
        year=2026,
        opens_at=now.replace(year=2026, month=3, day=1),
        closes_at=now.replace(year=2026, month=3, day=31),
        eligible_kinds=kinds[:3],
        min_grade=3,
    )

    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        eligible = selectors.eligible_ids(call)
        times.append(time.perf_counter() - t)
    bench("civil_eligibility_50k_median", statistics.median(times) * 1000, "ms")
    bench("civil_eligible_count", len(eligible), "orgs")
    # The same call restricted to a street (玉林街道): the service-area rule on top.
    call.area_id = "510107005000"
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        in_area = selectors.eligible_ids(call)
        times.append(time.perf_counter() - t)
    bench("civil_eligibility_area_50k_median", statistics.median(times) * 1000, "ms")
    bench("civil_eligible_in_area_count", len(in_area), "orgs")
    call.area_id = None

    pool = Expert.objects.bulk_create(
        [Expert(user=user, display_name=f"专家{i}") for i, user in enumerate(users)],
        batch_size=2000,
    )
    experts = pool[:5]
    # Three recorded engagements per expert (employed, founder, paid; some through the
    # expert's own organisation): recusal reads them beside the memberships.
    Engagement.objects.bulk_create(
        [
            Engagement(
                expert=expert,
                organisation_id=rng.choice(ids),
                kind=rng.choice(["employed", "founder", "paid"]),
                started_on=date(2018, 1, 1),
                ended_on=None if rng.random() < 0.3 else date(2024, 6, 30),
            )
            for expert in pool
            for _ in range(3)
        ],
        batch_size=5000,
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                call=call,
                organisation_id=ids[i],
                title=f"项目{i}",
                summary="-",
                amount=Decimal("50000"),
                status="submitted",
            )
            for i in range(2_000)
        ],
        batch_size=2000,
    )
    Review.objects.bulk_create(
        [
            Review(
                application=a,
                expert=e,
                status="scored",
                total=Decimal(rng.randint(4000, 9500)) / 100,
            )
            for a in applications
            for e in experts
        ],
        batch_size=5000,
    )
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        ranking = selectors.call_ranking(call.pk)
        times.append(time.perf_counter() - t)
    assert len(ranking) == 2_000
    bench("civil_ranking_2000x5_median", statistics.median(times) * 1000, "ms")
    t = time.perf_counter()
    rank(
        (a.pk, e.pk, Decimal(rng.randint(4000, 9500)) / 100) for a in applications for e in experts
    )
    bench("civil_normalise_only_2000x5", (time.perf_counter() - t) * 1000, "ms")

    since = timezone.localdate() - timedelta(days=3 * 365)
    times = []
    for i in range(max(repeats * 10, 100)):
        user = users[i % len(users)]
        t = time.perf_counter()
        selectors.expert_links([user.pk], ids, since=since)
        times.append(time.perf_counter() - t)
    times.sort()
    bench("civil_recusal_check_p95", times[int(len(times) * 0.95) - 1] * 1000, "ms")


if __name__ == "__main__":
    main()
