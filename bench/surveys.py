"""Survey benchmarks: a submission burst against the running server, and the index at scale.

    .venv/bin/python bench/surveys.py            # burst 10,000; index over 1,000,000 responses
    .venv/bin/python bench/surveys.py --quick    # burst 1,000; index over 50,000 (under a minute)
    .venv/bin/python bench/surveys.py --part burst|index [--quick]

Prints ``BENCH <metric> <value> <unit>`` lines.

*burst* (PostgreSQL, always): recreates its own database (``SURVEYS_BURST_DATABASE``, default
``shequ_surveys_burst`` on 127.0.0.1), seeds a synthetic registry, draws a sample with the real
sampling plan, starts gunicorn on a loopback port and POSTs every invitation's answers to
``/api/v1/surveys/responses`` at concurrency 100 (5% of the invitations are submitted twice at
once, as a double tap would). Then it counts: every accepted submission is stored, exactly one
response per invitation, every second submission refused with 409; p50/p95 latency reported.

*index*: uses its own SQLite file under var/bench/ (or DATABASE_URL), never the development
database. Responses are synthetic and are written straight into the table (COPY on PostgreSQL;
scores, weights and places: the index needs nothing else).

Both start from a cached, migrated copy with the divisions loaded (a ``<db>_template``
database, ``var/bench/surveys-template.sqlite3``), rebuilt only when a migration file changes:
migrating an empty database takes about 40 s here, so the first run after a migration change
takes that much longer.
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
BURST_PORT = 8741
CONCURRENCY = 100
DOUBLE_TAP_SHARE = 0.05


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def manage(*args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        check=True,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql],
        check=False,
        capture_output=True,
    )


def psql_value(sql: str) -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", sql],
        check=False,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def migrations_fingerprint() -> str:
    """A hash of every migration file: a cached, migrated template is used only while equal."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "shequ").glob("*/migrations/*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def migrate_and_load(database_url: str) -> None:
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    try:
        manage("migrate", "--no-input", "-v", "0")
        manage("load_divisions")
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def fresh_postgres(database: str) -> None:
    """Recreate ``database`` as a copy of a migrated template with the divisions loaded.

    Migrating an empty database takes about 40 s on the 2-core machine, most of a quick run.
    The template (``<database>_template``) is built once and rebuilt only when a migration
    file changes (its fingerprint is kept as the template's comment).
    """
    template = f"{database}_template"
    fingerprint = migrations_fingerprint()
    known = psql_value(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database "  # noqa: S608 - our name
        f"WHERE datname = '{template}'"
    )
    if known != fingerprint:
        psql(f"DROP DATABASE IF EXISTS {template}")
        psql(f"CREATE DATABASE {template}")
        migrate_and_load(f"postgres://postgres@127.0.0.1:5432/{template}")
        psql(f"COMMENT ON DATABASE {template} IS '{fingerprint}'")
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database} TEMPLATE {template}")


def fresh_sqlite(path: Path) -> None:
    """The same for the index part's SQLite file: a copy of a cached, migrated one."""
    template = path.with_name(path.stem + "-template.sqlite3")
    stamp = path.with_name(path.stem + "-template.fingerprint")
    fingerprint = migrations_fingerprint()
    if not template.exists() or not stamp.exists() or stamp.read_text() != fingerprint:
        template.unlink(missing_ok=True)
        migrate_and_load(f"sqlite:///{template}")
        stamp.write_text(fingerprint)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)


def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not become ready")


def post_answers(token: str, answers: dict[str, Any]) -> tuple[int, float]:
    """One submission over a fresh loopback connection: (HTTP status, seconds)."""
    body = json.dumps({"invitation_token": token, "answers": answers, "submit": True})
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", BURST_PORT, timeout=120)
    try:
        connection.request(
            "POST",
            "/api/v1/surveys/responses",
            body=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


def burst(total: int) -> None:
    database = os.environ.get("SURVEYS_BURST_DATABASE", "shequ_surveys_burst")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    fresh_postgres(database)

    import django

    django.setup()
    from datetime import date

    import numpy as np

    from shequ.core.scopes import CITY_CODE, Role
    from shequ.people.models import Resident, StaffRole, User
    from shequ.places.models import Division
    from shequ.surveys.demo import demo_definition, synthetic_answers
    from shequ.surveys.models import Answer, Response
    from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
    from shequ.surveys.services.surveys import survey_create, survey_open

    started = time.perf_counter()
    officer = User.objects.create(username="burst-committee")
    StaffRole.objects.create(user=officer, role=Role.CITY_COMMITTEE, division_id=CITY_CODE)
    communities = list(Division.objects.filter(level="community").values_list("code", flat=True))
    rng = np.random.default_rng(7)
    frame = int(total * 1.2)
    Resident.objects.bulk_create(
        (
            Resident(
                real_name=f"居民{i}",
                community_id=communities[int(rng.integers(0, len(communities)))],
                birth_date=date(1940 + int(rng.integers(0, 60)), 1 + int(rng.integers(0, 12)), 1),
                sex="F" if rng.random() < 0.5 else "M",
            )
            for i in range(frame)
        ),
        batch_size=5000,
    )
    survey = survey_create(
        actor=officer,
        title_zh="提交压力测试",
        series="burst",
        division_code=CITY_CODE,
        definition=demo_definition(),
    )
    survey_open(actor=officer, survey_id=survey.pk)
    sampling_plan_set(
        actor=officer, survey_id=survey.pk, target_n=total, min_per_stratum=1, seed=2018
    )
    pairs = sampling_plan_draw(actor=officer, survey_id=survey.pk)[:total]
    bench("burst_setup", time.perf_counter() - started, "s")
    jobs = [(token, synthetic_answers(rng, 0.0)) for _pk, token in pairs]
    doubled = jobs[: int(len(jobs) * DOUBLE_TAP_SHARE)]
    # Each double tap right after its first submission, so both are in flight together.
    work: list[tuple[str, dict[str, Any]]] = []
    for index, job in enumerate(jobs):
        work.append(job)
        if index < len(doubled):
            work.append(job)
    from django.db import connections

    connections.close_all()

    env = os.environ.copy()
    env.update({"DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"})
    # The server's log (one "Conflict" warning per refused double tap) goes to a file.
    log_dir = REPO / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    server_log = (log_dir / "surveys_burst_server.log").open("w")
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "shequ.config.wsgi",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{BURST_PORT}",
            "--backlog",
            "512",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            # Import the application once, before the workers fork: a faster start.
            "--preload",
        ],
        env=env,
        cwd=REPO,
        stdout=server_log,
        stderr=server_log,
    )
    try:
        wait_ready(f"http://127.0.0.1:{BURST_PORT}/healthz")
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            outcomes = list(pool.map(lambda job: post_answers(*job), work))
        elapsed = time.perf_counter() - started
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)
        server_log.close()

    statuses = [status for status, _s in outcomes]
    latencies = np.array([seconds for _status, seconds in outcomes]) * 1000
    accepted = statuses.count(200)
    stored = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    kept = stored.count()
    distinct = stored.values("invitation_id").distinct().count()
    single = Answer.objects.filter(response=stored.first()).count()
    bench(f"burst_{total}_submissions_sent", len(work), "requests")
    bench(f"burst_{total}_accepted", accepted, "responses")
    bench(f"burst_{total}_refused_second_submission", statuses.count(409), "requests")
    bench(f"burst_{total}_other_status", len(work) - accepted - statuses.count(409), "requests")
    bench(f"burst_{total}_lost", max(0, len(jobs) - kept), "responses")
    bench(f"burst_{total}_duplicated", kept - distinct, "responses")
    bench(f"burst_{total}_throughput", len(work) / elapsed, "req/s")
    bench(f"burst_{total}_submit_p50", float(np.percentile(latencies, 50)), "ms")
    bench(f"burst_{total}_submit_p95", float(np.percentile(latencies, 95)), "ms")
    bench(f"burst_{total}_submit_max", float(latencies.max()), "ms")
    assert accepted == kept == distinct == len(jobs), (accepted, kept, distinct, len(jobs))
    assert statuses.count(409) == len(doubled)
    assert single > 0
    # Answers stored once per response, none left from a refused second submission.
    answer_rows = Answer.objects.filter(response__survey=survey).count()
    bench(f"burst_{total}_answer_rows", answer_rows, "rows")


def index(quick: bool) -> None:
    total = 50_000 if quick else 1_000_000
    label = f"{total // 1000}k"
    if "DATABASE_URL" not in os.environ:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        fresh_sqlite(bench_dir / "surveys.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{bench_dir / 'surveys.sqlite3'}"
    else:
        manage("migrate", "--no-input", "-v", "0")
        manage("load_divisions")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")

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
    table = Response._meta.db_table
    columns: list[str] = [
        str(getattr(Response._meta.get_field(name), "column", name))
        for name in (
            "survey",
            "version",
            "channel",
            "status",
            "district_code",
            "street_code",
            "community_code",
            "age_band",
            "sex",
            "score",
            "weight",
            "ip_hash",
            "started_at",
            "submitted_at",
        )
    ]
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        codes = communities[rng.integers(0, len(communities), size=n)]
        scores = np.clip(rng.normal(92, 9, size=n), 0, 100)
        weights = rng.uniform(0.5, 2.0, size=n)
        band = bands[rng.integers(0, 4, size=n)]
        sex = np.where(rng.random(n) < 0.5, "F", "M")
        rows = [
            (
                survey.pk,
                version.pk,
                "invitation",
                "complete",
                str(c)[:6] + "000000",
                str(c)[:9] + "000",
                str(c),
                str(b),
                str(s),
                float(x),
                float(w),
                "",
                now,
                now,
            )
            for c, b, s, x, w in zip(codes, band, sex, scores, weights, strict=True)
        ]
        # Straight into the table (COPY on PostgreSQL): building a million model objects
        # took minutes and measured nothing the results page does.
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - fixed names
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    rows,
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=("all", "burst", "index"), default="all")
    args = parser.parse_args()
    if args.part == "burst":
        burst(1_000 if args.quick else 10_000)
    elif args.part == "index":
        index(args.quick)
    else:
        # The burst needs its own PostgreSQL database and Django setup: a separate process.
        flags = ["--quick"] if args.quick else []
        subprocess.run([sys.executable, __file__, "--part", "burst", *flags], check=True)
        index(args.quick)


if __name__ == "__main__":
    main()
