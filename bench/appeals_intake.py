"""Intake of residents' requests (诉求) through the HTTP API behind gunicorn (issue 16): at
least 300 requests a second for 60 s, p95 under 200 ms, none lost.

    .venv/bin/python bench/appeals_intake.py            # 300/s for 60 s over 200,000 requests
    .venv/bin/python bench/appeals_intake.py --quick    # 300/s for 10 s over 20,000 requests
    .venv/bin/python bench/appeals_intake.py --rate 150 --seconds 30 --workers 2 --threads 8

Needs PostgreSQL on 127.0.0.1 (user postgres) and Redis. The database
(``APPEALS_INTAKE_BENCH_DATABASE``, default ``shequ_intake_bench``) is a fresh copy of a
migrated template with the divisions loaded (see ``_harness.fresh_database``). It holds the
dispatch catalogue of ``bench/appeals.py`` (300 categories × 3,047 communities, a 兜底 unit per
district with three officers who hear of each request) and requests already filed (half open,
received in the 60 days before now), so routing, the problem-cluster lookup and the messages
work on tables of a city's size. Residents are signed in on their phones (sessions written
straight into the session table and the server's cache, as in ``bench/volunteers.py``).

Each request is ``POST /api/v1/appeals`` with the session cookie and the CSRF header, as the
resident's page sends it: a category, a description, the community and a map pin inside it
(routing by the catalogue, the pin checked against the district's boundary, the problem
cluster found and joined, the unit's officers told, the audit line, all in one transaction).
Requests arrive at a steady offered rate (``--rate``) from 200 concurrent clients, each over
a new connection; latency is counted from the moment a request was due, so a server falling
behind shows. Then the database is counted: every 201 answer has its request (lost: not), and
no request was filed that was not answered. Before the run one request is filed in-process to
count its queries. Prints ``BENCH <metric> <value> <unit>`` lines.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _harness import (  # noqa: E402 - after the path
    SERVER_CACHE_URL,
    Server,
    bench,
    fresh_database,
    percentile,
    sessions_for,
    setup_django,
)

PORT = 8762
CLIENTS = 200
DATABASE = os.environ.get("APPEALS_INTAKE_BENCH_DATABASE", "shequ_intake_bench")
RESIDENTS = 20_000
MARK = "路灯不亮，晚上很黑（压测）"


def seed(existing: int) -> None:
    """The catalogue, three officers per district unit, and ``existing`` earlier requests."""
    from django.utils import timezone

    import appeals as city  # bench/appeals.py: the same catalogue and requests
    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole, User
    from shequ.places.models import Division

    city.NOW = timezone.now()
    city.seed_catalogue(city.CATEGORIES)
    officers = User.objects.bulk_create(
        [User(username=f"officer{i}", password="!") for i in range(60)]  # noqa: S106
    )
    districts = list(Division.objects.filter(level=Division.Level.DISTRICT).order_by("code"))
    StaffRole.objects.bulk_create(
        [
            StaffRole(user=u, role=Role.DISTRICT_OFFICER, division=districts[i % len(districts)])
            for i, u in enumerate(officers)
        ]
    )
    city.seed_requests(existing // 2, existing)


def residents(count: int) -> list[Any]:
    from shequ.people.models import Resident, User

    users = User.objects.bulk_create(
        # "!": an unusable password, as for accounts that sign in by other means.
        [User(username=f"resident{i}", password="!") for i in range(count)],  # noqa: S106
        batch_size=5000,
    )
    Resident.objects.bulk_create(
        [
            Resident(user=u, real_name=f"居民{i}", community_id="510107005004")
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    return users


def pins(rng: random.Random) -> list[tuple[str, float, float]]:
    """A community and a map pin inside its district for each request (our reference data
    has district boundaries, not community ones): 40 points per district, drawn uniformly
    inside its boundary."""
    from shequ.places.geography import district_contains
    from shequ.places.models import Division

    inside: dict[str, list[tuple[float, float]]] = {}
    for district in Division.objects.filter(level=Division.Level.DISTRICT, boundary__isnull=False):
        points = inside.setdefault(district.code, [])
        west, south, east, north = shape_bounds(district.boundary)
        while len(points) < 40:
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if district_contains(district, lon, lat):
                points.append((round(lon, 6), round(lat, 6)))
    chosen = []
    for code in Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True).values_list(
        "code", flat=True
    ):
        for lon, lat in inside.get(code[:6] + "000000", [])[:3]:
            chosen.append((code, lon, lat))
    if not chosen:
        raise SystemExit("no district has a boundary: load the divisions")
    return chosen


def shape_bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    from shapely.geometry import shape

    west, south, east, north = shape(geometry).bounds
    return west, south, east, north


def body(
    rng: random.Random, categories: list[int], places: list[tuple[str, float, float]]
) -> bytes:
    code, lon, lat = rng.choice(places)
    return json.dumps(
        {
            "category_id": rng.choice(categories),
            "description": MARK,
            "community": code,
            "longitude": lon,
            "latitude": lat,
        }
    ).encode()


def intake_queries(user: Any, session_key: str, payload: bytes) -> int:
    """The queries one request makes, the whole HTTP request (session, user) counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies["sessionid"] = session_key
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            "/api/v1/appeals", payload, content_type="application/json", HTTP_HOST="127.0.0.1"
        )
    if answer.status_code != 201:
        raise SystemExit(f"the in-process request failed: {answer.status_code} {answer.content!r}")
    for query in queries.captured_queries:
        print(f"#   {query['sql'][:160]}", flush=True)
    return len(queries.captured_queries)


def run(rate: float, seconds: float, existing: int, workers: int, threads: int) -> None:
    os.environ["CACHE_URL"] = SERVER_CACHE_URL  # the sessions go where gunicorn reads them
    fresh_database(DATABASE)
    setup_django()
    from shequ.appeals.models import Appeal, Category

    started = time.perf_counter()
    seed(existing)
    users = residents(RESIDENTS)
    keys = sessions_for(users)
    rng = random.Random(16)
    categories = list(
        Category.objects.filter(is_active=True, out_of_scope=False).values_list("pk", flat=True)
    )
    places = pins(rng)
    bench("intake_setup", time.perf_counter() - started, "s")
    bench("intake_existing_requests", Appeal.objects.count(), "requests")

    probe = users.pop()
    bench(
        "intake_queries_per_request",
        intake_queries(probe, keys[probe.pk], body(rng, categories, places)),
        "queries",
    )
    before = Appeal.objects.filter(description=MARK).count()

    total = int(rate * seconds)
    jobs = [(users[i % len(users)], body(rng, categories, places)) for i in range(total)]
    step = 1 / rate
    csrf = "c" * 32
    outcomes: list[tuple[int, float, float]] = [(0, 0.0, 0.0)] * total
    cursor = iter(range(total))
    lock = threading.Lock()

    def client(server: Server, origin: float) -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            user, payload = jobs[index]
            due = origin + index * step
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent = time.perf_counter()
            status, _answer = server.request(
                "POST",
                "/api/v1/appeals",
                payload,
                {
                    "Content-Type": "application/json",
                    "Cookie": f"sessionid={keys[user.pk]}; csrftoken={csrf}",
                    "X-CSRFToken": csrf,
                    "Host": "127.0.0.1",
                    "Referer": "http://127.0.0.1/appeals/new/",
                },
            )
            done = time.perf_counter()
            outcomes[index] = (status, done - sent, done - due)

    with Server("appeals_intake", PORT, workers, threads) as server:
        origin = time.perf_counter() + 0.5
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for _ in range(CLIENTS):
                pool.submit(client, server, origin)
        elapsed = time.perf_counter() - origin

    created = sum(1 for status, _s, _d in outcomes if status == 201)
    statuses: dict[int, int] = {}
    for status, _s, _d in outcomes:
        statuses[status] = statuses.get(status, 0) + 1
    stored = Appeal.objects.filter(description=MARK).count() - before
    due_ms = [d * 1000 for _status, _s, d in outcomes]
    sent_ms = [s * 1000 for _status, s, _d in outcomes]
    label = f"intake_{total}"
    bench(f"{label}_offered_rate", rate, "requests/s")
    bench(f"{label}_seconds", elapsed, "s")
    bench(f"{label}_requests_per_second", created / elapsed, "requests/s")
    bench(f"{label}_p50_ms", percentile(due_ms, 0.5), "ms")
    bench(f"{label}_p95_ms", percentile(due_ms, 0.95), "ms")
    bench(f"{label}_p99_ms", percentile(due_ms, 0.99), "ms")
    bench(f"{label}_p95_from_send_ms", percentile(sent_ms, 0.95), "ms")
    bench(f"{label}_answered_201", created, "requests")
    for status, count in sorted(statuses.items()):
        if status != 201:
            bench(f"{label}_answered_{status}", count, "requests")
    bench(f"{label}_lost", max(created - stored, 0), "requests")
    bench(f"{label}_stored_without_answer", max(stored - created, 0), "requests")
    bench(f"{label}_server_workers", workers, "processes")
    bench(f"{label}_server_threads", threads, "threads")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=300, help="offered requests a second")
    parser.add_argument("--seconds", type=float, help="how long (60; quick 10)")
    parser.add_argument(
        "--existing", type=int, help="requests filed before (200,000; quick 20,000)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    args = parser.parse_args()
    seconds = args.seconds or (10 if args.quick else 60)
    existing = args.existing or (20_000 if args.quick else 200_000)
    run(args.rate, seconds, existing, args.workers, args.threads)


if __name__ == "__main__":
    main()
