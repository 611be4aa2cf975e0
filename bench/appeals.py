"""Residents' requests (诉求) at city scale: the routing decision against a 300-category ×
3,047-community dispatch catalogue, the "me too" suggestion (open requests of one category
within 200 m and 30 days) among 1,000,000 open requests, and every unit's monthly rates (三率)
over 5,000,000 requests; the neighbours a new request's problem cluster is read from (same
category, 100 m, 90 days) and the recurrence rates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_appeals_bench \
        .venv/bin/python bench/appeals.py [--quick]

A throw-away test database (``test_<name>``, a copy of the tests' migrated template) is created
and dropped. Requests, their events and ratings are generated inside PostgreSQL with
generate_series (seeded ``random()``), so runs compare. ``--quick`` (under a minute) seeds fewer
requests; the metric names carry the sizes. Baselines in the same run: the suggestion with index
scans switched off (the naive query), the district fallback (兜底) of routing, and the same rates
per community.
Prints ``BENCH <metric> <value> <unit>`` lines.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The bench's "now": open requests were received in the 60 days before it, the others in the
# two years before it.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
MONTH = (datetime(2026, 6, 1, tzinfo=SHANGHAI), datetime(2026, 7, 1, tzinfo=SHANGHAI))
CATEGORIES = 300
# Central Chengdu, where requests are densest (a demanding spread for the bounding box).
WEST, SOUTH, SPAN = 103.90, 30.50, 0.30


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def size(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        sys.exit("bench/appeals.py needs PostgreSQL: set DATABASE_URL")
    from tests.db_template import migrated_template

    # A copy of the tests' migrated template (with the divisions): seconds instead of a
    # minute and more of migrating.
    template = migrated_template(os.environ["DATABASE_URL"])
    connection.settings_dict.setdefault("TEST", {})["TEMPLATE"] = template
    old = setup_databases(verbosity=0, interactive=False)
    try:
        if args.quick:
            run(open_=50_000, total=100_000, with_rows=30, lookups=300, repeats=2)
        else:
            run(open_=1_000_000, total=5_000_000, with_rows=CATEGORIES, lookups=1000, repeats=3)
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


def seed_catalogue(with_rows: int) -> None:
    """300 categories, a unit for every district and 40 departments, and one live catalogue
    row in every community for each of the first ``with_rows`` categories (300 × 3,047 rows in
    the full run)."""
    from django.db import connection

    from shequ.appeals.models import CatalogueVersion, Category, Unit
    from shequ.places.models import Division

    Category.objects.bulk_create(
        [Category(code=f"c{i}", name=f"类别{i}", position=i) for i in range(CATEGORIES + 1)]
    )
    Unit.objects.bulk_create(
        [
            Unit(name=d.name + "兜底", kind=Unit.Kind.DISTRICT, division=d)
            for d in Division.objects.filter(level=Division.Level.DISTRICT)
        ]
        + [Unit(name=f"部门{i}", kind=Unit.Kind.DEPARTMENT) for i in range(40)]
    )
    CatalogueVersion.objects.create(number=1, note="bench")
    with connection.cursor() as cursor:
        # Category c300 (and those past ``with_rows``) have no row at all: their requests go
        # to the district (兜底).
        cursor.execute(
            """
            INSERT INTO appeals_routingrow (category_id, place_id, unit_id, added_in, retired_in)
            SELECT c.id, d.code, u.ids[1 + (c.id + d.n) %% array_length(u.ids, 1)], 1, NULL
            FROM appeals_category c
            CROSS JOIN (SELECT code, row_number() OVER (ORDER BY code) AS n
                        FROM places_division WHERE level = 'community') d
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM appeals_unit) u
            WHERE c.position < %s
            """,
            [with_rows],
        )
        cursor.execute("VACUUM ANALYZE appeals_routingrow")


def seed_requests(open_: int, total: int) -> None:
    """``total`` requests: the first ``open_`` open (received in the 60 days before NOW, one in
    twenty private), the others handled in the two years before; their dispatch, sign-for and
    handling events, and a rating for three in five handled ones."""
    from django.db import connection

    from shequ.appeals.deadlines import holiday_exceptions, working_day_ordinals

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.18)")
        cursor.execute(
            """
            INSERT INTO appeals_appeal
              (category_id, nature, description, address, longitude, latitude, community_id,
               channel, reporter_id, caller_name, caller_phone, entered_by_id, is_private,
               status, unit_id, routing_reason, deadline_at, created_at, closed_at, reply,
               round, ruling, escalation_level)
            SELECT c.ids[1 + floor(random() * %(ncat)s)::int], 'complaint', '路灯不亮', '',
                   %(west)s + random() * %(span)s, %(south)s + random() * %(span)s,
                   d.codes[1 + i %% array_length(d.codes, 1)], 'api', NULL, '', NULL, NULL,
                   i %% 20 = 0,
                   CASE WHEN i <= %(open)s
                        THEN (ARRAY['awaiting', 'dispatched', 'in_progress', 'returned'])
                             [1 + i %% 4]
                        WHEN i %% 5 < 3 THEN 'rated' ELSE 'closed' END,
                   u.ids[1 + i %% array_length(u.ids, 1)], '', t.at + interval '7 days', t.at,
                   CASE WHEN i > %(open)s THEN t.at + random() * interval '10 days' END, '', 1,
                   '', 0
            FROM generate_series(1, %(total)s) AS i
            CROSS JOIN LATERAL (
                SELECT %(now)s::timestamptz - random() * CASE WHEN i <= %(open)s
                       THEN interval '60 days' ELSE interval '730 days' END AS at
            ) t
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM appeals_category
                        WHERE code <> %(fallback)s) c
            CROSS JOIN (SELECT array_agg(code ORDER BY code) AS codes FROM places_division
                        WHERE level = 'community') d
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM appeals_unit) u
            """,
            {
                "ncat": CATEGORIES,
                "west": WEST,
                "south": SOUTH,
                "span": SPAN,
                "open": open_,
                "total": total,
                "now": NOW,
                "fallback": f"c{CATEGORIES}",
            },
        )
        # Working days as the app stores them when a request is handled: each day's count of
        # working days (the holiday table) since the first day, so a span is a difference.
        first, last = (NOW - timedelta(days=800)).date(), (NOW + timedelta(days=30)).date()
        ordinals = working_day_ordinals(first, last, holiday_exceptions(first, last))
        cursor.execute("CREATE TEMPORARY TABLE bench_calendar (day date PRIMARY KEY, n int)")
        cursor.executemany("INSERT INTO bench_calendar VALUES (%s, %s)", list(ordinals.items()))
        cursor.execute("ANALYZE bench_calendar")  # a hash join, not a probe a row
        # A dispatch was answered in time when its request was signed for (3 hours in, due
        # in 7 days).
        cursor.execute(
            """
            INSERT INTO appeals_appealevent
              (appeal_id, community_id, kind, unit_id, actor_id, text, note, held_seconds,
               on_time, responded, working_days, at)
            SELECT a.id, a.community_id, k.kind, a.unit_id, NULL, '', '', NULL,
                   CASE WHEN k.kind = 'closed' THEN a.closed_at <= a.deadline_at END,
                   CASE WHEN k.kind = 'dispatched'
                             AND a.status NOT IN ('awaiting', 'dispatched') THEN TRUE END,
                   CASE WHEN k.kind = 'closed' THEN GREATEST(e.n - s.n, 0) END,
                   CASE k.kind WHEN 'dispatched' THEN a.created_at + interval '1 minute'
                               WHEN 'signed' THEN a.created_at + interval '3 hours'
                               ELSE a.closed_at END
            FROM appeals_appeal a
            CROSS JOIN (VALUES ('dispatched'), ('signed'), ('closed')) AS k(kind)
            LEFT JOIN bench_calendar s ON s.day = (a.created_at AT TIME ZONE %(tz)s)::date
            LEFT JOIN bench_calendar e ON e.day = (a.closed_at AT TIME ZONE %(tz)s)::date
            WHERE (k.kind <> 'closed' OR a.closed_at IS NOT NULL)
              AND (k.kind <> 'signed' OR a.status NOT IN ('awaiting', 'dispatched'))
            """,
            {"tz": str(SHANGHAI)},
        )
        cursor.execute(
            """
            INSERT INTO appeals_appealrating
              (appeal_id, community_id, round, unit_id, level, fixed, comment, cause,
               created_at)
            SELECT id, community_id, 1, unit_id,
                   (ARRAY['satisfied', 'fairly', 'dissatisfied'])[1 + id % 3], id % 4 <> 0, '',
                   '', closed_at + interval '1 day'
            FROM appeals_appeal WHERE status = 'rated'
            """
        )
        for table in ("appeals_appeal", "appeals_appealevent", "appeals_appealrating"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def run(open_: int, total: int, with_rows: int, lookups: int, repeats: int) -> None:
    from django.db import connection, transaction

    from shequ.appeals import selectors
    from shequ.appeals.models import Category
    from shequ.appeals.routing import route
    from shequ.appeals.selectors import rates as rate_selectors
    from shequ.places.models import Division
    from shequ.places.services import divisions_load

    rng = random.Random(16)
    if not Division.objects.filter(level=Division.Level.COMMUNITY).exists():
        divisions_load()
    started = time.perf_counter()
    seed_catalogue(with_rows)
    bench("appeals_catalogue_seed_seconds", time.perf_counter() - started, "s")
    started = time.perf_counter()
    seed_requests(open_, total)
    bench(f"appeals_seed_{size(total)}_requests_seconds", time.perf_counter() - started, "s")

    # --- the floor: one round trip to PostgreSQL on this (shared) machine ---------------------
    times = []
    with connection.cursor() as cursor:
        for _ in range(lookups):
            t = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append(time.perf_counter() - t)
    bench("appeals_select_1_round_trip_p95", p95(times), "ms")

    # --- routing ----------------------------------------------------------------------------
    categories = list(Category.objects.exclude(code=f"c{CATEGORIES}"))
    routed = [c for c in categories if c.position < with_rows]
    fallback = Category.objects.get(code=f"c{CATEGORIES}")
    communities = list(Division.objects.filter(level=Division.Level.COMMUNITY))
    bench("appeals_catalogue_rows", len(routed) * len(communities), "rows")
    times = []
    for _ in range(lookups):
        category, community = rng.choice(routed), rng.choice(communities)
        t = time.perf_counter()
        decision = route(category, community)
        times.append(time.perf_counter() - t)
        assert decision.row_id is not None
    bench(f"appeals_routing_p95_{len(routed)}x{len(communities)}", p95(times), "ms")
    times = []
    for _ in range(lookups):
        community = rng.choice(communities)
        t = time.perf_counter()
        decision = route(fallback, community)
        times.append(time.perf_counter() - t)
        assert decision.row_id is None
    bench("appeals_routing_fallback_p95", p95(times), "ms")

    # --- "me too" ---------------------------------------------------------------------------
    ids = [c.pk for c in categories]
    since30 = NOW - timedelta(days=30)

    def pins(n: int) -> list[tuple[int, float, float]]:
        return [
            (rng.choice(ids), WEST + rng.random() * SPAN, SOUTH + rng.random() * SPAN)
            for _ in range(n)
        ]

    def suggest(category_id: int, lon: float, lat: float) -> int:
        return len(
            selectors.similar_open(category_id=category_id, longitude=lon, latitude=lat, now=NOW)
        )

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM appeals_appeal WHERE category_id = %s AND status IN "
            "('awaiting', 'dispatched', 'in_progress', 'returned') AND NOT is_private "
            "AND latitude BETWEEN 30.6 AND 30.602 AND longitude BETWEEN 104.0 AND 104.002 "
            "AND created_at >= %s",
            [ids[0], since30],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    bench("appeals_similar_uses_index", 1 if "appeal_similar" in plan else 0, "bool")
    # The database's own time for one suggestion (planning and execution, no round trip).
    with connection.cursor() as cursor:
        spent = []
        for category_id, lon, lat in pins(max(lookups // 10, 10)):
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM appeals_appeal "
                "WHERE category_id = %s AND status IN "
                "('awaiting', 'dispatched', 'in_progress', 'returned') AND NOT is_private "
                "AND latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s "
                "AND created_at >= %s",
                [category_id, lat - 0.0018, lat + 0.0018, lon - 0.0021, lon + 0.0021, since30],
            )
            (report,) = cursor.fetchone()
            spent.append((report[0]["Planning Time"] + report[0]["Execution Time"]) / 1000)
    bench(f"appeals_similar_db_time_p95_{size(open_)}_open", p95(spent), "ms")
    found = 0
    times = []
    for category_id, lon, lat in pins(lookups):
        t = time.perf_counter()
        found += suggest(category_id, lon, lat)
        times.append(time.perf_counter() - t)
    bench(f"appeals_similar_p95_{size(open_)}_open", p95(times), "ms")
    bench("appeals_similar_found_mean", found / lookups, "requests")
    # A busy spot: pins on existing open requests (there is always at least one to offer).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_id, longitude, latitude FROM appeals_appeal "
            "WHERE status = 'in_progress' AND NOT is_private ORDER BY id LIMIT %s",
            [lookups],
        )
        hits = cursor.fetchall()
    times = []
    for category_id, lon, lat in hits:
        t = time.perf_counter()
        suggest(category_id, lon, lat)
        times.append(time.perf_counter() - t)
    bench(f"appeals_similar_on_a_request_p95_{size(open_)}_open", p95(times), "ms")
    times = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
        for category_id, lon, lat in pins(max(repeats * 3, 5)):
            t = time.perf_counter()
            suggest(category_id, lon, lat)
            times.append(time.perf_counter() - t)
    bench(
        f"appeals_similar_unindexed_median_{size(open_)}_open",
        statistics.median(times) * 1000,
        "ms",
    )

    # --- problem clusters: the one read at every intake ----------------------------------------
    from shequ.appeals.selectors import clusters as cluster_selectors

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM appeals_appeal WHERE category_id = %s "
            "AND created_at BETWEEN %s AND %s AND ((latitude BETWEEN 30.6 AND 30.601 "
            "AND longitude BETWEEN 104.0 AND 104.001) OR (community_id = %s "
            "AND latitude IS NULL))",
            [ids[0], NOW - timedelta(days=90), NOW, communities[0].code],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    bench("appeals_cluster_uses_index", 1 if "appeal_cluster" in plan else 0, "bool")
    times = []
    for category_id, lon, lat in pins(lookups):
        t = time.perf_counter()
        cluster_selectors.cluster_neighbours(
            category_id=category_id,
            community_code=rng.choice(communities).code,
            longitude=lon,
            latitude=lat,
            before=NOW,
        )
        times.append(time.perf_counter() - t)
    bench(f"appeals_cluster_neighbours_p95_{size(total)}", p95(times), "ms")
    since, until = MONTH
    t = time.perf_counter()
    cluster_selectors.unit_recurrence(since=since, until=until)
    bench(f"appeals_unit_recurrence_month_{size(total)}", (time.perf_counter() - t) * 1000, "ms")

    # --- the monthly rates ------------------------------------------------------------------
    from django.db.models import Count, Q

    from shequ.appeals.models import AppealEvent

    plan = (
        AppealEvent.objects.filter(at__gte=since, at__lt=until, kind="dispatched")
        .values("unit_id")
        .annotate(n=Count("kind"), ok=Count("kind", filter=Q(responded=True)))
        .order_by()
        .explain()
    )
    bench("appeals_rates_index_only", float("Index Only Scan" in plan), "bool")
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        rows = rate_selectors.unit_rates(since=since, until=until)
        times.append(time.perf_counter() - t)
    assert rows
    assert sum(r.dispatched for r in rows) > 0
    bench(f"appeals_unit_rates_month_max_{size(total)}", max(times) * 1000, "ms")
    bench("appeals_unit_rates_units", len(rows), "units")
    bench("appeals_unit_rates_dispatched", sum(r.dispatched for r in rows), "requests")
    assert all(r.responded > 0 and r.days_mean is not None for r in rows if r.closed)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        rate_selectors.community_rate_counts(since=since, until=until)
        times.append(time.perf_counter() - t)
    bench(f"appeals_community_rates_month_max_{size(total)}", max(times) * 1000, "ms")


if __name__ == "__main__":
    main()
