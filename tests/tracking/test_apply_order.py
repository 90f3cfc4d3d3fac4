"""What events leave behind is the same whatever order they are applied in.

Workers apply events in batches as they are queued, and a batch left to the sweeper (the
broker was down) is applied after later ones; each test applies the same events in
several orders, one batch at a time, and compares what a member would see: the exception
cases with who opened and resolved them, each shipment's open exceptions, the trip's status.
"""

from itertools import permutations

import pytest

from scheduling.models import Trip
from tests.tracking.journey import journey, stored_event
from tracking.apply import events_apply
from tracking.codes import Reason
from tracking.models import ExceptionCase, ShipmentState, TrackingEvent

pytestmark = pytest.mark.django_db


def apply_one_by_one(events: list[TrackingEvent]) -> None:
    for event in events:
        assert events_apply(event_ids=[event.pk]) == 1


def at_stop(trip, sequence: int, external_id: str, **event) -> TrackingEvent:
    """A stored event of the trip at one of its stops."""
    location = trip.stops.get(sequence=sequence).location
    return stored_event(external_id, trip=trip, stop_sequence=sequence, location=location, **event)


def cases() -> list[tuple]:
    return sorted(
        ExceptionCase.objects.values_list(
            "trip_id", "shipment_id", "reason", "opened_by__external_id", "resolved_by__external_id"
        ),
        key=str,
    )


def open_exceptions(*shipments) -> list[list[str]]:
    states = dict(ShipmentState.objects.values_list("shipment_id", "open_exceptions"))
    return [states.get(shipment.pk, []) for shipment in shipments]


def forget_applying() -> None:
    ExceptionCase.objects.all().delete()
    ShipmentState.objects.update(open_exceptions=[])
    TrackingEvent.objects.update(applied_at=None)


def test_a_resolution_applied_before_its_exception_leaves_nothing_open(network, trips, tariff):
    j = journey(network, trips)
    held = stored_event(
        "hold", hours_ago=0.8, shipment=j.through, code="exception", reason=Reason.CUSTOMS_HOLD
    )
    released = stored_event(
        "release",
        hours_ago=0.5,
        shipment=j.through,
        code="exception_resolved",
        reason=Reason.CUSTOMS_HOLD,
    )

    apply_one_by_one([released, held])

    assert cases() == [(None, j.through.pk, "customs_hold", "hold", "release")]
    case = ExceptionCase.objects.get()
    assert (case.opened_at, case.resolved_at) == (held.occurred_at, released.occurred_at)
    assert open_exceptions(j.through) == [[]]


def test_any_order_of_raising_resolving_and_raising_again_ends_as_applied_in_time_order(
    network, trips, tariff
):
    j = journey(network, trips)
    events = [
        stored_event("first", hours_ago=0.9, shipment=j.through, code="exception", reason="damage"),
        stored_event(
            "mended", hours_ago=0.6, shipment=j.through, code="exception_resolved", reason=""
        ),
        stored_event("again", hours_ago=0.3, shipment=j.through, code="exception", reason="damage"),
        stored_event("held", hours_ago=0.2, shipment=j.through, code="exception", reason="other"),
    ]
    apply_one_by_one(events)
    in_time_order = cases(), open_exceptions(j.through)
    assert in_time_order == (
        [
            (None, j.through.pk, "damage", "again", None),
            (None, j.through.pk, "damage", "first", "mended"),
            (None, j.through.pk, "other", "held", None),
        ],
        [["damage", "other"]],
    )

    for order in permutations(events):
        forget_applying()
        apply_one_by_one(list(order))
        assert (cases(), open_exceptions(j.through)) == in_time_order, [
            e.external_id for e in order
        ]


def test_a_trip_exception_resolved_before_it_is_applied_clears_every_shipment_on_board(
    network, trips, tariff
):
    j = journey(network, trips)
    broke = at_stop(j.trip, 1, "broke", hours_ago=0.8, code="exception", reason="breakdown")
    fixed = at_stop(
        j.trip, 1, "fixed", hours_ago=0.4, code="exception_resolved", reason="breakdown"
    )

    events_apply(event_ids=[broke.pk])
    assert open_exceptions(j.through, j.to_border) == [["breakdown"], ["breakdown"]]
    events_apply(event_ids=[fixed.pk])
    assert open_exceptions(j.through, j.to_border) == [[], []]

    forget_applying()
    apply_one_by_one([fixed, broke])
    assert cases() == [(j.trip.pk, None, "breakdown", "broke", "fixed")]
    assert open_exceptions(j.through, j.to_border, j.from_border) == [[], [], []]


def test_a_delay_the_platform_raised_closes_when_the_lorry_is_seen_there_in_either_order(
    network, trips, tariff
):
    j = journey(network, trips, hours_ago=23)
    late = at_stop(
        j.trip,
        4,
        "delay:youyiguan",
        hours_ago=0.5,
        source=TrackingEvent.Source.SYSTEM,
        code="exception",
        reason=Reason.DELAY,
    )
    # Posted from a spot with no signal: it occurred before the delay was raised.
    arrived = at_stop(j.trip, 4, "at-youyiguan", hours_ago=0.7, code="arrived_border")

    for order in ([late, arrived], [arrived, late]):
        forget_applying()
        apply_one_by_one(order)
        assert cases() == [(j.trip.pk, None, "delay", "delay:youyiguan", "at-youyiguan")]
        assert open_exceptions(j.through, j.to_border) == [[], []]


def test_a_delay_raised_by_a_carrier_stays_open_when_the_lorry_arrives(network, trips, tariff):
    j = journey(network, trips, hours_ago=23)
    at_stop(j.trip, 4, "queue", hours_ago=0.9, code="exception", reason=Reason.DELAY)
    at_stop(j.trip, 4, "arrived", hours_ago=0.5, code="arrived_border")

    apply_one_by_one(list(TrackingEvent.objects.order_by("occurred_at")))

    assert cases() == [(j.trip.pk, None, "delay", "queue", None)]
    assert open_exceptions(j.through) == [["delay"]]


def test_a_trip_whose_arrival_is_applied_before_its_departure_ends_arrived(network, trips, tariff):
    j = journey(network, trips, hours_ago=30)
    last = j.trip.stops.order_by("-sequence").first()
    arrived = at_stop(j.trip, last.sequence, "at-hanoi", hours_ago=1, code="arrived_destination")
    left = at_stop(j.trip, 1, "left-chongqing", hours_ago=29, code="departed_origin")

    apply_one_by_one([arrived, left])

    j.trip.refresh_from_db()
    assert j.trip.status == Trip.Status.ARRIVED
    last.refresh_from_db()
    assert last.actual_arrival == arrived.occurred_at
    assert j.trip.stops.get(sequence=1).actual_departure == left.occurred_at
