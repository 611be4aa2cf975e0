"""The production stack on one machine: gunicorn workers behind nginx, PostgreSQL, Redis.

    .venv/bin/python bench/http_stack.py [--quick]

Needs a PostgreSQL server (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/...),
and the Debian packages nginx and wrk. Prints requests/s and latency for the division search
API and the health check with 1, 2 and 4 gunicorn workers. Traffic stays on 127.0.0.1.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
APP_PORT, PROXY_PORT = 8731, 8732


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.2f} {unit}", flush=True)


def wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not become ready")


def wrk(url: str, seconds: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return rate, float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not (shutil.which("wrk") and shutil.which("nginx")):
        print("BENCH http_stack_unavailable 1 flag  # apt-get install wrk nginx-light")
        return
    env = os.environ.copy()
    env.update(
        {
            "SHEQU_PRODUCTION": "1",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "PII_ENCRYPTION_KEYS": "YmVuY2gta2V5LTAxMjM0NTY3ODlhYmNkZWYwMTIzNDU=",
            "PII_BLIND_INDEX_KEY": "bench-blind-index",
            "DJANGO_SETTINGS_MODULE": "shequ.config.settings",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "CACHE_URL": "rediscache://127.0.0.1:6379/4",
        }
    )
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shequ_http_bench")
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            "DROP DATABASE IF EXISTS shequ_http_bench",
        ],
        check=False,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE shequ_http_bench"],
        check=False,
        capture_output=True,
    )
    manage = [PY, str(REPO / "manage.py")]
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["load_divisions"],
        ["collectstatic", "--no-input", "-v", "0"],
    ):
        subprocess.run([*manage, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = 5 if args.quick else 15
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            f"worker_processes 1; pid {tmp}/nginx.pid; error_log {tmp}/error.log;"
            f"events {{ worker_connections 1024; }}"
            f"http {{ access_log off; client_body_temp_path {tmp}; proxy_temp_path {tmp};"
            f" upstream app {{ server 127.0.0.1:{APP_PORT}; keepalive 32; }}"
            f" server {{ listen 127.0.0.1:{PROXY_PORT};"
            f" location / {{ proxy_pass http://app; proxy_http_version 1.1;"
            f' proxy_set_header Connection ""; proxy_set_header Host $host;'
            f" proxy_set_header X-Forwarded-Proto https; }} }} }}"
        )
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])
        try:
            for workers in [2] if args.quick else [1, 2, 4]:
                gunicorn = subprocess.Popen(
                    [
                        str(Path(PY).parent / "gunicorn"),
                        "shequ.config.wsgi",
                        "-w",
                        str(workers),
                        "-b",
                        f"127.0.0.1:{APP_PORT}",
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                    cwd=REPO,
                )
                try:
                    base = f"http://127.0.0.1:{PROXY_PORT}"
                    wait_ready(base + "/healthz")
                    for name, path in (
                        ("healthz", "/healthz"),
                        ("division_search", "/api/v1/divisions/search?q=%E7%8E%89%E6%9E%97"),
                    ):
                        rate, p99 = wrk(base + path, seconds)
                        bench(f"http_{name}_{workers}_workers_throughput", rate, "req/s")
                        bench(f"http_{name}_{workers}_workers_p99", p99, "ms")
                finally:
                    gunicorn.send_signal(signal.SIGTERM)
                    gunicorn.wait(timeout=30)
        finally:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=10)


if __name__ == "__main__":
    main()
