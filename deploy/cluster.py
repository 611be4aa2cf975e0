#!/usr/bin/env python3
"""The several-machines set-up on one machine: ``deploy/cluster.py up|down|status``.

Starts nginx (the Debian package, with its own configuration, pid and logs under the state
directory and on a free port), two gunicorn app servers on two ports and two task workers
(the second one is the single periodic scheduler), all against one PostgreSQL database, one
Redis database and one shared media directory: what a city runs on several machines, with
localhost standing in for the network. ``up`` waits until ``/readyz`` answers 200 through
nginx; ``down`` stops everything ``up`` started (and nothing else).

The database (``CLUSTER_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/
shequ_cluster_<n>``, one per checkout) is dropped and created by ``up``: migrated and seeded
with the demo data the first time, then kept as a template database so that later starts copy
it in a second or two (the template is rebuilt when a migration changes). The queue is
``CLUSTER_REDIS_URL`` (default ``redis://127.0.0.1:6379/<8-15>``, by checkout), emptied by
``up``. Every other variable of the environment reaches the processes as it is, so object
storage (S3) settings, for example, apply to all of them.

``python deploy/cluster.py manage -- <manage.py arguments>`` runs a management command with the
cluster's settings. ``up`` writes the addresses to ``<state>/cluster.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("SHEQU_CLUSTER_DIR", REPO / "var" / "cluster"))
PYTHON = os.environ.get("SHEQU_PYTHON", sys.executable)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Each checkout gets a database and a Redis database of its own by default, so that two
# checkouts on one machine can run their clusters side by side.
_CHECKOUT = int(hashlib.sha256(str(REPO).encode()).hexdigest()[:8], 16)
DATABASE_URL = os.environ.get(
    "CLUSTER_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/shequ_cluster_{_CHECKOUT % 10**6}"
)
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", f"redis://127.0.0.1:6379/{8 + _CHECKOUT % 8}")
READY_TIMEOUT = float(os.environ.get("CLUSTER_READY_TIMEOUT", "90"))
# The demo staff the smoke test signs in as (bootstrap's demo log-ins).
DEMO_PASSWORD = "shequ-demo-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cluster_env() -> dict[str, str]:
    """The settings every process of the cluster shares (secrets from the shared var dir)."""
    var = STATE / "var"
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "TASKS_URL": REDIS_URL,
            # The shared cache, as in a city (catalogue searches, page fragments); flushed with
            # the queue on every start, so a fresh database never meets old cached pages.
            "CACHE_URL": REDIS_URL,
            "SHEQU_VAR_DIR": str(var),
            "PYTHONPATH": os.pathsep.join(
                p for p in [str(REPO / "src"), os.environ.get("PYTHONPATH", "")] if p
            ),
            # Not the caller's (pytest sets the tests' settings, which run tasks inline).
            "DJANGO_SETTINGS_MODULE": "shequ.config.settings",
            "DEBUG": "0",
            "LOG_FORMAT": "json",
            # nginx on this machine is the proxy whose X-Forwarded-For is believed.
            "TRUSTED_PROXIES": "127.0.0.1",
            "WORKER_HEARTBEAT_SECONDS": "2",
        }
    )
    env.pop("TASKS_IMMEDIATE", None)
    return env


def manage(*args: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(REPO / "manage.py"), *args],
        env=cluster_env(),
        cwd=REPO,
        check=check,
        text=True,
        **kwargs,
    )


# --- database ------------------------------------------------------------------------------


def _admin_url(url: str) -> tuple[str, str]:
    """(URL of the server's ``postgres`` database, name of the cluster's database)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def _psql(sql: str) -> str:
    admin, _name = _admin_url(DATABASE_URL)
    done = subprocess.run(
        ["psql", admin, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
        check=True,
        text=True,
        capture_output=True,
    )
    return done.stdout.strip()


def _schema_hash() -> str:
    """Changes whenever a migration (or the demo seeders) change: the template is rebuilt."""
    digest = hashlib.sha256()
    files = sorted(REPO.glob("src/shequ/*/migrations/*.py")) + sorted(
        REPO.glob("src/shequ/*/demo.py")
    )
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_database() -> None:
    _admin, name = _admin_url(DATABASE_URL)
    template = f"{name}_template"
    wanted = _schema_hash()
    found = _psql(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
        f"WHERE datname = '{template}'"
    )
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if found != wanted:
        print(f"cluster: building the template database {template} (once per schema)")
        _psql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{name}"')
        manage("migrate", "--no-input", "-v", "0")
        manage("bootstrap", "--residents", "10", stdout=subprocess.DEVNULL)
        _psql(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        _psql(f"COMMENT ON DATABASE \"{template}\" IS '{wanted}'")
    else:
        _psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def flush_queue() -> None:
    parts = urlsplit(REDIS_URL)
    db = parts.path.lstrip("/") or "0"
    subprocess.run(
        [
            "redis-cli",
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 6379),
            "-n",
            db,
            "FLUSHDB",
        ],
        check=True,
        capture_output=True,
    )


def prepare_files() -> None:
    """The shared var dir: secrets, media and collected static files of all processes."""
    var = STATE / "var"
    (var / "media").mkdir(parents=True, exist_ok=True)
    (var / "private").mkdir(parents=True, exist_ok=True)
    vendor = var / "vendor"
    if not vendor.exists():
        vendor.symlink_to((REPO / "var" / "vendor").resolve())
    if not any((var / "staticfiles").glob("*")):
        manage("collectstatic", "--no-input", "-v", "0")


# --- processes ------------------------------------------------------------------------------

NGINX_CONF = """\
{user}worker_processes 1;
pid {state}/nginx.pid;
error_log {state}/logs/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {state}/logs/nginx-access.log;
    client_body_temp_path {state}/nginx-tmp/body;
    proxy_temp_path {state}/nginx-tmp/proxy;
    fastcgi_temp_path {state}/nginx-tmp/fastcgi;
    uwsgi_temp_path {state}/nginx-tmp/uwsgi;
    scgi_temp_path {state}/nginx-tmp/scgi;
    sendfile on;
    upstream shequ_web {{
        least_conn;
{servers}
        keepalive 16;
    }}
    map $http_x_request_id $shequ_request_id {{
        default $http_x_request_id;
        ""      $request_id;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        set $shequ_var {var};
        include {repo}/deploy/nginx/shequ-locations.conf;
    }}
}}
"""


def _spawn(name: str, argv: list[str], env: dict[str, str]) -> int:
    log = open(STATE / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process.pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A child of ours that exited but was not reaped is a zombie: not alive.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (OSError, urllib.error.URLError):
        return 0


def read_state() -> dict[str, Any]:
    path = STATE / "cluster.json"
    return json.loads(path.read_text()) if path.exists() else {}


def up(*, quiet: bool = False) -> dict[str, Any]:
    if read_state().get("processes"):
        down()
    started = time.monotonic()
    for sub in ("logs", "nginx-tmp"):
        (STATE / sub).mkdir(parents=True, exist_ok=True)
    prepare_files()
    prepare_database()
    flush_queue()
    prepared = time.monotonic()

    env = cluster_env()
    web_ports = [free_port(), free_port()]
    nginx_port = free_port()
    processes: dict[str, int] = {}
    state: dict[str, Any] = {
        "nginx": f"http://127.0.0.1:{nginx_port}",
        "web": [f"http://127.0.0.1:{port}" for port in web_ports],
        "database_url": DATABASE_URL,
        "tasks_url": REDIS_URL,
        "media_root": str(STATE / "var" / "media"),
        "demo_password": DEMO_PASSWORD,
        "processes": processes,
    }
    try:
        for index, port in enumerate(web_ports, start=1):
            web_env = dict(env)
            web_env.update(
                {
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "WEB_CONCURRENCY": os.environ.get("CLUSTER_WEB_CONCURRENCY", "2"),
                    # Each app server (a machine of its own in a city) keeps its own counts.
                    "PROMETHEUS_MULTIPROC_DIR": str(STATE / f"prometheus-web{index}"),
                }
            )
            gunicorn = str(Path(PYTHON).with_name("gunicorn"))
            argv = [gunicorn, "-c", "python:shequ.config.gunicorn", "shequ.config.wsgi"]
            processes[f"web{index}"] = _spawn(f"web{index}", argv, web_env)
        manage_py = str(REPO / "manage.py")
        processes["worker1"] = _spawn(
            "worker1", [PYTHON, manage_py, "run_tasks", "--workers", "2", "--no-periodic"], env
        )
        # The one scheduler: it also runs queued tasks, as shequ-scheduler.service does.
        processes["scheduler"] = _spawn(
            "scheduler", [PYTHON, manage_py, "run_tasks", "--workers", "1"], env
        )
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in web_ports)
        conf = NGINX_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "",
            state=STATE,
            servers=servers,
            port=nginx_port,
            var=STATE / "var",
            repo=REPO,
        )
        (STATE / "nginx.conf").write_text(conf)
        processes["nginx"] = _spawn(
            "nginx",
            [NGINX, "-p", str(STATE), "-c", str(STATE / "nginx.conf"), "-g", "daemon off;"],
            env,
        )
        (STATE / "cluster.json").write_text(json.dumps(state, indent=2))

        deadline = time.monotonic() + READY_TIMEOUT
        while _get(f"{state['nginx']}/readyz") != 200:
            dead = [name for name, pid in processes.items() if not _alive(pid)]
            if dead:
                raise RuntimeError(f"stopped during start: {', '.join(dead)} (see {STATE}/logs)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {READY_TIMEOUT:.0f} s (see {STATE}/logs)")
            time.sleep(0.25)
    except BaseException:
        down()
        raise
    ready = time.monotonic()
    state["seconds"] = {
        "prepare": round(prepared - started, 2),
        "start": round(ready - prepared, 2),
        "total": round(ready - started, 2),
    }
    (STATE / "cluster.json").write_text(json.dumps(state, indent=2))
    if not quiet:
        print(f"cluster ready in {ready - started:.1f} s: {state['nginx']}")
        print(f"  app servers {', '.join(state['web'])}; workers: worker1, scheduler")
        print(f"  demo log-ins (password {DEMO_PASSWORD}): district, worker, admin, …")
    return state


def down() -> None:
    state = read_state()
    processes: dict[str, int] = state.get("processes", {})
    for name, pid in processes.items():
        # huey finishes running tasks on SIGINT; gunicorn and nginx stop on SIGTERM/SIGQUIT.
        sig = signal.SIGINT if name in ("worker1", "scheduler") else signal.SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)
    deadline = time.monotonic() + 15
    for pid in processes.values():
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    if processes:
        state["processes"] = {}
        (STATE / "cluster.json").write_text(json.dumps(state, indent=2))


def status() -> int:
    state = read_state()
    processes: dict[str, int] = state.get("processes", {})
    if not processes:
        print("cluster: not running")
        return 1
    for name, pid in processes.items():
        print(f"{name:10} pid {pid:>7}  {'running' if _alive(pid) else 'STOPPED'}")
    code = _get(f"{state['nginx']}/readyz")
    print(f"{state['nginx']}/readyz -> {code or 'no answer'}")
    return 0 if code == 200 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["up", "down", "status", "manage"])
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    if options.command == "up":
        up()
        return 0
    if options.command == "down":
        down()
        print("cluster: stopped")
        return 0
    if options.command == "status":
        return status()
    rest = [a for a in options.rest if a != "--"]
    return manage(*rest, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
