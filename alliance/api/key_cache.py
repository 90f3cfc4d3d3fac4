"""API keys looked up once per process, and looked up again as soon as any key changes.

Finding a key in the database cost every API request a query. Each process now keeps
the keys it has found, tagged with the keys' *generation*: a random token in the cache
that revoking a key, suspending a member or reactivating one replaces on commit. The
generation is read in the cache round trip that fetches the caller's address's failure
count (``key_failures``), which every ``Api-Key`` request makes anyway, so a known key
costs neither a query nor an extra round trip, and a change reaches every process at its
next request. The secret is still compared on every request; only the lookup is kept.

Where the generation cannot be read (the cache is down, or lost its data) nothing is
taken from memory: every key is looked up until the cache answers again. An entry also
expires after ``MAX_AGE`` seconds, for a change made outside the services (a manual fix
in the database).
"""

import logging
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

from alliance import selectors
from alliance.api import key_failures
from alliance.models import ApiKey

logger = logging.getLogger(__name__)

GENERATION = "api-keys:generation"
MAX_AGE = 60.0

_found: dict[str, tuple[ApiKey, str, float]] = {}  # prefix → (key, generation, when)


@dataclass(frozen=True)
class CallerState:
    failures: int  # failed keys from the caller's address in this window
    generation: str | None  # None: unknown, so no key may come from memory


def caller_state(request) -> CallerState:
    """The address's failure count and the keys' generation, in one cache round trip."""
    failures_key = key_failures.counter_key(request)
    try:
        found = cache.get_many([failures_key, GENERATION])
        generation = found.get(GENERATION)
        if generation is None:  # first use, or the cache lost its data: start a generation
            cache.add(GENERATION, uuid.uuid4().hex, timeout=None)
    except (RedisError, OSError) as error:
        # Carriers' keys keep working rather than every request failing; the failure
        # limit resumes, and keys are remembered again, when the cache is back.
        logger.warning("API key failures not checked, cache unavailable: %s", error)
        return CallerState(failures=0, generation=None)
    return CallerState(failures=found.get(failures_key) or 0, generation=generation)


def api_key_by_prefix(*, prefix: str, generation: str | None) -> ApiKey | None:
    """The unrevoked key with this prefix, from memory while its generation holds."""
    if generation is None:
        _found.clear()  # what was kept may have changed unseen meanwhile
        return selectors.api_key_by_prefix(prefix=prefix)
    now = time.monotonic()
    kept = _found.get(prefix)
    if kept and kept[1] == generation and now - kept[2] < MAX_AGE:
        return kept[0]
    api_key = selectors.api_key_by_prefix(prefix=prefix)
    if api_key is None:
        _found.pop(prefix, None)
    else:
        _found[prefix] = (api_key, generation, now)
    return api_key


def forget_keys() -> None:
    """Make every process look keys up again: this one now, the others once committed."""
    _found.clear()
    transaction.on_commit(_new_generation, robust=True)


def _new_generation() -> None:
    try:
        cache.set(GENERATION, uuid.uuid4().hex, timeout=None)
    except (RedisError, OSError) as error:
        # Other processes cannot read the generation either while the cache is down, so
        # they look every key up; once it is back, MAX_AGE bounds what they kept before.
        logger.warning("API key generation not renewed, cache unavailable: %s", error)
