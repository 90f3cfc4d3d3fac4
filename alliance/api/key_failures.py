"""Failed API-key authentications, counted per client address to make guessing useless.

A key carries 256 random bits, so guessing one is hopeless anyway; the limit keeps
a scanner from burning CPU and database lookups on it, and it keeps the prefix
(the first 8 characters, visible on the keys page) from being confirmed by timing
over millions of tries. Only failures count: a valid key's request costs one cache
read, which ``key_cache`` shares with the keys' generation. Once an address reaches
``API_KEY_FAILURE_RATE`` failures in a window, every ``Api-Key`` request from it is
refused with 429 until the window ends, a right key included (otherwise a guesser could
still tell a hit). Other addresses are unaffected.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from config.cache import count_in_window
from config.client_address import client_key

logger = logging.getLogger(__name__)


class TooManyKeyFailures(exceptions.Throttled):
    # The wait in seconds follows ("Send again in 41 seconds.": config.exceptions).
    default_detail = _("Too many requests with a wrong API key from your address.")


def _window(request) -> tuple[str, int, float, int]:
    """(cache key, allowed failures, seconds left, window length) for the address, now."""
    allowed, duration = SimpleRateThrottle.parse_rate(None, settings.API_KEY_FAILURE_RATE)
    now = time.time()
    window = int(now // duration)
    key = f"api-key-failures:{client_key(request)}:{window}"
    return key, allowed, (window + 1) * duration - now, duration


def counter_key(request) -> str:
    """The cache key of the address's failures in the current window."""
    return _window(request)[0]


def refuse_if_blocked(request, failures: int) -> None:
    """Refuse the request if its address had too many failures (read by ``key_cache``)."""
    _key, allowed, left, _duration = _window(request)
    if failures >= allowed:
        raise TooManyKeyFailures(wait=left)


def record_failure(request) -> None:
    key, _allowed, _left, duration = _window(request)
    try:
        count_in_window(cache, key, duration + 1)
    except (RedisError, OSError) as error:
        logger.warning("API key failure not counted, cache unavailable: %s", error)
