"""Public tracking numbers resist enumeration: random, throttled, and one 404 for every miss."""

import pytest
from django.core.cache import cache
from stdnum import luhn

from orders.tracking_numbers import (
    LENGTH,
    PREFIX,
    RANDOM_BITS,
    is_valid_tracking_number,
    new_tracking_number,
)
from tests.tracking.helpers import make_shipment
from tests.tracking.test_public import answer_of
from tracking.api.public import TrackingRateThrottle

pytestmark = pytest.mark.django_db

# What may differ between two answers for reasons other than the number asked for.
PER_REQUEST_HEADERS = {"Date", "Set-Cookie", "X-Request-ID"}


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shipment(network, trips, tariff):
    return make_shipment(network)


def numbered(body: str) -> str:
    return f"{PREFIX}{body}{luhn.calc_check_digit(body)}"


def headers_of(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in PER_REQUEST_HEADERS}


def test_numbers_carry_at_least_40_random_bits_and_no_sequence():
    numbers = [new_tracking_number() for _ in range(2000)]
    bodies = [int(number[len(PREFIX) : -1]) for number in numbers]

    assert RANDOM_BITS >= 40
    assert all(
        len(number) == LENGTH == 16 and is_valid_tracking_number(number) for number in numbers
    )
    assert len(set(numbers)) == len(numbers)
    # Numbers drawn one after the other are not neighbours: no counter a stranger could walk.
    gaps = [abs(b - a) for a, b in zip(bodies, bodies[1:], strict=False)]
    assert sum(gap < 1000 for gap in gaps) == 0
    # Every position takes every digit: none is fixed by a date, a sequence or a member.
    for position in range(13):
        assert {number[len(PREFIX) + position] for number in numbers} == set("0123456789")


def test_numbers_already_on_labels_stay_trackable():
    legacy = numbered("12345678901")

    assert len(legacy) == 14 and is_valid_tracking_number(legacy)


@pytest.mark.parametrize(
    "path",
    ["/track/{}/", "/api/v1/public/track/{}/"],
    ids=["page", "json"],
)
def test_every_miss_answers_the_same_404_status_body_and_headers(client, shipment, path):
    never_issued = numbered("9999999999999")
    wrong_check = shipment.tracking_number[:-1] + str((int(shipment.tracking_number[-1]) + 1) % 10)

    answers = [
        client.get(path.format(number))
        # All 16 characters long: the page's language switcher links back to the typed address.
        for number in (never_issued, wrong_check, "LA-NOT-A-NUMBER-", "LA0000000000000X")
    ]

    assert {answer.status_code for answer in answers} == {404}
    first = answers[0]
    for answer in answers[1:]:
        if path.startswith("/track/"):
            # Only the per-request CSRF token and the way back to the typed address differ.
            assert answer_of(answer) == answer_of(first)
        else:
            assert answer.content == first.content
        assert headers_of(answer) == headers_of(first)
    # Nothing but the switcher's way back repeats the number asked for.
    shown = answer_of(first) if path.startswith("/track/") else first.content.decode()
    assert never_issued not in shown


def test_a_scraper_trying_numbers_in_the_json_is_refused(client, shipment, monkeypatch):
    monkeypatch.setattr(TrackingRateThrottle, "THROTTLE_RATES", {"tracking": "3/min"})
    guesses = [numbered(f"{n:013d}") for n in range(5)]

    answers = [client.get(f"/api/v1/public/track/{number}/").status_code for number in guesses]
    real = client.get(f"/api/v1/public/track/{shipment.tracking_number}/")

    assert answers == [404, 404, 404, 429, 429]
    assert real.status_code == 429  # the allowance is spent, by misses as much as hits
    assert "Retry-After" in real


def test_a_scraper_trying_numbers_on_the_page_is_refused(client, shipment, settings):
    settings.RATELIMIT_ENABLE = True
    settings.TRACKING_RATE = "3/m"
    guesses = [numbered(f"{n:013d}") for n in range(4)]

    answers = [client.get(f"/track/{number}/").status_code for number in guesses]
    real = client.get(f"/track/{shipment.tracking_number}/")
    elsewhere = client.get(f"/track/{shipment.tracking_number}/", REMOTE_ADDR="203.0.113.5")

    assert answers == [404, 404, 404, 429]
    assert real.status_code == 429
    assert elsewhere.status_code == 200
