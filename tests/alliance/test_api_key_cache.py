"""Each process remembers the API keys it found, until any key changes anywhere.

The keys' generation lives in the shared Redis cache, as deployed; the change is made
by another process, as when an admin revokes a key while gunicorn serves carriers.
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from alliance import services
from tests.conftest import database_url_of
from tests.factories import MemberFactory, api_key_for

pytestmark = [pytest.mark.services]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Another process of the platform, on the same database and cache, revoking a key.
REVOKE_ELSEWHERE = """
import sys
import django
django.setup()
from django.conf import settings
settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache",
                               "LOCATION": sys.argv[1], "KEY_PREFIX": sys.argv[2]}}
from alliance import services
from alliance.models import ApiKey
api_key = ApiKey.objects.get(pk=int(sys.argv[3]))
services.api_key_revoke(api_key=api_key, actor=api_key.created_by)
"""


@pytest.fixture
def shared_cache(settings, redis_url):
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    return redis_url, prefix


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def key_lookups(client: APIClient) -> tuple[int, int]:
    """The answer's status, and how many times the request looked the key up."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/members/me/")
    lookups = [
        q for q in queries if q["sql"].startswith("SELECT") and "alliance_apikey" in q["sql"]
    ]
    return response.status_code, len(lookups)


@pytest.mark.django_db
def test_a_key_already_checked_costs_no_lookup(shared_cache):
    _key, raw = api_key_for(MemberFactory())
    client = key_client(raw)

    # The first request also starts the keys' generation; from then on the key is kept.
    assert [key_lookups(client) for _ in range(4)] == [(200, 1), (200, 1), (200, 0), (200, 0)]


@pytest.mark.django_db
def test_a_wrong_secret_with_a_kept_prefix_is_still_refused(shared_cache):
    _key, raw = api_key_for(MemberFactory())
    for _ in range(3):
        assert key_client(raw).get("/api/v1/members/me/").status_code == 200

    forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    response = key_client(forged).get("/api/v1/members/me/")

    assert response.status_code == 401
    assert "not valid or has been revoked" in response.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_a_key_revoked_by_another_process_is_refused_at_its_next_request(shared_cache):
    redis_url, prefix = shared_cache
    api_key, raw = api_key_for(MemberFactory())
    client = key_client(raw)
    assert [key_lookups(client)[0] for _ in range(3)] == [200, 200, 200]

    revoked = subprocess.run(
        [sys.executable, "-c", REVOKE_ELSEWHERE, redis_url, prefix, str(api_key.pk)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url_of(connection.settings_dict),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert revoked.returncode == 0, revoked.stderr[-2000:]

    response = client.get("/api/v1/members/me/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_keys_are_looked_up_every_time_while_the_cache_is_down(settings, caplog):
    # Nothing listens on port 1: no generation can be read, so nothing is taken from memory.
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    member = MemberFactory()
    api_key, raw = api_key_for(member)
    client = key_client(raw)

    answers = [key_lookups(client) for _ in range(3)]
    api_key.revoked_at = api_key.created_at  # as a manual fix in the database would
    api_key.save(update_fields=["revoked_at"])

    assert answers == [(200, 1)] * 3
    assert client.get("/api/v1/members/me/").status_code == 401
    assert "API key failures not checked, cache unavailable" in caplog.text


@pytest.mark.django_db
def test_a_reactivated_members_keys_work_again_at_once(shared_cache, staff):
    member = MemberFactory()
    _key, raw = api_key_for(member)
    client = key_client(raw)
    services.member_suspend(member=member, actor=staff, reason="Unpaid fees")
    assert [client.get("/api/v1/members/me/").status_code for _ in range(3)] == [401] * 3

    member.refresh_from_db()
    services.member_reactivate(member=member, actor=staff)

    assert client.get("/api/v1/members/me/").status_code == 200


@pytest.mark.django_db
def test_an_address_past_its_wrong_keys_is_refused_even_with_a_kept_key(shared_cache, settings):
    settings.API_KEY_FAILURE_RATE = "3/m"
    _key, raw = api_key_for(MemberFactory())
    client = key_client(raw)
    assert [client.get("/api/v1/members/me/").status_code for _ in range(3)] == [200] * 3

    wrong = [key_client(raw[:-6] + "wrong1").get("/api/v1/members/me/") for _ in range(3)]
    refused = client.get("/api/v1/members/me/")

    assert [response.status_code for response in wrong] == [401] * 3
    assert refused.status_code == 429
    assert "Too many requests with a wrong API key" in refused.json()["error"]["message"]
