"""A migrated PostgreSQL template for the test databases.

Migrating an empty PostgreSQL database takes more than a minute here, and every test process
of the PostgreSQL pass did it again. Instead the first process migrates one template database,
named by a hash of every migration and of the locked packages (whose migrations run too), and
each process's test database is created as a copy of it (``CREATE DATABASE … TEMPLATE``), which
takes a second or two. A changed migration or package gives a new name, so a stale template is
never used; older ones are dropped when a new one is built.
"""

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPO = Path(__file__).resolve().parent.parent
PREFIX = "shequ_test_tpl_"


def _schema_hash() -> str:
    digest = hashlib.sha256()
    files = sorted(REPO.glob("src/shequ/*/migrations/*.py"))
    files.append(REPO / "requirements" / "dev-lock.txt")
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def migrated_template(database_url: str) -> str:
    """The name of a migrated template database for ``database_url``'s server, built once
    (under a file lock, so parallel test processes build it once between them)."""
    name = f"{PREFIX}{_schema_hash()}"
    admin_url = _with_database(database_url, "postgres")
    lock_path = Path(tempfile.gettempdir()) / f"{name}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            found = admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{PREFIX}%",)
            ).fetchall()
            names = {row[0] for row in found}
            if name in names:
                return name
            for old in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            building = f"{name}_building"
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{building}"')
            env = {**os.environ, "DATABASE_URL": _with_database(database_url, building)}
            done = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                raise RuntimeError(f"migrating the test template failed:\n{done.stderr[-4000:]}")
            # Renamed only when complete: a process that died half way leaves no template.
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name
