"""The local Redis the queue and cache tests talk to. CI starts it (``.ci/run``) and sets
``SHEQU_REQUIRE_POSTGRES=1``, so there a missing server fails the test; on a developer's
machine without Redis (``make test`` alone) those tests are skipped with the reason."""

import os

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


def redis_at(url: str) -> Redis:
    """A client of the Redis at ``url``, which answered a ping."""
    client = Redis.from_url(url)
    try:
        client.ping()
    except RedisConnectionError:
        if os.environ.get("SHEQU_REQUIRE_POSTGRES") == "1":  # CI starts every service
            pytest.fail(f"Redis is required on CI but {url} does not answer")
        pytest.skip(f"no Redis at {url} (CI runs these tests)")
    return client
