"""Five-major-actions benchmark: as-of statistics over 100,000 projects / 1,000,000 status events.

    .venv/bin/python bench/projects.py            # 100,000 projects, 1,000,000 events
    .venv/bin/python bench/projects.py --quick    # 20,000 projects, 200,000 events
    .venv/bin/python bench/projects.py --no-map   # without the browser (map of 20,000 projects)

Needs PostgreSQL: uses DATABASE_URL if it names one, else its own database
``shequ_projects_bench`` on 127.0.0.1:5432 (created and dropped here, never the development
database). Each project has 10 status events (planned, approved, then work and completion
with rework loops); rows are generated inside PostgreSQL with generate_series.
Prints ``BENCH <metric> <value> <unit>`` lines.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shequ_projects_bench"


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


EVENTS_SQL = """
INSERT INTO projects_statusevent
  (project_id, status, occurred_on, superseded_on, is_first, project_type_id, district_id,
   division_id, year, planned_investment, note, created_at)
SELECT p.id,
       CASE WHEN k = 0 THEN 'planned' WHEN k = 1 THEN 'approved'
            WHEN k %% 2 = 0 THEN 'construction' ELSE 'completed' END,
       make_date(p.year, 1, 1) + (k * 25 + p.id %% 40)::int,
       CASE WHEN k < 9 THEN make_date(p.year, 1, 1) + ((k + 1) * 25 + p.id %% 40)::int END,
       k < 4, p.project_type_id, p.district_id, p.division_id, p.year,
       p.planned_city + p.planned_district + p.planned_social, '', now()
FROM projects_project p CROSS JOIN generate_series(0, 9) AS k
WHERE p.id > %s
"""


def seed(first: int, last: int) -> None:
    """Projects ``B<first>`` … ``B<last>`` and their ten status events each."""
    from django.db import connection

    from shequ.places.models import Division
    from shequ.projects.models import ProjectType

    type_ids = list(ProjectType.objects.values_list("id", flat=True))
    districts = list(
        Division.objects.filter(level=Division.Level.DISTRICT).values_list("code", flat=True)
    )
    communities = [
        Division.objects.filter(level=Division.Level.COMMUNITY, code__startswith=d[:6])
        .values_list("code", flat=True)
        .first()
        for d in districts
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO projects_project
              (code, name, project_type_id, division_id, district_id, year, longitude, latitude,
               planned_city, planned_district, planned_social, actual_city, actual_district,
               actual_social, implementer, status, status_since, progress, description,
               is_synthetic, created_at, updated_at)
            SELECT 'B' || i, 'bench ' || i, (%s::bigint[])[1 + i %% %s],
                   (%s::text[])[1 + i %% 20], (%s::text[])[1 + i %% 20], 2018 + i %% 3,
                   103.9 + (i %% 1000) / 2000.0, 30.5 + (i %% 997) / 2000.0,
                   100000, 200000, 0, 0, 0, 0, '', 'completed', make_date(2018 + i %% 3, 12, 1),
                   100, '', true, now(), now()
            FROM generate_series(%s, %s) AS i
            """,
            [type_ids, len(type_ids), communities, districts, first, last],
        )
        cursor.execute("SELECT COALESCE(MAX(project_id), 0) FROM projects_statusevent")
        (done,) = cursor.fetchone()
        cursor.execute(EVENTS_SQL, [done])
        # As autovacuum leaves a table in steady use: statistics for the planner, and the
        # visibility map set, so that the covering indexes answer without visiting the table.
        cursor.execute("VACUUM ANALYZE projects_project")
        cursor.execute("VACUUM ANALYZE projects_statusevent")


MAP_PROJECTS = 20_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def bench_map(n_points: int) -> None:
    """Public map in headless Chromium on a phone: navigation → boundaries and markers drawn
    (the page sets ``window.shequMapReady``), then a tap on the map answering."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    executable = os.environ.get("SHEQU_CHROMIUM") or shutil.which("chromium") or ""
    from playwright.sync_api import Response, sync_playwright

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            samples: list[float] = []
            sizes: list[int] = []

            def on_response(response: Response) -> None:
                if "/projects/map?" in response.url:
                    sizes.append(len(response.body()))

            for run in range(4):
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
                )
                page = context.new_page()
                page.on("response", on_response)
                t = time.perf_counter()
                page.goto(base + "/projects/map/", wait_until="commit")
                page.wait_for_function("() => window.shequMapReady === true", timeout=30_000)
                elapsed = (time.perf_counter() - t) * 1000
                shown = page.get_by_test_id("map-count").inner_text()
                if run:  # the first load warms the server and the browser cache of Leaflet
                    samples.append(elapsed)
                context.close()
            browser.close()
    finally:
        server.terminate()
    bench(f"map_points_{n_points // 1000}k_shown", float(shown.replace(",", "")), "points")
    bench("map_points_payload", sizes[-1] / 1024, "KiB")
    bench(f"map_ready_{n_points // 1000}k_median", statistics.median(samples), "ms")
    bench(f"map_ready_{n_points // 1000}k_max", max(samples), "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-map", action="store_true", help="skip the browser benchmark")
    args = parser.parse_args()
    n_projects = MAP_PROJECTS if args.quick else 100_000
    label = f"{n_projects // 1000}k"

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = DEFAULT_URL
    # Only a database whose name says "bench" is (re)created here, never a development one.
    own = "bench" in url.rsplit("/", 1)[1]
    if own:
        recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from shequ.core.scopes import CITY_CODE, Area, Role
    from shequ.people.models import User
    from shequ.projects import selectors
    from shequ.projects.models import StatusEvent

    map_runs = not args.no_map and bool(
        os.environ.get("SHEQU_CHROMIUM") or shutil.which("chromium")
    )
    if map_runs:  # the pages want every app's tables
        call_command("migrate", "--no-input", verbosity=0)
    else:  # the statistics want only these (and their dependencies): seconds, not a minute
        for app in ("core", "projects"):
            call_command("migrate", app, "--no-input", verbosity=0)
    call_command("load_divisions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not map_runs and not args.no_map:
        print("no Chromium: map benchmark skipped", file=sys.stderr)
    started = time.perf_counter()
    seed(1, MAP_PROJECTS)
    if map_runs:
        bench_map(MAP_PROJECTS)
    seed(MAP_PROJECTS + 1, n_projects)
    bench(f"seed_{label}_projects", time.perf_counter() - started, "s")
    bench("status_events", StatusEvent.objects.count(), "rows")

    committee = User(username="bench")
    committee._shequ_areas = [Area(role=Role.CITY_COMMITTEE, division_code=CITY_CODE)]  # type: ignore[attr-defined]
    district = User(username="bench-d")
    district._shequ_areas = [Area(role=Role.DISTRICT_OFFICER, division_code="510107000000")]  # type: ignore[attr-defined]
    days = [date(2018, 7, 31), date(2019, 3, 15), date(2020, 6, 30), date(2021, 1, 1)]

    def timed(name: str, run: object) -> None:
        samples = []
        for _ in range(3):
            for day in days:
                t = time.perf_counter()
                run(day)  # type: ignore[operator]
                samples.append((time.perf_counter() - t) * 1000)
        bench(f"{name}_{label}_median", statistics.median(samples), "ms")
        bench(f"{name}_{label}_max", max(samples), "ms")

    timed(
        "asof_implemented_counts",
        lambda d: selectors.implemented_counts(committee, as_of=d, year=d.year),
    )
    timed("asof_status_counts", lambda d: selectors.status_counts(committee, as_of=d))
    timed(
        "asof_full_report_city",
        lambda d: selectors.as_of_report(committee, as_of=d, year=d.year),
    )
    timed(
        "asof_full_report_district",
        lambda d: selectors.as_of_report(district, as_of=d, year=d.year),
    )
    if own:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


if __name__ == "__main__":
    main()
