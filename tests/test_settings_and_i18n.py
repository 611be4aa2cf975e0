"""Deployment settings and the translation catalogue."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import polib
import pytest
from django.conf import LazySettings
from django.db import connection
from django.db.utils import ConnectionHandler

from shequ.config.env import ConfigurationError, bounded_connections, database
from shequ.people.models import User
from shequ.people.selectors import refuse_demo_accounts_in_production

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = REPO / "src/shequ/locale/zh_Hans/LC_MESSAGES/django.po"


def test_zh_hans_catalogue_has_no_empty_or_fuzzy_entry() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 150
    empty = [e.msgid for e in catalogue if not e.translated()]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert empty == []
    assert fuzzy == []


def _manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    test_only = ("PII_", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "SMS_BACKEND", "TASKS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(test_only)}
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "shequ.config.settings"
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "SHEQU_PRODUCTION": "1",
    "SECRET_KEY": "x" * 20 + "production-grade-secret-key-with-enough-entropy-1234567890",
    "PII_ENCRYPTION_KEYS": "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=",
    "PII_BLIND_INDEX_KEY": "production-blind-index-key",
    "ALLOWED_HOSTS": "shequ.example.cn",
}


def test_production_mode_passes_the_deploy_check(tmp_path: Path) -> None:
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", extra_env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    env = {"SHEQU_PRODUCTION": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = _manage("check", extra_env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.django_db
def test_production_refuses_demo_accounts(settings: LazySettings) -> None:
    User.objects.create(username="resident", is_demo=True)
    settings.PRODUCTION = False
    refuse_demo_accounts_in_production()  # a laptop may have them
    settings.PRODUCTION = True
    with pytest.raises(ConfigurationError, match="Demo accounts are present"):
        refuse_demo_accounts_in_production()


PG_URL = "postgres://shequ@db.internal:5432/shequ"
POOL_VARIABLES = ("DB_POOL_MAX_SIZE", "DB_POOL_MIN_SIZE", "DB_POOL_TIMEOUT", "CONN_MAX_AGE")


@pytest.fixture
def database_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The database variables unset (as on a fresh machine), for env.database() to read."""
    for name in POOL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    return monkeypatch


def test_postgres_gets_a_bounded_pool_and_no_persistent_connections_by_default(
    database_env: pytest.MonkeyPatch,
) -> None:
    config = database()
    assert config["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10, "timeout": 10.0}
    assert config["CONN_MAX_AGE"] == 0


def test_pool_bounds_come_from_the_environment(database_env: pytest.MonkeyPatch) -> None:
    database_env.setenv("DB_POOL_MAX_SIZE", "4")
    database_env.setenv("DB_POOL_MIN_SIZE", "2")
    database_env.setenv("DB_POOL_TIMEOUT", "2.5")
    assert database()["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 4, "timeout": 2.5}


def test_without_the_pool_connections_close_after_each_request_unless_asked(
    database_env: pytest.MonkeyPatch,
) -> None:
    database_env.setenv("DB_POOL_MAX_SIZE", "0")
    config = database()
    assert "pool" not in config["OPTIONS"]
    assert config["CONN_MAX_AGE"] == 0
    database_env.setenv("CONN_MAX_AGE", "60")
    assert database()["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"CONN_MAX_AGE": "60"}, "CONN_MAX_AGE must be 0"),
        ({"DB_POOL_MAX_SIZE": "2", "DB_POOL_MIN_SIZE": "3"}, "DB_POOL_MIN_SIZE"),
        ({"DB_POOL_MAX_SIZE": "-1"}, "DB_POOL_MAX_SIZE"),
    ],
)
def test_contradictory_connection_settings_stop_the_start(
    database_env: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        database_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        database()


def test_sqlite_keeps_its_own_options_and_no_pool(database_env: pytest.MonkeyPatch) -> None:
    database_env.setenv("DATABASE_URL", "sqlite:////tmp/shequ-test.sqlite3")
    config = database()
    assert "pool" not in config["OPTIONS"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.postgres("JIT is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_postgres_sessions_run_without_jit_unless_the_url_says_otherwise(
    database_env: pytest.MonkeyPatch,
) -> None:
    database_env.setenv("DB_POOL_MAX_SIZE", "0")
    base = {**connection.settings_dict, "OPTIONS": {}}
    base.pop("CONN_MAX_AGE", None)
    chosen = {**base, "OPTIONS": {"options": "-c jit=on"}}
    handler = ConnectionHandler(
        {"default": base, "ours": bounded_connections(base), "chosen": bounded_connections(chosen)}
    )
    shown = {}
    for alias in ("ours", "chosen"):
        try:
            with handler[alias].cursor() as cursor:
                cursor.execute("SHOW jit")
                shown[alias] = cursor.fetchone()[0]
        finally:
            handler[alias].close()
    assert shown == {"ours": "off", "chosen": "on"}


@pytest.mark.postgres("the pool is PostgreSQL's (psycopg_pool)")
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_clients_share_the_pool_s_few_server_connections(
    database_env: pytest.MonkeyPatch,
) -> None:
    database_env.setenv("DB_POOL_MAX_SIZE", "3")
    base = {**connection.settings_dict, "OPTIONS": {}}
    base.pop("CONN_MAX_AGE", None)
    # Pools are keyed by alias: "bounded" is not the pool the test run itself draws from
    # (the handler insists on a "default", which stays unused and unpooled).
    handler = ConnectionHandler({"default": base, "bounded": bounded_connections(base)})
    backends: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        bounded = handler["bounded"]
        try:
            with bounded.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.02)")
                pid = cursor.fetchone()[0]
            with lock:
                backends.append(pid)
        finally:
            bounded.close()  # back to the pool, as at the end of a request

    threads = [threading.Thread(target=client) for _ in range(30)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        handler["bounded"].close_pool()
    assert len(backends) == 30  # every client was served, by waiting its turn
    assert len(set(backends)) <= 3


def test_processes_starting_together_share_one_generated_secret(tmp_path: Path) -> None:
    """The several-machines set-up starts app servers, workers and the scheduler at once on
    an empty var/: none may crash on the key file another one is writing, and all get the
    same key."""
    # Making a key takes half a second here, so every process starts while another is busy.
    code = (
        "import sys, time; sys.path.insert(0, 'src');"
        "from shequ.config import env;"
        "make = env._new_secret_value;"
        "env._new_secret_value = lambda name: (time.sleep(0.5), make(name))[1];"
        "print(env._generated_secret('secret_key'))"
    )
    environment = {**os.environ, "SHEQU_VAR_DIR": str(tmp_path)}
    environment.pop("SECRET_KEY", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, env=environment, text=True
        )
        for _ in range(8)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert [p.returncode for p in processes] == [0] * 8
    assert len(keys) == 1
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
