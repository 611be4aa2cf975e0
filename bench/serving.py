"""Pages as residents request them, through the production stack, beside `make run`'s old
server (issue 14: anonymous home ≥ 300 req/s, catalogue search ≥ 200 req/s, a signed-in
resident's page ≥ 150 req/s, each with p95 < 100 ms at 50 concurrent connections).

    .venv/bin/python bench/serving.py            # 15 s per page
    .venv/bin/python bench/serving.py --quick    # 4 s per page

Starts ``deploy/cluster.py up`` (nginx, two gunicorn app servers, a worker and the scheduler
on PostgreSQL and Redis, demo data) and, on the same database and settings, Django's
development server that ``make run`` used before (the peer; with DEBUG off like the cluster,
which only flatters it). wrk (Debian package) runs 50
connections on 2 threads against each, after a short warm-up (so the first requests' imports
and cache fills are not counted). wrk's own ``--latency`` table stops at 50/75/90/99 %, so a
small Lua script written at run time into a temporary directory asks wrk's ``done()`` hook for
the 95th percentile of the latency distribution. Prints
``BENCH <page>_<server>_rps <v> req/s``, ``BENCH <page>_<server>_p95_ms <v> ms`` and
``BENCH <page>_<server>_p99_ms <v> ms`` at saturation (a closed loop: the most a server
answers), then each page again at the issue's rate (``_rps_at_target_<n>`` and
``_p95_at_target_ms``: the latency residents see at that load). ``--quick`` (4 s per run)
finishes in about a minute once the cluster is up.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "deploy" / "cluster.py"
STATE = Path(os.environ.get("SHEQU_CLUSTER_DIR", REPO / "var" / "cluster"))
PAGES = {
    "home": "/",
    "catalogue_search": "/catalogue/?q=%E4%BD%8E%E4%BF%9D",  # 低保
    "resident_page": "/casework/",
}
# The targets: each page at this many requests a second with p95 < 100 ms.
TARGET_RPS = {"home": 300, "catalogue_search": 200, "resident_page": 150}
CONNECTIONS = 50


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.1f} {unit}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not become ready")


def resident_cookie(base: str, password: str) -> str:
    """The demo resident's session, signed in through the login page."""
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10)
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "username": "resident",
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302:
        raise SystemExit("the demo resident could not sign in")
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


# wrk calls done() once at the end with its merged latency histogram (microseconds).
PERCENTILES_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("PERCENTILE 95 %d\\n", latency:percentile(95)))
  io.write(string.format("PERCENTILE 99 %d\\n", latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Result:
    rate: float
    p95_ms: float
    p99_ms: float


def wrk(url: str, seconds: int, script: Path, cookie: str = "") -> Result:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"# {url}: {errors.group(1)} non-2xx answers", flush=True)
    percentiles = {int(p): int(us) / 1000 for p, us in re.findall(r"PERCENTILE (\d+) (\d+)", out)}
    return Result(
        rate=float(rate.group(1)) if rate else float("nan"),
        p95_ms=percentiles.get(95, float("nan")),
        p99_ms=percentiles.get(99, float("nan")),
    )


def wrk_at_rate(url: str, seconds: int, rate: int, script_dir: Path, cookie: str) -> Result:
    """The page at the issue's rate, not at saturation: each connection pauses between a
    response and its next request (wrk's ``delay()`` hook), so 50 connections offer about
    ``rate`` requests a second. A closed loop at saturation measures queueing (latency is
    connections / throughput by Little's law), not how fast a resident's page comes back.
    A short first run measures how long a connection's cycle really takes (the response
    and wrk's own overhead come on top of the pause); the pause is then shortened by the
    difference, so the rate offered is the target's and not below it."""
    cycle_ms = 1000 * CONNECTIONS / rate
    delay = round(cycle_ms)
    result = Result(rate=0, p95_ms=0, p99_ms=0)
    for run_seconds in (2, seconds):
        script = script_dir / f"delay-{rate}.lua"
        script.write_text(f"delay = function() return {delay} end\n{PERCENTILES_LUA}")
        result = wrk(url, run_seconds, script, cookie)
        if result.rate > 0:
            delay = max(0, round(delay - (1000 * CONNECTIONS / result.rate - cycle_ms)))
    return result


def warm_up(url: str, cookie: str) -> None:
    """Every worker imports its views and fills its caches before the count: a few
    requests one at a time (each may take a while on a cold, loaded machine), then 2 s of
    load."""
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(8):
        requests.get(url, headers=headers, timeout=120)
    extra = ["-H", f"Cookie: {cookie}"] if cookie else []
    subprocess.run(["wrk", "-t2", "-c50", "-d2s", *extra, url], capture_output=True, check=False)


def measure(server: str, base: str, password: str, seconds: int, script: Path) -> None:
    cookie = resident_cookie(base, password)
    for page, path in PAGES.items():
        page_cookie = cookie if page == "resident_page" else ""
        warm_up(base + path, page_cookie)
        result = wrk(base + path, seconds, script, page_cookie)
        bench(f"{page}_{server}_rps", result.rate, "req/s")
        bench(f"{page}_{server}_p95_ms", result.p95_ms, "ms")
        bench(f"{page}_{server}_p99_ms", result.p99_ms, "ms")
        paced = wrk_at_rate(base + path, seconds, TARGET_RPS[page], script.parent, page_cookie)
        bench(f"{page}_{server}_rps_at_target_{TARGET_RPS[page]}", paced.rate, "req/s")
        bench(f"{page}_{server}_p95_at_target_ms", paced.p95_ms, "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not (shutil.which("wrk") and shutil.which("nginx")):
        print("BENCH serving_unavailable 1 flag  # apt-get install wrk nginx")
        return
    seconds = 4 if args.quick else 15
    scripts = tempfile.TemporaryDirectory(prefix="shequ-wrk-")
    script = Path(scripts.name) / "percentiles.lua"
    script.write_text(PERCENTILES_LUA)
    subprocess.run([sys.executable, str(CLUSTER), "up"], check=True, stdout=subprocess.DEVNULL)
    peer = None
    try:
        state = json.loads((STATE / "cluster.json").read_text())
        measure("production", state["nginx"], state["demo_password"], seconds, script)
        port = free_port()
        peer = subprocess.Popen(
            [
                sys.executable,
                str(CLUSTER),
                "manage",
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group: ``cluster.py manage`` starts manage.py as a child, which
            # would outlive a signal sent to the parent alone.
            start_new_session=True,
        )
        peer_base = f"http://127.0.0.1:{port}"
        wait_ready(peer_base + "/healthz")
        measure("runserver", peer_base, state["demo_password"], seconds, script)
    finally:
        if peer is not None:
            os.killpg(peer.pid, signal.SIGTERM)
            peer.wait(timeout=30)
        subprocess.run([sys.executable, str(CLUSTER), "down"], check=False)
        scripts.cleanup()


if __name__ == "__main__":
    main()
