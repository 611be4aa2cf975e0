"""What the benches that drive the real server share: a fresh PostgreSQL database copied from
a migrated template, Django set up on it, gunicorn with the project's configuration on a
loopback port, one request over a new connection (a phone's own), and the ``BENCH`` lines.

Used by ``bench/volunteers.py`` and ``bench/appeals_intake.py``.
"""

import hashlib
import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
# The server's shared cache (a Redis database of its own, cleared by the benches).
SERVER_CACHE_URL = "rediscache://127.0.0.1:6379/5"


def bench(metric: str, value: float, unit: str) -> None:
    print(f"BENCH {metric} {value:.3f} {unit}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- Database ------------------------------------------------------------------------------


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atqc", sql],
        check=False,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "shequ").glob("*/migrations/*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def manage(database_url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def fresh_database(database: str) -> str:
    """A new copy of ``<database>_template`` (migrated, divisions loaded; rebuilt only when a
    migration file changes: about 40 s once); returns its URL (also set as DATABASE_URL)."""
    template = f"{database}_template"
    fingerprint = migrations_fingerprint()
    known = psql(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database "  # noqa: S608 - our name
        f"WHERE datname = '{template}'"
    )
    if known != fingerprint:
        psql(f"DROP DATABASE IF EXISTS {template}")
        psql(f"CREATE DATABASE {template}")
        url = f"postgres://postgres@127.0.0.1:5432/{template}"
        manage(url, "migrate", "--no-input", "-v", "0")
        manage(url, "load_divisions")
        psql(f"COMMENT ON DATABASE {template} IS '{fingerprint}'")
    psql(f"DROP DATABASE IF EXISTS {database}")
    psql(f"CREATE DATABASE {database} TEMPLATE {template}")
    url = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ["DATABASE_URL"] = url
    return url


def setup_django() -> None:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The verification page allows 30 looks a minute per address; every request here
    # comes from 127.0.0.1.
    os.environ["VERIFY_RATE_PER_MINUTE"] = "1000000000"
    import django

    django.setup()


def sessions_for(users: list[Any]) -> dict[int, str]:
    """A signed-in session per user, written straight into the session table and, as a
    log-in on the phone would have left it, into the server's shared cache (``cached_db``)."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    keys: dict[int, str] = {}
    rows = []
    for user in users:
        key = get_random_string(32)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "shequ.people.auth_backends.UsernameOrPhoneBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=5000)
    from django.conf import settings
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    if settings.SESSION_ENGINE.endswith("cached_db"):
        cache = caches[settings.SESSION_CACHE_ALIAS]
        cache.clear()
        decoded = [(KEY_PREFIX + row.session_key, store.decode(row.session_data)) for row in rows]
        for start in range(0, len(decoded), 5000):
            cache.set_many(dict(decoded[start : start + 5000]), 86400)
    return keys


# --- gunicorn ------------------------------------------------------------------------------


def wait_ready(url: str, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not become ready")


class Server:
    """gunicorn with the project's configuration on a loopback port, logging to
    ``var/bench/<name>_server.log``."""

    def __init__(self, name: str, port: int, workers: int, threads: int) -> None:
        self.name, self.port = name, port
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen[bytes] | None = None
        self.log: IO[str] | None = None

    def __enter__(self) -> "Server":
        from django.db import connections

        connections.close_all()
        log_dir = REPO / "var" / "bench"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = (log_dir / f"{self.name}_server.log").open("w")
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO / "src"),
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "DB_POOL_MAX_SIZE": str(self.threads),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_MAX_REQUESTS": "0",
            "PROMETHEUS_MULTIPROC_DIR": str(log_dir / f"{self.name}_prometheus"),
            # As deployed (docs/deploy.md): the shared Redis cache, so a signed-in phone's
            # session is read from it rather than from the database.
            "CACHE_URL": SERVER_CACHE_URL,
        }
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "python:shequ.config.gunicorn",
                "shequ.config.wsgi",
                "--backlog",
                "2048",
                "--preload",
            ],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=self.log,
        )
        wait_ready(f"http://127.0.0.1:{self.port}/healthz")
        # Each worker imports its views and opens its pool before anything is counted.
        for _ in range(self.workers * 3):
            self.request("GET", "/healthz")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        if self.log is not None:
            self.log.close()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """One request over a new loopback connection (a phone's own)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()
