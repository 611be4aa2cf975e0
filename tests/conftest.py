"""Shared fixtures: the real Chengdu divisions are loaded once per test database.

``SHEQU_TEST_CLOCK_SHIFT_DAYS=N`` runs the whole suite with the clock N days ahead (or behind),
still ticking, so a test that silently depends on today's date shows up (CI runs one pass a year
ahead). Tests that need a particular day travel there themselves with ``time_machine``.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings, settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from shequ.core.workers import worker_beat
from shequ.places.models import Division
from shequ.places.services import divisions_load
from tests.db_template import migrated_template, sqlite_copy, sqlite_remove
from tests.doubles import AuthorityVerifierDouble, MemorySmsBackend
from tests.factories import login_verified
from tests.object_store import dead_object_store, object_store, on_object_store

__all__ = ["dead_object_store", "object_store", "on_object_store"]


def pytest_configure(config: pytest.Config) -> None:
    shift = os.environ.get("SHEQU_TEST_CLOCK_SHIFT_DAYS", "").strip()
    if shift:
        destination = datetime.now(UTC) + timedelta(days=int(shift))
        traveller = time_machine.travel(destination, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    shift = os.environ.get("SHEQU_TEST_CLOCK_SHIFT_DAYS", "").strip()
    return f"clock shifted by {shift} days: {datetime.now(UTC):%Y-%m-%d}" if shift else None


def _flushes(item: pytest.Item) -> bool:
    """A transactional test: it flushes the database (and the data migrations' rows) after."""
    marker = item.get_closest_marker("django_db")
    return (
        bool(item.get_closest_marker("e2e"))
        or "transactional_db" in getattr(item, "fixturenames", ())
        or "live_server" in getattr(item, "fixturenames", ())
        or bool(marker and marker.kwargs.get("transaction"))
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Transactional tests (browser, concurrency) flush the database: run them last.
    items.sort(key=_flushes)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Row locks under real threads and PostgreSQL triggers cannot be shown on SQLite: these
    # tests run in the PostgreSQL pass, which CI requires (SHEQU_REQUIRE_POSTGRES=1).
    marker = item.get_closest_marker("postgres")
    if marker is not None and connection.vendor != "postgresql":
        pytest.skip(marker.args[0] if marker.args else "PostgreSQL-only")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the database is rolled back after every test,
    and cached pages and catalogue reads must not outlive the rows they were made from."""
    cache.clear()


@pytest.fixture(autouse=True)
def _forced_logins_pass_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login`` stands for a finished log-in, second factor included; the real
    password-then-code flow is tested in tests/people/test_two_factor.py."""
    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        login_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def _on_sqlite() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
) -> Iterator[None]:
    """Each test process starts from a migrated template holding the real divisions
    (tests/db_template.py): a database copy on PostgreSQL, a file copy on SQLite."""
    database = settings.DATABASES["default"]
    url = os.environ.get("DATABASE_URL", "")
    copy = None
    if database["ENGINE"].endswith("postgresql") and url.startswith("postgres"):
        database.setdefault("TEST", {})["TEMPLATE"] = migrated_template(url)
    elif _on_sqlite():
        copy = sqlite_copy(os.environ.get("PYTEST_XDIST_WORKER", "main"))
        database.setdefault("TEST", {})["NAME"] = str(copy)
    yield
    if copy is not None:
        sqlite_remove(copy)


@pytest.fixture(scope="session")
def django_db_keepdb(request: pytest.FixtureRequest) -> bool:
    """On SQLite the process's copy of the template is used as it is (migrations already
    applied), never recreated empty; the copy is removed when the process ends."""
    return _on_sqlite() or bool(
        request.config.getvalue("reuse_db") and not request.config.getvalue("create_db")
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if not Division.objects.filter(pk="510107005004").exists():
            divisions_load()


def _restore_data_migration_rows() -> None:
    """Put back what data migrations added (the holiday table, the five actions' taxonomy)
    when a transactional test earlier on this process flushed it: pytest-xdist's work stealing
    can still run a plain test after one, whatever the collection order."""
    from django.apps import apps

    from shequ.casework.models import HolidayYear
    from shequ.projects.models import ProjectType

    if not HolidayYear.objects.exists():
        import_module("shequ.casework.migrations.0002_holidays").load(apps, None)
        import_module("shequ.casework.migrations.0003_holiday_years").mark_years_and_flag_deadlines(
            apps, None
        )
    if not ProjectType.objects.exists():
        import_module("shequ.projects.migrations.0002_taxonomy").add_taxonomy(apps, None)
        import_module("shequ.projects.migrations.0006_name_en").add_english_names(apps, None)


@pytest.fixture(autouse=True)
def _data_migration_rows(request: pytest.FixtureRequest) -> None:
    if _flushes(request.node) or not (
        request.node.get_closest_marker("django_db") or "db" in request.fixturenames
    ):
        return
    request.getfixturevalue("db")
    _restore_data_migration_rows()


@pytest.fixture
def chengdu(db: None) -> None:
    """The real divisions (reloaded if a transactional test flushed them)."""
    if not Division.objects.filter(pk="510107005004").exists():
        divisions_load()


@pytest.fixture
def sms_outbox() -> Iterator[list[tuple[str, str]]]:
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def authority(settings: LazySettings) -> Iterator[type[AuthorityVerifierDouble]]:
    settings.SHEQU_IDENTITY_VERIFIER = "tests.doubles.AuthorityVerifierDouble"
    AuthorityVerifierDouble.known.clear()
    yield AuthorityVerifierDouble
    AuthorityVerifierDouble.known.clear()


@pytest.fixture
def worker_alive(db: None) -> None:
    """A task worker (``run_tasks``) beat just now, as one does every few seconds."""
    worker_beat(name="worker-1:100", hostname="worker-1", pid=100, started_at=timezone.now())


@pytest.fixture(autouse=True)
def private_media(settings: LazySettings, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Private files (casework papers, exports, residents' photos) never land in the checkout.
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path_factory.mktemp("private"))
