"""Pages as residents request them, through the production stack, beside `make run`'s old
server (issue 14: anonymous home ≥ 300 req/s, catalogue search ≥ 200 req/s, a signed-in
resident's page ≥ 150 req/s, each with p95 < 100 ms at 50 concurrent connections).

    .venv/bin/python bench/serving.py            # 15 s per page
    .venv/bin/python bench/serving.py --quick    # 5 s per page

Starts ``deploy/cluster.py up`` (nginx, two gunicorn app servers, a worker and the scheduler
on PostgreSQL and Redis, demo data) and, on the same database and settings, Django's
development server that ``make run`` used before (the peer; with DEBUG off like the cluster,
which only flatters it). wrk (Debian package) runs 50
connections on 2 threads against each. wrk's latency distribution has 50/75/90/99 %: the
99th percentile is printed as the upper bound of the 95th. Prints
``BENCH <page>_<server>_rps <v> req/s`` and ``BENCH <page>_<server>_p99_ms <v> ms``.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
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


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.1f} {unit}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def wrk(url: str, seconds: int, cookie: str = "") -> tuple[float, float]:
    command = ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"# {url}: {errors.group(1)} non-2xx answers", flush=True)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return rate, float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")


def measure(server: str, base: str, password: str, seconds: int) -> None:
    cookie = resident_cookie(base, password)
    for page, path in PAGES.items():
        rate, p99 = wrk(base + path, seconds, cookie if page == "resident_page" else "")
        bench(f"{page}_{server}_rps", rate, "req/s")
        bench(f"{page}_{server}_p99_ms", p99, "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not (shutil.which("wrk") and shutil.which("nginx")):
        print("BENCH serving_unavailable 1 flag  # apt-get install wrk nginx")
        return
    seconds = 5 if args.quick else 15
    subprocess.run([sys.executable, str(CLUSTER), "up"], check=True, stdout=subprocess.DEVNULL)
    peer = None
    try:
        state = json.loads((STATE / "cluster.json").read_text())
        measure("production", state["nginx"], state["demo_password"], seconds)
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
        )
        peer_base = f"http://127.0.0.1:{port}"
        wait_ready(peer_base + "/healthz")
        measure("runserver", peer_base, state["demo_password"], seconds)
    finally:
        if peer is not None:
            peer.terminate()
            peer.wait(timeout=30)
        subprocess.run([sys.executable, str(CLUSTER), "down"], check=False)


if __name__ == "__main__":
    main()
