"""Django's Redis cache backend, keeping its Redis client objects.

Django's backend builds a new `redis.Redis` around the shared connection pool for every
operation; building one costs about as much as the round trip itself. The clients are
kept per pool here (redis-py's pools reconnect after a fork, so worker processes are safe).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ClientKeepingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class PortalRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ClientKeepingRedisCacheClient
