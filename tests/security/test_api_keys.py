"""API keys cannot be guessed usefully: long random keys, hashed, wrong keys limited per address."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from alliance.models import ApiKey
from alliance.services import API_KEY_PREFIX
from tests.factories import MemberFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/members/"


@pytest.fixture
def failure_rate(settings):
    settings.API_KEY_FAILURE_RATE = "3/m"
    cache.clear()
    yield
    cache.clear()


def call(raw_key: str, address: str = "203.0.113.7"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client.get(URL)


def test_a_key_is_long_random_and_stored_only_as_a_hash():
    member = MemberFactory()
    key, raw = api_key_for(member)
    other_key, other_raw = api_key_for(member)

    secret_part = raw[len(API_KEY_PREFIX) + len(key.prefix) :]
    # token_urlsafe(32): 32 random bytes, 256 bits, in 43 URL-safe characters.
    assert len(secret_part) >= 43
    assert raw != other_raw and raw[:20] != other_raw[:20]
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in stored.hashed_secret and len(stored.hashed_secret) == 64
    assert call(raw).status_code == 200


def test_the_scheme_is_read_in_any_case_and_another_scheme_is_told_how_to_send_the_key():
    _key, raw = api_key_for(MemberFactory())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"api-key {raw}")
    assert client.get(URL).status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    refused = client.get(URL)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == (
        "Send your API key as 'Authorization: Api-Key <key>'."
    )


def test_a_signed_in_person_behind_a_basic_auth_proxy_still_reads_the_api():
    person = UserFactory(member=MemberFactory())
    client = APIClient()
    client.force_login(person)
    response = client.get(URL, HTTP_AUTHORIZATION="Basic c3RhZ2luZzpzZWNyZXQ=")
    assert response.status_code == 200


def test_wrong_keys_with_known_and_unknown_prefix_get_the_same_answer(failure_rate):
    key, raw = api_key_for(MemberFactory())
    known_prefix = raw[:-4] + ("aaaa" if not raw.endswith("aaaa") else "bbbb")
    unknown_prefix = f"{API_KEY_PREFIX}00000000{raw[len(API_KEY_PREFIX) + 8 :]}"

    first, second = call(known_prefix), call(unknown_prefix)

    assert first.status_code == second.status_code == 401
    assert first.json() == second.json()
    assert first.json()["error"]["message"] == "This API key is not valid or has been revoked."
    assert first["WWW-Authenticate"] == second["WWW-Authenticate"]


def test_guessing_from_one_address_is_refused_and_others_are_unaffected(failure_rate):
    member = MemberFactory()
    _key, raw = api_key_for(member)
    wrong = f"{API_KEY_PREFIX}deadbeef{'x' * 43}"

    guesses = [call(wrong).status_code for _ in range(3)]
    refused = call(wrong)
    right_key_from_guesser = call(raw)
    stranger = call(wrong, address="198.51.100.9")
    right_key_elsewhere = call(raw, address="198.51.100.10")

    assert guesses == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 60
    unit = "second" if wait == 1 else "seconds"
    assert refused.json()["error"]["message"] == (
        f"Too many requests with a wrong API key from your address. Send again in {wait} {unit}."
    )
    # Even the right key from the guessing address waits: a hit must not be told apart.
    assert right_key_from_guesser.status_code == 429
    assert stranger.status_code == 401
    assert right_key_elsewhere.status_code == 200


def test_valid_keys_never_count_towards_the_limit(failure_rate):
    _key, raw = api_key_for(MemberFactory())

    answers = [call(raw).status_code for _ in range(6)]

    assert answers == [200] * 6
