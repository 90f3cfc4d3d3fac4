"""Concurrency: an event posted many times at once is stored once; workers sharing shipments
both finish."""

import contextlib
import threading

import pytest

from tests.factories import MemberFactory
from tests.racing import race
from tests.tracking.journey import at, book_shipment, carrier_client, journey, stored_event
from tracking import apply
from tracking.codes import Reason
from tracking.models import ExceptionCase, ShipmentState, TimelineEntry, TrackingEvent

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


def test_two_workers_sharing_shipments_both_apply_their_batches(
    network, carrier, trips, tariff, monkeypatch
):
    # Each worker first applies an event of its own shipment, then a trip event reaching
    # both shipments. Held until both have done the first, they would each lock one shipment
    # and wait for the other's: PostgreSQL would kill one, leaving its event to the sweeper.
    j = journey(network, trips)
    batches = [
        [
            stored_event(
                f"own-{n}",
                hours_ago=0.9,
                shipment=shipment,
                code="exception",
                reason=Reason.BORDER_CONGESTION,
            ).pk,
            stored_event(
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

    def held_after_own_shipment(event, **context):
        apply_one(event, **context)
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


def test_two_workers_applying_a_waiting_shipments_exception_and_resolution_close_the_case(
    network, tariff, monkeypatch
):
    # Each worker holds its transaction open after applying its event until the other has
    # applied its own too: unless the second queues behind the first, neither sees the
    # other's event and the case stays open with its resolution already applied.
    shipment = book_shipment(network, MemberFactory(), network.chongqing, network.hanoi)
    assert shipment.booking.trip_id is None
    damage = {"shipment": shipment, "reason": Reason.DAMAGE}
    raised = stored_event("raised", hours_ago=0.5, code="exception", **damage)
    resolved = stored_event("resolved", hours_ago=0.2, code="exception_resolved", **damage)
    both_applied = threading.Barrier(2)
    apply_one = apply._apply_one

    def held_after_applying(event, **context):
        apply_one(event, **context)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_applied.wait(timeout=3)

    monkeypatch.setattr(apply, "_apply_one", held_after_applying)

    batches = [[raised.pk], [resolved.pk]]
    assert race(lambda n: apply.events_apply(event_ids=batches[n]), racers=2) == [1, 1]

    case = ExceptionCase.objects.get(shipment=shipment)
    assert case.resolved_by == resolved
    assert ShipmentState.objects.get(shipment=shipment).open_exceptions == []
