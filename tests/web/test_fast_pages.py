"""The anonymous home page asks the database nothing and keeps its fragments per language."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from tests.factories import make_user


def test_anonymous_home_asks_the_database_nothing(
    client: Client, db: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.get("/")
    with django_assert_num_queries(0):
        page = client.get("/").content.decode()
    assert "天府市民云" in page
    assert 'data-testid="tile-query"' in page


def test_cached_fragments_follow_the_language(client: Client, db: None) -> None:
    assert "天府市民云" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "Tianfu citizen cloud" in english
    assert "天府市民云" not in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get("/").content.decode()
    assert "天府市民云" in chinese
    assert "查询" in chinese


def test_a_signed_in_visitor_still_sees_their_own_card(client: Client, db: None) -> None:
    client.get("/")  # the fragments are cached by an anonymous visit first
    client.force_login(make_user("visitor"))
    page = client.get("/").content.decode()
    assert "天府市民云" in page
    assert "实名" in page  # no resident record yet: the real-name check is offered


def test_gunicorn_sizes_itself_from_the_cores_and_the_pool(tmp_path: Path) -> None:
    # In a process of its own: the settings module sets Prometheus's directory at import.
    def sizes(**variables: str) -> list[int]:
        env = {
            k: v for k, v in os.environ.items() if k not in {"WEB_CONCURRENCY", "GUNICORN_THREADS"}
        }
        env.update(
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
            DB_POOL_MAX_SIZE="10",
            PYTHONPATH="src",
            **variables,
        )
        out = subprocess.run(
            [sys.executable, "-c", PRINT_SIZES], env=env, capture_output=True, text=True, check=True
        ).stdout
        return [int(n) for n in out.split()]

    cores = os.cpu_count() or 1
    workers = max(2, min(8, cores + 1))
    assert sizes() == [workers, max(2, min(10, -(-50 // workers)))]
    # The operator's numbers win.
    assert sizes(WEB_CONCURRENCY="3", GUNICORN_THREADS="6") == [3, 6]
    # 8 workers for 50 connections: 7 threads each; never more than the pool.
    assert sizes(WEB_CONCURRENCY="8") == [8, 7]
    assert sizes(WEB_CONCURRENCY="1") == [1, 10]


PRINT_SIZES = "from shequ.config import gunicorn as g; print(g.workers, g.threads)"
