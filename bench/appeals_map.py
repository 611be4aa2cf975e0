"""The public map of requests (``/appeals/map/?status=open``) with 100,000 open public requests
in headless Chromium on a phone (390 px): from navigation to the map saying it is ready
(``data-ready`` on the map element, set once the district boundaries and the dots are drawn).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequ_appeals_bench \
        .venv/bin/python bench/appeals_map.py [--quick]

A throw-away test database (``test_<name>``, a copy of the tests' migrated template) is created
and dropped. Requests are generated inside PostgreSQL with generate_series (seeded
``random()``); ``--quick`` loads 10,000 instead of 100,000. The app is served by Django's live
server thread (as ``bench/projects.py`` does for its map). Peer in the same run: a plain static
Leaflet page (Leaflet from ``var/vendor``) fetching the same points and drawing them as
``L.circleMarker`` on Leaflet's canvas renderer. Target: ready under 1.5 s.
Prints ``BENCH <metric> <value> <unit>`` lines.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
CATEGORIES = 30
# Central Chengdu.
WEST, SOUTH, SPAN = 103.90, 30.50, 0.30
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TARGET_MS = 1500
RUNS = 4  # the first warms the server and the browser's cache of Leaflet; not counted

PEER_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<style>#map { height: 70vh; }</style></head><body>
<div id="map"></div>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script>
var map = L.map("map", { preferCanvas: true }).setView([30.67, 104.06], 9);
var renderer = L.canvas({ padding: 0.3 });
fetch(POINTS).then(function (r) { return r.json(); }).then(function (data) {
  for (var i = 0; i < data.count; i++) {
    L.circleMarker(
      [data.origin[1] + data.lat[i] / data.scale, data.origin[0] + data.lon[i] / data.scale],
      { renderer: renderer, radius: 4, stroke: false, fillOpacity: 1,
        fillColor: data.open[i] ? "#dc3545" : "#198754" }).addTo(map);
  }
  requestAnimationFrame(function () { document.getElementById("map").dataset.ready = "1"; });
});
</script></body></html>"""


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def size(n: int) -> str:
    return f"{n // 1000}k"


def seed(n: int) -> None:
    """``n`` open public requests with a pin, received in the 60 days before NOW, over
    ``CATEGORIES`` categories, the communities and a unit per district."""
    from django.db import connection

    from shequ.appeals.models import Category, Unit
    from shequ.places.models import Division

    Category.objects.bulk_create(
        [Category(code=f"m{i}", name=f"类别{i}", position=i) for i in range(CATEGORIES)]
    )
    Unit.objects.bulk_create(
        [
            Unit(name=d.name + "兜底", kind=Unit.Kind.DISTRICT, division=d)
            for d in Division.objects.filter(level=Division.Level.DISTRICT)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            INSERT INTO appeals_appeal
              (category_id, nature, description, address, longitude, latitude, community_id,
               channel, reporter_id, caller_name, caller_phone, entered_by_id, is_private,
               status, unit_id, routing_reason, deadline_at, created_at, closed_at, reply,
               round, ruling, escalation_level)
            SELECT c.ids[1 + floor(random() * array_length(c.ids, 1))::int], 'complaint',
                   '路灯不亮', '', %(west)s + random() * %(span)s, %(south)s + random() * %(span)s,
                   d.codes[1 + i %% array_length(d.codes, 1)], 'api', NULL, '', NULL, NULL,
                   false,
                   (ARRAY['awaiting', 'dispatched', 'in_progress', 'returned'])[1 + i %% 4],
                   u.ids[1 + i %% array_length(u.ids, 1)], '', t.at + interval '7 days', t.at,
                   NULL, '', 1, '', 0
            FROM generate_series(1, %(n)s) AS i
            CROSS JOIN LATERAL (
                SELECT %(now)s::timestamptz - random() * interval '60 days' AS at
            ) t
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM appeals_category) c
            CROSS JOIN (SELECT array_agg(code ORDER BY code) AS codes FROM places_division
                        WHERE level = 'community') d
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM appeals_unit) u
            """,
            {"west": WEST, "south": SOUTH, "span": SPAN, "n": n, "now": NOW},
        )
        cursor.execute("VACUUM ANALYZE appeals_appeal")


def measure(n: int) -> None:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import Request, Response, Route, sync_playwright

    executable = os.environ.get("SHEQU_CHROMIUM") or shutil.which("chromium") or ""
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    points = "/appeals/map/points.json?status=open"
    peer = PEER_PAGE.replace("POINTS", repr(points))
    results: dict[str, list[float]] = {"map": [], "peer": []}
    payload: dict[str, int] = {}
    server_ms: list[float] = []
    shown = ""
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

            def on_response(response: Response) -> None:
                if "/map/points.json" in response.url:
                    payload["bytes"] = len(response.body())
                    timing = response.request.timing
                    server_ms.append(timing["responseStart"] - timing["requestStart"])

            def serve_peer(route: Route, request: Request) -> None:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=peer)

            for name, url, selector in (
                ("map", base + "/appeals/map/?status=open", "#appeal-map"),
                ("peer", base + "/bench-peer.html", "#map"),
            ):
                for run in range(RUNS):
                    context = browser.new_context(
                        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
                    )
                    page = context.new_page()
                    page.route(base + "/bench-peer.html", serve_peer)
                    if name == "map":
                        page.on("response", on_response)
                    t = time.perf_counter()
                    page.goto(url, wait_until="commit")
                    page.wait_for_selector(f"{selector}[data-ready]", timeout=120_000)
                    elapsed = (time.perf_counter() - t) * 1000
                    if name == "map":
                        shown = page.get_by_test_id("map-count").inner_text()
                    if run:
                        results[name].append(elapsed)
                    context.close()
            browser.close()
    finally:
        server.terminate()
    label = size(n)
    bench(f"appeals_map_{label}_shown", float(shown.replace(",", "")), "points")
    bench(f"appeals_map_{label}_points_payload", payload.get("bytes", 0) / 1024, "KiB")
    bench(f"appeals_map_{label}_points_server_median", statistics.median(server_ms), "ms")
    bench(f"appeals_map_{label}_ready_median", statistics.median(results["map"]), "ms")
    bench(f"appeals_map_{label}_ready_max", max(results["map"]), "ms")
    peer_median = statistics.median(results["peer"])
    bench(f"appeals_map_peer_leaflet_{label}_ready_median", peer_median, "ms")
    bench(f"appeals_map_peer_leaflet_{label}_ready_max", max(results["peer"]), "ms")
    bench(
        f"appeals_map_{label}_under_target",
        1 if statistics.median(results["map"]) < TARGET_MS else 0,
        "bool",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        sys.exit("bench/appeals_map.py needs PostgreSQL: set DATABASE_URL")
    if not (os.environ.get("SHEQU_CHROMIUM") or shutil.which("chromium")):
        sys.exit("bench/appeals_map.py needs Chromium (or SHEQU_CHROMIUM)")
    from tests.db_template import migrated_template

    template = migrated_template(os.environ["DATABASE_URL"])
    connection.settings_dict.setdefault("TEST", {})["TEMPLATE"] = template
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from shequ.places.models import Division
        from shequ.places.services import divisions_load

        if not Division.objects.filter(level=Division.Level.COMMUNITY).exists():
            divisions_load()
        started = time.perf_counter()
        seed(n)
        bench(f"appeals_map_seed_{size(n)}_seconds", time.perf_counter() - started, "s")
        connections.close_all()
        measure(n)
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
