"""Concurrency: an event posted many times at once is stored once; workers sharing shipments
both finish."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.racing import race
from tests.tracking.journey import at, carrier_client, journey
from tracking import apply
from tracking.codes import Reason
from tracking.models import ExceptionCase, TimelineEntry, TrackingEvent

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


def _stored(external_id: str, *, hours_ago: float, **about) -> TrackingEvent:
    return TrackingEvent.objects.create(
        source=TrackingEvent.Source.STAFF,
        external_id=external_id,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
        utc_offset_minutes=480,
        **about,
    )


def test_two_workers_sharing_shipments_both_apply_their_batches(
    network, carrier, trips, tariff, monkeypatch
):
    # Each worker first applies an event of its own shipment, then a trip event reaching
    # both shipments. Held until both have done the first, they would each lock one shipment
    # and wait for the other's: PostgreSQL would kill one, leaving its event to the sweeper.
    j = journey(network, trips)
    batches = [
        [
            _stored(
                f"own-{n}",
                hours_ago=0.9,
                shipment=shipment,
                code="exception",
                reason=Reason.BORDER_CONGESTION,
            ).pk,
            _stored(
                f"trip-{n}",
                hours_ago=0.5 - n / 10,
                trip=j.trip,
                stop_sequence=1,
                location=network.chongqing,
                code="departed_origin",
            ).pk,
        ]
        for n, shipment in enumerate((j.through, j.to_border))
    ]
    both_did_their_own = threading.Barrier(2)
    apply_one = apply._apply_one

    def held_after_own_shipment(event):
        apply_one(event)
        if event.shipment_id is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_did_their_own.wait(timeout=3)

    monkeypatch.setattr(apply, "_apply_one", held_after_own_shipment)

    results = race(lambda n: apply.events_apply(event_ids=batches[n]), racers=2)

    assert results == [2, 2]
    assert not TrackingEvent.objects.filter(applied_at__isnull=True).exists()
    for shipment in (j.through, j.to_border):
        assert TimelineEntry.objects.filter(shipment=shipment).count() == 3  # own + two trip events
        assert set(
            ExceptionCase.objects.filter(shipment=shipment).values_list("reason", flat=True)
        ) == {Reason.BORDER_CONGESTION}
