"""Document verification benchmark: the public page /verify/<number>/ over many issued documents.

    .venv/bin/python bench/verify.py            # 1,000,000 issued documents
    .venv/bin/python bench/verify.py --quick    # 100,000 (under a minute once migrated)

Needs PostgreSQL: ``BENCH_POSTGRES_URL`` (default
postgres://postgres@127.0.0.1:5432/shequ_bench_verify, created if missing). Documents are
loaded with COPY in batches. The page is fetched through the Django test client (the whole
stack: middleware, rate limit, template). The issue names no peer to compare with, so the
figures compare a cold read (first visit of a number: database) with a warm one (cached),
and an unknown number. Prints ``BENCH <metric> <value> <unit>`` lines; target p95 < 30 ms.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/shequ_bench_verify"
SAMPLES = 1000
SEED = 20261203


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ensure_database(url: str) -> bool:
    try:
        import psycopg

        base = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, connect_timeout=3, autocommit=True) as conn:
            name = url.rsplit("/", 1)[1]
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as error:
        print(f"# no PostgreSQL at {url}: {error}", flush=True)
        return False


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    # The benchmark is one address asking many times: lift the per-address limit.
    os.environ["VERIFY_RATE_PER_MINUTE"] = "1000000000"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no access line per request on stderr
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--no-input", "-v", "0"],
        check=True,
        env=os.environ.copy(),
    )
    import django

    django.setup()


def random_numbers(count: int, rng: random.Random) -> list[str]:
    from shequ.documents.numbers import ALPHABET, format_number

    found: set[str] = set()
    while len(found) < count:
        found.add(format_number(2026, "".join(rng.choices(ALPHABET, k=8))))
    return list(found)


def load(total: int, rng: random.Random) -> None:
    """COPY documents until the table holds ``total``."""
    import hashlib

    from django.db import connection

    from shequ.documents.models import IssuedDocument

    existing = IssuedDocument.objects.count()
    missing = total - existing
    if missing <= 0:
        return
    # Topping up a table an earlier (smaller) run filled: numbers from another stream, so
    # they do not repeat the rows already there.
    rng = random.Random(f"{rng.random()}:{existing}")
    started = time.perf_counter()
    columns = (
        "number, kind, title, statement, holder_masked, issuer_name, issued_at, source_id, "
        "file, sha256, revoked, revoked_reason"
    )
    kinds = ("certificate", "proof", "receipt", "minutes")
    base = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    batch = 100_000
    done = 0
    while done < missing:
        size = min(batch, missing - done)
        numbers = random_numbers(size, rng)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY documents_issueddocument ({columns}) FROM STDIN") as copy,
        ):
            for n, number in enumerate(numbers):
                copy.write_row(
                    (
                        number,
                        kinds[n % 4],
                        "居住证办理结果证明",
                        "",
                        "王*",
                        "成都市公安局",
                        base + timedelta(seconds=done + n),
                        "",
                        "",
                        hashlib.sha256(number.encode()).hexdigest(),
                        n % 97 == 0,
                        "",
                    )
                )
        done += size
    with connection.cursor() as cursor:
        # A number collision with an existing row would have failed the COPY (unique index).
        cursor.execute("ANALYZE documents_issueddocument")
    bench(f"verify_load_{total // 1000}k_documents", time.perf_counter() - started, "s")


def timed_gets(client: object, paths: list[str], expect: int) -> list[float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (path, response.status_code)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    total = 100_000 if args.quick else 1_000_000
    url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG)
    if not ensure_database(url):
        print("BENCH verify_p95_ms skipped (no PostgreSQL)", flush=True)
        return
    setup_django(url)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from shequ.documents.models import IssuedDocument

    rng = random.Random(SEED)
    load(total, rng)
    bench("verify_documents", IssuedDocument.objects.count(), "documents")
    ids = IssuedDocument.objects.order_by("-id").values_list("id", flat=True)[:1]
    top = ids[0]
    sample_ids = rng.sample(range(1, top + 1), SAMPLES * 2)
    numbers = list(
        IssuedDocument.objects.filter(pk__in=sample_ids).values_list("number", flat=True)[:SAMPLES]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT number FROM documents_issueddocument WHERE number = %s", [numbers[0]]
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    print(f"# plan: {plan[:120]}", flush=True)
    client = Client()
    cache.clear()
    client.get("/verify/")  # warm the templates and the translation catalogue
    paths = [f"/verify/{n}/" for n in numbers]
    cold = timed_gets(client, paths, 200)
    warm = timed_gets(client, paths, 200)
    unknown = timed_gets(client, [f"/verify/{n}/" for n in random_numbers(200, rng)], 404)
    bench("verify_p50_ms", percentile(cold, 0.5), "ms")
    bench("verify_p95_ms", percentile(cold, 0.95), "ms")
    bench("verify_warm_p50_ms", percentile(warm, 0.5), "ms")
    bench("verify_warm_p95_ms", percentile(warm, 0.95), "ms")
    bench("verify_unknown_p95_ms", percentile(unknown, 0.95), "ms")
    print(
        f"# cold (database) p95 {percentile(cold, 0.95):.1f} ms vs warm (cache) p95 "
        f"{percentile(warm, 0.95):.1f} ms over {IssuedDocument.objects.count():,} documents; "
        "target < 30 ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
