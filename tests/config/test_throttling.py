"""API rate limits count per caller and window in the shared Redis cache, as deployed."""

import uuid

import pytest
import redis
from django.core.cache import caches
from rest_framework.test import APIClient
from rest_framework.views import APIView

from config.cache import count_in_window
from config.throttling import UserRateThrottle
from tests.factories import MemberFactory, api_key_for

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings, redis_url):
    """The production cache backend on the machine's Redis, under a prefix of this test's."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    yield caches["default"]
    # This test's keys only: the cache's clear() is a FLUSHDB, which would wipe the counters
    # and queues of the tests running beside it on the same Redis.
    server = redis.Redis.from_url(redis_url)
    if kept := list(server.scan_iter(match=f"{prefix}:*")):
        server.delete(*kept)


def keyed_client(member) -> APIClient:
    _key, raw = api_key_for(member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def test_a_key_past_its_rate_is_refused_with_when_to_come_back(redis_cache, monkeypatch):
    # The suite turns the default throttles off; this test puts the deployed one back.
    monkeypatch.setattr(APIView, "throttle_classes", [UserRateThrottle])
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/hour"})
    member = MemberFactory()
    first, second = keyed_client(member), keyed_client(member)

    answers = [first.get("/api/v1/members/").status_code for _ in range(3)]
    refused = first.get("/api/v1/members/")
    other_key = second.get("/api/v1/members/")

    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 3600
    # Each key has an allowance of its own.
    assert other_key.status_code == 200


def test_the_cache_hands_out_one_client_per_server(redis_cache):
    redis_cache.set("a", 1)
    redis_cache.set("b", 2)

    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache.get_many(["a", "b"]) == {"a": 1, "b": 2}


def test_requests_go_through_uncounted_while_the_cache_is_down(settings, monkeypatch, caplog):
    # Redis gone (nothing listens on port 1): carriers' posts must not fail for a counter.
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    monkeypatch.setattr(APIView, "throttle_classes", [UserRateThrottle])
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/hour"})
    client = keyed_client(MemberFactory())

    answers = [client.get("/api/v1/members/").status_code for _ in range(5)]

    assert answers == [200] * 5
    assert "rate limit not counted, cache unavailable" in caplog.text


def test_a_windows_counter_counts_on_and_is_gone_when_the_window_ends(redis_cache):
    counts = [count_in_window(redis_cache, "calls", 30) for _ in range(3)]
    client = redis_cache._cache.get_client(write=True)
    key = redis_cache.make_and_validate_key("calls")

    assert counts == [1, 2, 3]
    assert redis_cache.get("calls") == 3  # readable through the cache as any value
    assert 0 < client.ttl(key) <= 30
