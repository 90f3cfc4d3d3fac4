"""Django's Redis cache backend, with one client object per server for the process's life.

Django builds a new ``redis.Redis`` for every cache call, and redis-py fills a table of
several hundred response callbacks each time one is built: a fraction of a millisecond
per call, paid by every throttled API request. The clients share the connection pools
either way and are safe to share between threads.
"""

from django.core.cache.backends import redis


class _ReusedClients(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClients


def with_reused_clients(config: dict) -> dict:
    """A cache setting, its backend swapped for this one where it is Django's Redis cache."""
    if config.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        return {**config, "BACKEND": "config.cache.RedisCache"}
    return config
