"""The shared cache on a real Redis (``CACHE_URL=rediscache://...`` in production): what one
worker writes, another reads; counters count under threads; each thread keeps one client."""

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCache

from shequ.core.cache import SharedRedisCache
from tests.redis_server import redis_at

URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def redis_up() -> None:
    redis_at(URL).flushdb()


def shared(prefix: str = "t") -> SharedRedisCache:
    return SharedRedisCache(URL, {"KEY_PREFIX": prefix})


def test_a_redis_cache_url_gets_the_shared_cache() -> None:
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "CACHE_URL": "rediscache://127.0.0.1:6379/3"}
    env["DJANGO_SETTINGS_MODULE"] = "shequ.config.settings"
    shown = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "shequ.core.cache.SharedRedisCache"


def test_what_one_process_writes_another_reads(redis_up: None) -> None:
    writer, reader = shared(), shared()
    writer.set("portal:v:card:510107005004", 3, timeout=None)
    writer.set_many({"a": {"n": 1}, "b": [1, 2]}, timeout=60)
    assert reader.get("portal:v:card:510107005004") == 3
    assert reader.get_many(["a", "b", "c"]) == {"a": {"n": 1}, "b": [1, 2]}
    # Django's own backend, on the same server and prefix, agrees (a rolling upgrade)
    assert RedisCache(URL, {"KEY_PREFIX": "t"}).get("a") == {"n": 1}
    reader.delete("a")
    assert writer.get("a") is None
    with pytest.raises(ValueError, match="not found"):
        writer.incr("never-set")


def test_counters_count_every_increment_from_many_threads(redis_up: None) -> None:
    cache = shared()
    cache.set("hits", 0, timeout=None)

    def bump() -> None:
        for _ in range(200):
            cache.incr("hits")

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("hits") == 1600


def test_one_client_serves_every_operation(redis_up: None) -> None:
    cache = shared()
    client: Any = cache._cache
    first = client.get_client(write=True)
    cache.set("x", 1)
    cache.get("x")
    assert client.get_client(write=True) is first
    assert client.get_client() is first  # one server: reads and writes share it
