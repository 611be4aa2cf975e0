"""Migrated template databases for the test processes, on PostgreSQL and on SQLite.

Migrating an empty database and loading the real divisions took 80 s or more per test process,
on either engine, and every process of both passes (and the smoke job) did it again. Instead the
first process builds one template, named by a hash of every migration, of the divisions files and
of the locked packages (whose migrations run too); each process's test database starts as a copy:
``CREATE DATABASE … TEMPLATE`` on PostgreSQL, a file copy on SQLite. A changed migration, package
or division file gives a new name, so a stale template is never used; templates nobody has used
for a day are removed (another checkout may still be using its own). Building happens under a
file lock, so parallel processes build it once.
"""

import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPO = Path(__file__).resolve().parent.parent
PREFIX = "shequ_test_tpl_"
# Templates of other checkouts are kept while in use (a day), then removed.
KEEP_SECONDS = 24 * 3600
# What the template holds besides the schema: the real divisions, which every test needs.
LOAD_DIVISIONS = "from shequ.places.services import divisions_load; divisions_load()"


def _schema_hash() -> str:
    digest = hashlib.sha256()
    files = sorted(REPO.glob("src/shequ/*/migrations/*.py"))
    files += [
        REPO / "requirements" / "dev-lock.txt",
        REPO / "src" / "shequ" / "places" / "services.py",
        *sorted((REPO / "src" / "shequ" / "places" / "data").glob("divisions*")),
        *sorted((REPO / "src" / "shequ" / "places" / "data").glob("districts*")),
        Path(__file__),
    ]
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _build(database_url: str) -> None:
    """Migrate the database at ``database_url`` and load the divisions into it."""
    env = {**os.environ, "DATABASE_URL": database_url}
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["shell", "--no-imports", "-c", LOAD_DIVISIONS],
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"building the test template failed:\n{done.stderr[-4000:]}")


@contextmanager
def _locked(name: str) -> Iterator[None]:
    lock_path = Path(tempfile.gettempdir()) / f"{name}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def migrated_template(database_url: str) -> str:
    """The name of a migrated template database on ``database_url``'s PostgreSQL server."""
    name = f"{PREFIX}{_schema_hash()}"
    admin_url = _with_database(database_url, "postgres")
    now = int(time.time())
    with _locked(name), psycopg.connect(admin_url, autocommit=True) as admin:
        found = admin.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname LIKE %s",
            (f"{PREFIX}%",),
        ).fetchall()
        # Another checkout (a branch with other migrations) may be using its own template now:
        # only templates nobody has used for a while are dropped.
        for old, used in found:
            if old != name and (not (used or "").isdigit() or now - int(used) > KEEP_SECONDS):
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        if name not in {row[0] for row in found}:
            building = f"{name}_building"
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{building}"')
            try:
                _build(_with_database(database_url, building))
            except RuntimeError:
                admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                raise
            # Renamed only when complete: a process that died half way leaves no template.
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{now}'")
    return name


def sqlite_directory() -> Path:
    """Where the SQLite template and copies live: memory-backed ``/dev/shm`` when there is one
    (no disk writes on every commit), else the temporary directory."""
    shm = Path("/dev/shm")  # noqa: S108 (our own subdirectory, per schema hash and process)
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    directory = base / "shequ-tests"
    directory.mkdir(exist_ok=True)
    return directory


def sqlite_copy(worker: str) -> Path:
    """A fresh copy of the migrated SQLite template for test process ``worker``; the caller
    removes it with ``sqlite_remove`` when the process ends."""
    directory = sqlite_directory()
    name = f"{PREFIX}{_schema_hash()}"
    template = directory / f"{name}.sqlite3"
    now = time.time()
    with _locked(name):
        for old in directory.glob(f"{PREFIX}*.sqlite3"):
            if old != template and now - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()
        if not template.exists():
            building = directory / f"{name}.building.sqlite3"
            sqlite_remove(building)
            _build(f"sqlite:///{building}")
            # One self-contained file: the write-ahead log folded in before it is copied.
            with closing(sqlite3.connect(building)) as db:
                db.execute("PRAGMA journal_mode=DELETE")
            building.rename(template)
        template.touch()
        copy = directory / f"test_{os.getpid()}_{worker}.sqlite3"
        shutil.copyfile(template, copy)
    return copy


def sqlite_remove(path: Path) -> None:
    """Remove an SQLite file with its write-ahead log and shared-memory index."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
