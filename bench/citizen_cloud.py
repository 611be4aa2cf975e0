"""Citizen cloud benchmarks: catalogue search, the booking race, the department queue.

    .venv/bin/python bench/citizen_cloud.py            # 2,000 policies, 100,000 applications
    .venv/bin/python bench/citizen_cloud.py --quick    # 500 policies, 20,000 applications

Prints ``BENCH <metric> <value> <unit>`` lines. Search and queue figures use their own SQLite
file under var/bench/ (or DATABASE_URL if given). The booking race needs PostgreSQL: it uses
``BENCH_POSTGRES_URL`` (default postgres://postgres@127.0.0.1:5432/shequ_bench_citizen, created
if missing) in a child process, and is reported as skipped when no server answers.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/shequ_bench_citizen"

QUERIES = [
    "身份证",
    "社保",
    "公积金",
    "暂住证",
    "老年证",
    "生娃 上户口",
    "水费",
    "看病挂号",
    "结婚",
    "驾照换证",
    "失业金",
    "租房 公积金",
    "残疾证",
    "营业执照",
    "幼儿园",
    "身份证丢了怎么办",
    "养老金",
    "法律援助",
    "跳舞",
    "管理办法",
]


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


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    os.environ.setdefault("TASKS_IMMEDIATE", "1")
    manage("migrate", "--no-input", "-v", "0")
    import django

    django.setup()


def policies_create(count: int) -> None:
    """``count`` synthetic policy-length documents (~2,000 characters) spread over services."""
    from datetime import date

    from shequ.catalogue.demo import policy_text
    from shequ.catalogue.models import PolicyDocument, SearchEntry, Service
    from shequ.catalogue.search import index_tokens

    services = list(Service.objects.select_related("department"))
    docs = []
    for n in range(count):
        service = services[n % len(services)]
        docs.append(
            PolicyDocument(
                department=service.department,
                service=service,
                title=f"关于{service.name}的实施细则（第{n + 1}号）",
                body=policy_text(service, n + 1),
                published_on=date(2025, 1, 1),
            )
        )
    PolicyDocument.objects.bulk_create(docs, batch_size=500)
    entries = [
        SearchEntry(
            kind=SearchEntry.Kind.POLICY,
            policy=doc,
            title=doc.title,
            text=doc.body,
            title_tokens=index_tokens(doc.title),
            body_tokens=index_tokens(doc.body),
        )
        for doc in PolicyDocument.objects.all()
    ]
    SearchEntry.objects.bulk_create(entries, batch_size=500)


def bench_search(policies: int) -> None:
    from shequ.catalogue.demo import seed_catalogue
    from shequ.catalogue.models import PolicyDocument, SearchEntry, Service
    from shequ.catalogue.search import tokenizer
    from shequ.catalogue.selectors import service_search

    if not Service.objects.exists():
        seed_catalogue(policies_per_service=0)
    if PolicyDocument.objects.count() < policies:
        started = time.perf_counter()
        policies_create(policies - PolicyDocument.objects.count())
        bench(f"catalogue_index_{policies}_policies", time.perf_counter() - started, "s")
    bench("catalogue_services", Service.objects.count(), "services")
    bench("catalogue_search_entries", SearchEntry.objects.count(), "entries")
    tokenizer()
    for query in QUERIES:  # warm
        service_search(query=query)
    timings = []
    for _round in range(10):
        for query in QUERIES:
            started = time.perf_counter()
            hits = service_search(query=query, limit=20)
            timings.append((time.perf_counter() - started) * 1000)
            assert hits, query
    bench("catalogue_search_p50", percentile(timings, 0.5), "ms")
    bench("catalogue_search_p95", percentile(timings, 0.95), "ms")


def bench_queue(applications: int) -> None:
    from datetime import timedelta

    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shequ.casework.demo import seed_casework
    from shequ.casework.models import Application, FormDefinition, Status
    from shequ.casework.selectors import application_queue_for
    from shequ.catalogue.models import Service
    from shequ.core.scopes import Role
    from shequ.people.demo import NIJIAQIAO, ensure_departments
    from shequ.people.models import StaffRole, User
    from shequ.places.models import Division

    if not Division.objects.filter(pk=NIJIAQIAO).exists():
        manage("load_divisions")
    seed_casework()
    departments = ensure_departments()
    police, _made = User.objects.get_or_create(username="bench_police")
    StaffRole.objects.get_or_create(
        user=police, role=Role.DEPARTMENT_STAFF, department=departments["gongan"]
    )
    applicant, _made = User.objects.get_or_create(username="bench_applicant")
    service = Service.objects.get(code="juzhuzheng")
    form = FormDefinition.objects.filter(service=service).first()
    communities = list(
        Division.objects.filter(level=Division.Level.COMMUNITY)
        .order_by("code")
        .values_list("code", flat=True)[:500]
    )
    existing = Application.objects.filter(department=departments["gongan"]).count()
    if existing < applications:
        started = time.perf_counter()
        now = timezone.now()
        today = timezone.localdate()
        statuses = [Status.SUBMITTED, Status.ACCEPTED, Status.MORE_INFO, Status.APPROVED]
        rows = [
            Application(
                reference=f"BQ{n:010d}",
                service=service,
                form=form,
                applicant=applicant,
                department=departments["gongan"],
                community_id=communities[n % len(communities)],
                status=statuses[n % len(statuses)],
                data={"address": "bench"},
                submitted_at=now - timedelta(minutes=n),
                due_date=today + timedelta(days=(n % 60) - 20),
            )
            for n in range(existing, applications)
        ]
        Application.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load
            cursor.execute("ANALYZE")
        bench(
            f"casework_seed_{applications // 1000}k_applications",
            time.perf_counter() - started,
            "s",
        )
    police = User.objects.get(username="bench_police")
    filters = [
        {},
        {"status": "submitted"},
        {"status": "accepted", "due": "overdue"},
        {"due": "week"},
        {"area": "510107000000"},
    ]
    timings = []
    counts = set()
    for _round in range(5):
        for params in filters:
            for page_number in (1, 50):
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as ctx:
                    queryset = application_queue_for(user=police, **params)
                    page = Paginator(queryset, 50).get_page(page_number)
                    rows = [(a.reference, a.service.name, a.community_id) for a in page]
                timings.append((time.perf_counter() - started) * 1000)
                counts.add(len(ctx.captured_queries))
                assert rows or params
    bench(f"casework_queue_{applications // 1000}k_p50", percentile(timings, 0.5), "ms")
    bench(f"casework_queue_{applications // 1000}k_p95", percentile(timings, 0.95), "ms")
    bench("casework_queue_queries_max", max(counts), "queries")
    client = Client()
    client.force_login(police)
    client.get("/console/casework/?status=submitted")
    page_timings, page_counts = [], set()
    for page_number in (1, 2, 100, 300):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/console/casework/?status=submitted&page={page_number}")
        page_timings.append((time.perf_counter() - started) * 1000)
        page_counts.add(len(ctx.captured_queries))
        assert response.status_code == 200
    bench("casework_console_page_max", max(page_timings), "ms")
    bench("casework_console_page_queries", max(page_counts), "queries")


def booking_race(attempts: int, places: int) -> None:
    """In a child process on PostgreSQL: ``attempts`` threads race for ``places`` places."""
    from datetime import timedelta

    from django.db import connection, connections
    from django.utils import timezone

    from shequ.bookings.models import Booking, Slot, Venue
    from shequ.bookings.services import booking_make
    from shequ.core.errors import DomainError
    from shequ.people.models import User

    assert connection.vendor == "postgresql"
    venue = Venue.objects.create(kind=Venue.Kind.HALL, name="bench hall", capacity=places)
    start = timezone.now() + timedelta(days=3)
    slot = Slot.objects.create(
        venue=venue, starts_at=start, ends_at=start + timedelta(minutes=30), capacity=places
    )
    users = User.objects.bulk_create([User(username=f"race{slot.pk}_{n}") for n in range(attempts)])
    outcomes: list[str] = []
    lock = threading.Lock()
    # PostgreSQL allows 100 connections on this machine and others use some: at most 50
    # attempts hold a connection at once; all 200 threads start together and contend.
    gate = threading.BoundedSemaphore(50)
    barrier = threading.Barrier(attempts)

    def attempt(user: User) -> None:
        barrier.wait()
        with gate:
            try:
                booking_make(actor=user, slot_id=slot.pk)
                result = "ok"
            except DomainError as error:
                result = error.code
            except Exception as error:
                result = f"error:{type(error).__name__}"
            finally:
                connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    slot.refresh_from_db()
    confirmed = Booking.objects.filter(slot=slot, status="confirmed").count()
    errors = [o for o in outcomes if o.startswith("error")]
    bench("booking_race_attempts", len(outcomes), "attempts")
    bench("booking_race_succeeded", outcomes.count("ok"), "bookings")
    bench("booking_race_refused_full", outcomes.count("slot_full"), "attempts")
    bench("booking_race_errors", len(errors), "errors")
    bench("booking_race_confirmed_rows", confirmed, "bookings")
    bench("booking_race_slot_booked", slot.booked, "places")
    bench("booking_race_wall", elapsed, "s")
    assert outcomes.count("ok") == places == confirmed == slot.booked, outcomes
    assert not errors, errors


def postgres_available(url: str) -> bool:
    try:
        import psycopg

        base = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, connect_timeout=3, autocommit=True) as conn:
            name = url.rsplit("/", 1)[1]
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--race-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.race_only:
        setup_django(os.environ["DATABASE_URL"])
        booking_race(attempts=200, places=10)
        return

    pg_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG)
    if postgres_available(pg_url):
        env = {**os.environ, "DATABASE_URL": pg_url}
        subprocess.run([sys.executable, __file__, "--race-only"], check=True, env=env)
    else:
        print("BENCH booking_race_skipped 1.000 no_postgresql", flush=True)

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        bench_dir = REPO / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{bench_dir / 'citizen_cloud.sqlite3'}"
    setup_django(database_url)
    bench_search(policies=500 if args.quick else 2000)
    bench_queue(applications=20_000 if args.quick else 100_000)


if __name__ == "__main__":
    main()
