"""API rate limits counted per fixed window.

DRF's own rate throttles keep the time of every request in the window as a list,
read, trimmed and written back whole on each request: at 6,000 requests an hour
that is a list of thousands of timestamps pickled through the cache every time.
Here each window is one counter the cache increments, in one round trip. The
price is the usual one of fixed windows: a caller may fit up to twice the rate
into the seconds either side of a window's edge.
"""

import logging

from redis import RedisError
from rest_framework import throttling

from config.cache import count_in_window

logger = logging.getLogger(__name__)


class FixedWindowMixin:
    """Counts requests per ``duration`` window under one cache key per caller and window."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.retry_after = (window + 1) * self.duration - now
        try:
            count = count_in_window(self.cache, f"{self.key}:{window}", self.duration + 1)
        except (RedisError, OSError) as error:
            # The counters' cache is down: the request goes through uncounted rather than
            # failing (carriers' events must keep being accepted while Redis is away).
            logger.warning("rate limit not counted, cache unavailable: %s", error)
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return self.retry_after


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    """Per signed-in person or API key (``API_USER_RATE``)."""


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    """Per client address for callers who are not signed in (``API_ANON_RATE``)."""
