"""Django's Redis cache backend, with one client object per server for the process's life,
and counters of a time window in one round trip.

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

    def count_in_window(self, key: str, seconds: int) -> int:
        """Add one to a counter that lives ``seconds`` from its first count; the new count.

        One round trip: create the counter with its expiry if absent, then increment it,
        pipelined. Django's ``incr`` costs two (it checks that the key exists first), and
        the window's first count a third.
        """
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=seconds, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]


def count_in_window(cache, key: str, seconds: int) -> int:
    """``RedisCache.count_in_window`` where the cache has it; else through the cache API (the
    tests' local memory)."""
    counter = getattr(cache, "count_in_window", None)
    if counter is not None:
        return counter(key, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window's first count, or its counter expired meanwhile
        return 1 if cache.add(key, 1, seconds) else cache.incr(key)


def with_reused_clients(config: dict) -> dict:
    """A cache setting, its backend swapped for this one where it is Django's Redis cache."""
    if config.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        return {**config, "BACKEND": "config.cache.RedisCache"}
    return config
