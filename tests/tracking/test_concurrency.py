"""The same event posted many times at once is stored once."""

import pytest

from tests.racing import race
from tests.tracking.journey import at, carrier_client, journey
from tracking.models import TimelineEntry, TrackingEvent

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 12


def test_concurrent_duplicates_of_one_event_store_one(network, carrier, trips, tariff):
    j = journey(network, trips)
    clients = [carrier_client(carrier) for _ in range(RACERS)]
    body = {
        "event_id": "GPS-RETRY-1",
        "code": "departed_origin",
        "occurred_at": at(0.5),
        "location": network.chongqing.pk,
    }

    def post(number):
        return clients[number].post(f"/api/v1/trips/{j.trip.pk}/events/", body, format="json")

    responses = race(post, racers=RACERS)
    assert all(not isinstance(response, BaseException) for response in responses), responses
    assert sorted(response.status_code for response in responses) == [200] * (RACERS - 1) + [201]
    assert len({response.json()["id"] for response in responses}) == 1
    assert TrackingEvent.objects.count() == 1
    assert TimelineEntry.objects.filter(shipment=j.through).count() == 1
