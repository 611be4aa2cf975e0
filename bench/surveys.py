"""Survey benchmarks: satisfaction index with CI and per-community breakdown at scale.

    .venv/bin/python bench/surveys.py            # 1,000,000 responses
    .venv/bin/python bench/surveys.py --quick    # 50,000 responses (under a minute)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_surveys_bench .venv/bin/python \
        bench/surveys.py

Prints ``BENCH <metric> <value> <unit>`` lines. Uses its own SQLite file under var/bench/
(or DATABASE_URL), never the development database. Responses are synthetic and are written
straight into the table (scores, weights and places; the index needs nothing else).
"""

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    total = 50_000 if args.quick else 1_000_000
    label = f"{total // 1000}k"
    if "DATABASE_URL" not in os.environ:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (bench_dir / f"surveys.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'surveys.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    manage("migrate", "--no-input", "-v", "0")
    manage("load_divisions")

    import django

    django.setup()
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from shequ.core.scopes import CITY_CODE, Role
    from shequ.people.models import StaffRole, User
    from shequ.places.models import Division
    from shequ.surveys.models import Response, Survey, SurveyVersion
    from shequ.surveys.selectors import survey_results
    from shequ.surveys.statistics import bootstrap_mean_ci

    user, _ = User.objects.get_or_create(username="bench-committee")
    StaffRole.objects.get_or_create(user=user, role=Role.CITY_COMMITTEE, division_id=CITY_CODE)
    Survey.objects.filter(series="bench").delete()
    survey = Survey.objects.create(
        title_zh="bench", series="bench", division_id=CITY_CODE, status="open"
    )
    version = SurveyVersion.objects.create(survey=survey, number=1)
    communities = np.array(
        Division.objects.filter(level="community").values_list("code", flat=True)
    )
    rng = np.random.default_rng(1)
    bands = np.array(["18-34", "35-49", "50-64", "65+"])
    now = timezone.now()
    started = time.perf_counter()
    chunk = 50_000
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        codes = communities[rng.integers(0, len(communities), size=n)]
        scores = np.clip(rng.normal(92, 9, size=n), 0, 100)
        weights = rng.uniform(0.5, 2.0, size=n)
        band = bands[rng.integers(0, 4, size=n)]
        sex = np.where(rng.random(n) < 0.5, "F", "M")
        with transaction.atomic():
            Response.objects.bulk_create(
                (
                    Response(
                        survey=survey,
                        version=version,
                        channel="invitation",
                        status="complete",
                        submitted_at=now,
                        community_code=str(c),
                        street_code=str(c)[:9] + "000",
                        district_code=str(c)[:6] + "000000",
                        age_band=str(b),
                        sex=str(s),
                        score=float(x),
                        weight=float(w),
                    )
                    for c, b, s, x, w in zip(codes, band, sex, scores, weights, strict=True)
                ),
                batch_size=5000,
            )
    bench(f"insert_{label}_responses", time.perf_counter() - started, "s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE surveys_response")

    timings = []
    for _ in range(3):
        user = User.objects.get(pk=user.pk)
        started = time.perf_counter()
        results = survey_results(
            user,
            survey,
            levels=("district", "street", "community"),
            bootstrap=False,
            distributions=False,
        )
        timings.append(time.perf_counter() - started)
    bench(f"index_ci_breakdowns_{label}_responses", min(timings), "s")
    bench(f"index_{label}", results.index.value or 0, "points")
    bench(f"index_ci_halfwidth_{label}", results.index.margin or 0, "points")
    bench(
        f"communities_shown_{label}",
        sum(not r.suppressed for r in results.breakdowns["community"]),
        "rows",
    )

    sample = np.array(
        list(Response.objects.filter(survey=survey).values_list("score", "weight")[:50_000])
    )
    started = time.perf_counter()
    bootstrap_mean_ci(sample[:, 0], sample[:, 1], replicates=400, seed=1)
    bench("bootstrap_400x_50k", time.perf_counter() - started, "s")
    Survey.objects.filter(series="bench").delete()


if __name__ == "__main__":
    main()
