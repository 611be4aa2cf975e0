"""The shared cache on Redis, keeping one Redis client per connection pool.

Django's Redis backend builds a new ``redis.Redis`` object for every cache operation (a
dictionary of about eighty reply handlers each time); a signed-in request makes a dozen
operations (session, rate limits, page versions), which came to a millisecond a request. A
client over a pool is safe to share between threads, and each thread has its own backend
object anyway (``django.core.cache.caches``)."""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # its pools are private, and so not in the type stubs
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            client = self._clients[index] = django_client._client(connection_pool=pool)
        return client


class SharedRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with reused clients."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
