"""Volunteer benchmarks (issue 17): QR check-ins through gunicorn, star levels over a large
ledger, a certificate's PDF and the public verification page.

    .venv/bin/python bench/volunteers.py            # 10,000 check-ins; stars 1M / 20M rows
    .venv/bin/python bench/volunteers.py --quick    # 2,000 check-ins; stars 100k / 2M rows
    .venv/bin/python bench/volunteers.py --part checkin|stars|certificate [--quick]

Needs PostgreSQL on 127.0.0.1 (user postgres). Each part recreates its own database
(``VOLUNTEERS_BENCH_DATABASE``, default ``shequ_vol_bench``) as a copy of a migrated template
with the divisions loaded (``<name>_template``, rebuilt only when a migration file changes:
about 40 s once). Prints ``BENCH <metric> <value> <unit>`` lines.

*checkin*: volunteers signed up for activities happening now, each already signed in on
their phone (sessions written straight into the session table: the bench measures scans,
not logins or password hashing). gunicorn (``shequ.config.gunicorn``: gthread workers and
the database pool) serves ``/volunteers/check/<code>/``, the page the leader's rotating QR
code opens; each scan POSTs the phone's position with the CSRF token and asks for the JSON
answer, as the page's script does (``check.js``), over a new connection, from one of 200
concurrent clients. Scans arrive at a steady offered rate
(``--rate``, default 200 a second: 10,000 in 50 s) and 5% of the volunteers tap twice at
once. Latency is counted from the moment a scan was due, so a server falling behind shows
(not hidden by clients waiting before they send). Then the database is counted: every
volunteer checked in (lost: not), one check-in per volunteer in the audit trail (doubled:
more). Before the run the same scan is made once in-process to count its queries.

*stars*: ``--volunteers`` volunteers and ``--rows`` ledger rows written by
``generate_series`` inside PostgreSQL, then ``star_levels_compute`` (announce) timed, and
again after the announcement period (award, with the messages).

*certificate*: ``certificate_issue`` for a volunteer with 60 ledger lines (the PDF with the
CJK font, QR code, storage, audit): the first in a fresh process, then 20 more; then the
public verification page ``/verify/<number>/`` through gunicorn, first visits and repeats.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
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

PORT = 8761
CLIENTS = 200
DOUBLE_TAP_SHARE = 0.05
COMMUNITY = "510107005004"  # 倪家桥社区
PLACE = (30.625, 104.07)
VOLUNTEERS_PER_ACTIVITY = 200
DATABASE = os.environ.get("VOLUNTEERS_BENCH_DATABASE", "shequ_vol_bench")


# --- Seeding -------------------------------------------------------------------------------


def seed_volunteers(count: int, prefix: str) -> list[Any]:
    """``count`` signed-up volunteers (users, verified residents, volunteer records)."""
    from shequ.people.models import Resident, User
    from shequ.volunteers.models import Volunteer

    users = User.objects.bulk_create(
        # "!": an unusable password, as for accounts that sign in by other means.
        [User(username=f"{prefix}{i}", password="!") for i in range(count)],  # noqa: S106
        batch_size=5000,
    )
    residents = Resident.objects.bulk_create(
        [
            Resident(user=u, real_name=f"志愿者{i}", community_id=COMMUNITY, verification_level=2)
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    return Volunteer.objects.bulk_create(
        [
            Volunteer(user=u, resident=r, number=f"ZB{prefix}{i:08d}", community_id=COMMUNITY)
            for i, (u, r) in enumerate(zip(users, residents, strict=True))
        ],
        batch_size=5000,
    )


def seed_activity(leader: Any, title: str, starts: Any, hours: int = 3) -> Any:
    from datetime import timedelta
    from decimal import Decimal

    from shequ.volunteers.models import Activity, Slot

    activity = Activity.objects.create(
        community_id=COMMUNITY,
        title=title,
        description="社区服务",
        place="倪家桥社区党群服务中心",
        latitude=Decimal(str(PLACE[0])),
        longitude=Decimal(str(PLACE[1])),
        geofence_m=300,
        signup_deadline=starts - timedelta(hours=12),
        hours_cap=Decimal(hours),
        status=Activity.Status.PUBLISHED,
        created_by=leader,
    )
    Slot.objects.create(
        activity=activity, starts_at=starts, ends_at=starts + timedelta(hours=hours), quota=10_000
    )
    return activity


def scan_queries(volunteer: Any, activity: Any, session_key: str) -> int:
    """The queries one check-in makes, the whole request (session, user, page) counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.volunteers.selectors import checkin_token

    client = Client(enforce_csrf_checks=False)
    client.cookies["sessionid"] = session_key
    token = checkin_token(activity.pk)
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(
            f"/volunteers/check/{token}/",
            {"latitude": PLACE[0], "longitude": PLACE[1]},
            HTTP_HOST="127.0.0.1",
            HTTP_ACCEPT="application/json",
        )
    if answer.status_code != 200:
        raise SystemExit(f"the in-process scan failed: {answer.status_code}")
    for query in queries.captured_queries:
        print(f"#   {query['sql'][:150]}", flush=True)
    return len(queries.captured_queries)


def checkin(total: int, rate: float, workers: int, threads: int) -> None:
    # The sessions are written to the cache gunicorn reads them from.
    os.environ["CACHE_URL"] = SERVER_CACHE_URL
    fresh_database(DATABASE)
    setup_django()
    from datetime import timedelta

    from django.utils import timezone

    from shequ.core.models import AuditEvent
    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole, User
    from shequ.volunteers.models import SignUp
    from shequ.volunteers.selectors import checkin_token

    started = time.perf_counter()
    leader = User.objects.create(username="bench-leader")
    StaffRole.objects.create(user=leader, role=Role.COMMUNITY_WORKER, division_id=COMMUNITY)
    # One more volunteer: the in-process scan that counts the queries.
    volunteers = seed_volunteers(total + 1, "scan")
    now = timezone.now()
    activities = [
        seed_activity(leader, f"周六志愿服务{i}", now - timedelta(minutes=5))
        for i in range(-(-(total + 1) // VOLUNTEERS_PER_ACTIVITY))
    ]
    slots = {a.pk: a.slots.get() for a in activities}
    of_activity = {v.pk: activities[i // VOLUNTEERS_PER_ACTIVITY] for i, v in enumerate(volunteers)}
    SignUp.objects.bulk_create(
        [
            SignUp(
                slot=slots[of_activity[v.pk].pk],
                volunteer=v,
                status=SignUp.Status.CONFIRMED,
                signed_up_at=now - timedelta(days=1),
            )
            for v in volunteers
        ],
        batch_size=5000,
    )
    users = {u.pk: u for u in User.objects.filter(volunteer__in=volunteers)}
    keys = sessions_for(list(users.values()))
    bench("checkin_setup", time.perf_counter() - started, "s")

    probe = volunteers.pop()
    bench(
        "checkin_queries_per_scan",
        scan_queries(probe, of_activity[probe.pk], keys[probe.user_id]),
        "queries",
    )

    rng = random.Random(17)
    order = list(volunteers)
    rng.shuffle(order)
    doubled = set(rng.sample(range(len(order)), int(len(order) * DOUBLE_TAP_SHARE)))
    jobs: list[Any] = []
    for index, volunteer in enumerate(order):
        jobs.append(volunteer)
        if index in doubled:
            jobs.append(volunteer)  # the second tap, due at the same moment
    due_at = [0.0] * len(jobs)
    step = 1 / rate if rate > 0 else 0.0
    tick = 0
    for index, volunteer in enumerate(jobs):
        if index and jobs[index - 1] is not volunteer:
            tick += 1
        due_at[index] = tick * step
    csrf = "b" * 32
    body_fields = {"latitude": f"{PLACE[0]}", "longitude": f"{PLACE[1]}"}
    outcomes: list[tuple[int, float, float]] = [(0, 0.0, 0.0)] * len(jobs)
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()

    def client(origin: float) -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            volunteer = jobs[index]
            due = origin + due_at[index]
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent = time.perf_counter()
            token = checkin_token(of_activity[volunteer.pk].pk)
            body = urllib.parse.urlencode({**body_fields, "csrfmiddlewaretoken": csrf})
            status, _ = server.request(
                "POST",
                f"/volunteers/check/{token}/",
                body.encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"sessionid={keys[volunteer.user_id]}; csrftoken={csrf}",
                    "Host": "127.0.0.1",
                    # As the page's script sends it: the answer alone, no page.
                    "Accept": "application/json",
                },
            )
            done = time.perf_counter()
            outcomes[index] = (status, done - sent, done - due)

    with Server("volunteers", PORT, workers, threads) as server:
        origin = time.perf_counter() + 0.5
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for _ in range(CLIENTS):
                pool.submit(client, origin)
        elapsed = time.perf_counter() - origin

    statuses = [status for status, _s, _d in outcomes]
    firsts = {}
    for index, volunteer in enumerate(jobs):
        firsts.setdefault(volunteer.pk, []).append(statuses[index])
    refused_second = sum(
        1 for codes in firsts.values() if len(codes) == 2 and sorted(codes) == [200, 400]
    )
    failed = sum(1 for codes in firsts.values() if 200 not in codes)
    checked = SignUp.objects.filter(
        volunteer__in=order, checked_in_at__isnull=False, check_in_method=SignUp.Method.QR
    ).count()
    signup_ids = SignUp.objects.filter(volunteer__in=order).values_list("pk", flat=True)
    events = AuditEvent.objects.filter(
        verb="attendance.check_in", object_id__in=[str(pk) for pk in signup_ids]
    ).count()
    sent_ms = [seconds * 1000 for _status, seconds, _d in outcomes]
    due_ms = [seconds * 1000 for _status, _s, seconds in outcomes]
    label = f"checkin_{len(order)}"
    bench(f"{label}_scans_sent", len(jobs), "requests")
    bench(f"{label}_offered_rate", rate, "scans/s")
    bench(f"{label}_seconds", elapsed, "s")
    bench(f"{label}_scans_per_second", len(jobs) / elapsed, "scans/s")
    bench(f"{label}_p50_ms", percentile(due_ms, 0.5), "ms")
    bench(f"{label}_p95_ms", percentile(due_ms, 0.95), "ms")
    bench(f"{label}_p99_ms", percentile(due_ms, 0.99), "ms")
    bench(f"{label}_p95_from_send_ms", percentile(sent_ms, 0.95), "ms")
    bench(f"{label}_max_ms", max(due_ms), "ms")
    bench(f"{label}_failed_volunteers", failed, "volunteers")
    bench(f"{label}_double_taps_refused", refused_second, "requests")
    bench(f"{label}_lost", len(order) - checked, "check-ins")
    bench(f"{label}_doubled", events - checked, "check-ins")
    bench(f"{label}_server_workers", workers, "processes")
    bench(f"{label}_server_threads", threads, "threads")


# --- Star levels ---------------------------------------------------------------------------


def stars(volunteers: int, rows: int) -> None:
    fresh_database(DATABASE)
    setup_django()
    from django.db import connection
    from django.db.models import Count

    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole, User
    from shequ.volunteers.models import HoursEntry, StarAward, Volunteer
    from shequ.volunteers.services.stars import star_levels_compute

    started = time.perf_counter()
    worker = User.objects.create(username="bench-worker")
    StaffRole.objects.create(user=worker, role=Role.COMMUNITY_WORKER, division_id=COMMUNITY)
    user_t, resident_t = User._meta.db_table, "people_resident"
    volunteer_t, hours_t = Volunteer._meta.db_table, HoursEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + user_t)  # noqa: S608
        base = cursor.fetchone()[0] + 1
        cursor.execute(
            f"""INSERT INTO {user_t} (id, password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined, is_demo)
            SELECT {base} + g, '!', false, 'star' || g, '', '', '', false, true, now(), false
            FROM generate_series(0, %s - 1) g""",  # noqa: S608 - fixed names
            [volunteers],
        )
        cursor.execute(
            f"""INSERT INTO {resident_t} (id, user_id, real_name, community_id,
                verification_level, sex, self_declared, created_at, updated_at)
            SELECT {base} + g, {base} + g, '志愿者' || g, %s, 2, '', false, now(), now()
            FROM generate_series(0, %s - 1) g""",  # noqa: S608 - fixed names
            [COMMUNITY, volunteers],
        )
        cursor.execute(
            f"""INSERT INTO {volunteer_t} (id, user_id, resident_id, number, community_id,
                skills, fields, availability, guardian_name, guardian_relation,
                self_supporting, status, registered_at, left_reason)
            SELECT g + 1, {base} + g, {base} + g, 'ZS' || lpad(g::text, 9, '0'), %s,
                '[]', '[]', '[]', '', '', false, 'active', now(), ''
            FROM generate_series(0, %s - 1) g""",  # noqa: S608 - fixed names
            [COMMUNITY, volunteers],
        )
        # Ledger lines of half an hour to eight hours (4.25 h on average), spread so that
        # the totals straddle every threshold: one line in six goes to every hundredth
        # volunteer (about 1,400 h each at 20 lines a volunteer), one in six to every
        # tenth (about 140 h more), the rest evenly (about 55 h each). Foreign keys are
        # not checked while seeding (the ids are made consistent above).
        cursor.execute("SET session_replication_role = replica")
        # The plain indexes are built once after the load, not row by row during it.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname"
            " NOT IN (SELECT conname FROM pg_constraint)",
            [hours_t],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            f"""INSERT INTO {hours_t} (volunteer_id, kind, hours, community_id, served_on,
                content, reason, recorded_by_name, created_at)
            SELECT 1 + (CASE WHEN g %% 6 = 0 THEN (g / 6) %% (%s / 100) * 100
                             WHEN g %% 6 = 1 THEN (g / 6) %% (%s / 10) * 10
                             ELSE (g * 7919) %% %s END),
                'honour', 0.5 * (1 + (g * 31) %% 16), %s, DATE '2026-01-01' + (g %% 300)::int,
                '社区服务', '核定', 'bench', now()
            FROM generate_series(0::bigint, %s - 1) g""",  # noqa: S608 - fixed names
            [volunteers, volunteers, volunteers, COMMUNITY, rows],
        )
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(f"ANALYZE {hours_t}")
        cursor.execute(f"ANALYZE {volunteer_t}")
    bench("stars_setup", time.perf_counter() - started, "s")
    label = f"stars_{volunteers // 1000}k_{rows // 1_000_000}m"
    started = time.perf_counter()
    counts = star_levels_compute(actor=worker)
    bench(f"{label}_recompute_seconds", time.perf_counter() - started, "s")
    bench(f"{label}_announced", counts["announced"], "volunteers")
    levels = dict(StarAward.objects.values_list("level").annotate(n=Count("id")))
    for level in sorted(levels):
        bench(f"{label}_level_{level}", levels[level], "volunteers")
    started = time.perf_counter()
    again = star_levels_compute(actor=worker)
    bench(f"{label}_recompute_again_seconds", time.perf_counter() - started, "s")
    bench(f"{label}_announced_again", again["announced"], "volunteers")
    until = StarAward.objects.values_list("announce_until", flat=True).first()
    started = time.perf_counter()
    awarded = star_levels_compute(actor=worker, today=until)
    bench(f"{label}_award_seconds", time.perf_counter() - started, "s")
    bench(f"{label}_awarded", awarded["awarded"], "volunteers")


# --- Certificate and verification ----------------------------------------------------------


def certificate(pages: int) -> None:
    fresh_database(DATABASE)
    setup_django()
    from datetime import date, timedelta
    from decimal import Decimal

    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole, User
    from shequ.volunteers.models import HoursEntry
    from shequ.volunteers.services.certificates import certificate_issue

    leader = User.objects.create(username="bench-leader")
    StaffRole.objects.create(user=leader, role=Role.COMMUNITY_WORKER, division_id=COMMUNITY)
    volunteers = seed_volunteers(pages, "cert")
    HoursEntry.objects.bulk_create(
        [
            HoursEntry(
                volunteer=v,
                kind=HoursEntry.Kind.HONOUR,
                hours=Decimal("2.5"),
                community_id=COMMUNITY,
                served_on=date(2026, 1, 1) + timedelta(days=day),
                content=f"倪家桥社区敬老院探访与读报（第{day + 1}次）",
                reason="核定",
                recorded_by=leader,
                recorded_by_name="倪家桥社区志愿服务队",
            )
            for v in volunteers
            for day in range(60)
        ],
        batch_size=5000,
    )
    users = list(User.objects.filter(volunteer__in=volunteers).order_by("pk"))
    timings = []
    numbers = []
    for user in users:
        began = time.perf_counter()
        made = certificate_issue(actor=user)
        timings.append(time.perf_counter() - began)
        numbers.append(made.document.number)
    bench("certificate_first_in_process_ms", timings[0] * 1000, "ms")
    rest = [t * 1000 for t in timings[1:]]
    bench("certificate_pdf_p50_ms", statistics.median(rest), "ms")
    bench("certificate_pdf_p95_ms", percentile(rest, 0.95), "ms")
    bench("certificate_pdf_max_ms", max(rest), "ms")

    with Server("volunteers", PORT, workers=3, threads=4) as server:
        first: list[float] = []
        repeat: list[float] = []

        def look(number: str, into: list[float]) -> None:
            began = time.perf_counter()
            status, page = server.request(
                "GET", f"/verify/{number}/", headers={"Host": "127.0.0.1"}
            )
            into.append(time.perf_counter() - began)
            if status != 200 or number.encode() not in page:
                raise SystemExit(f"verification of {number} failed: {status}")

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda n: look(n, first), numbers))
            list(pool.map(lambda n: look(n, repeat), numbers * 10))
    bench("verify_page_first_visit_p95_ms", percentile([t * 1000 for t in first], 0.95), "ms")
    bench("verify_page_p50_ms", percentile([t * 1000 for t in repeat], 0.5), "ms")
    bench("verify_page_p95_ms", percentile([t * 1000 for t in repeat], 0.95), "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=("all", "checkin", "stars", "certificate"), default="all")
    parser.add_argument("--scans", type=int, help="check-ins (default 10,000; quick 2,000)")
    parser.add_argument("--rate", type=float, default=200, help="offered scans a second")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per process")
    parser.add_argument("--volunteers", type=int, help="stars: volunteers (1M; quick 100k)")
    parser.add_argument("--rows", type=int, help="stars: ledger rows (20M; quick 2M)")
    args = parser.parse_args()
    if args.part == "checkin":
        total = args.scans or (2_000 if args.quick else 10_000)
        checkin(total, args.rate, args.workers, args.threads)
    elif args.part == "stars":
        volunteers = args.volunteers or (100_000 if args.quick else 1_000_000)
        stars(volunteers, args.rows or volunteers * 20)
    elif args.part == "certificate":
        certificate(21)
    else:
        # Each part in its own process: a fresh database and Django set up on it.
        for part in ("certificate", "checkin", "stars"):
            extra = ["--quick"] if args.quick else []
            extra += [f"--rate={args.rate}", f"--workers={args.workers}"]
            extra += [f"--threads={args.threads}"]
            subprocess.run([sys.executable, __file__, "--part", part, *extra], check=True)


if __name__ == "__main__":
    main()
