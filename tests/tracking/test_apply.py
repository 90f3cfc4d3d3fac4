"""Applying events: fan-out in a fixed number of queries, idempotence, ETA from gate history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling.models import Trip, TripStop
from tests.factories import MemberFactory
from tests.tracking.journey import book_shipment, move_trip_to_the_past
from tracking import eta
from tracking.apply import events_apply
from tracking.models import TimelineEntry, TrackingEvent

pytestmark = pytest.mark.django_db


def _trip_with(network, trips, count: int) -> Trip:
    member = MemberFactory()
    for _ in range(count):
        book_shipment(network, member, network.chongqing, network.hanoi, kg="100", m3="0.5")
    move_trip_to_the_past(trips[0], hours_ago=2)
    return trips[0]


def _departure(trip, network, external_id="dep") -> TrackingEvent:
    return TrackingEvent.objects.create(
        source=TrackingEvent.Source.STAFF,
        external_id=external_id,
        code="departed_origin",
        occurred_at=trip.departure_at + timedelta(minutes=20),
        utc_offset_minutes=480,
        trip=trip,
        stop_sequence=1,
        location=network.chongqing,
    )


def _queries_to_apply(event) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert events_apply(event_ids=[event.pk]) == 1
    return len(queries)


@pytest.mark.parametrize("count", [3, 30])
def test_a_trip_event_fans_out_in_a_fixed_number_of_queries(network, trips, tariff, count):
    trip = _trip_with(network, trips, count)
    queries = _queries_to_apply(_departure(trip, network))
    assert TimelineEntry.objects.count() == count
    assert queries <= 60, queries  # savepoints and notifications included; none per shipment


def test_fan_out_costs_the_same_for_3_or_30_shipments(network, trips, tariff):
    member = MemberFactory()
    for count, trip, hours_ago in ((3, trips[0], 30), (30, trips[1], 2)):
        for _ in range(count):
            shipment = book_shipment(
                network, member, network.chongqing, network.hanoi, kg="100", m3="0.5"
            )
            assert shipment.booking.trip_id == trip.pk
        move_trip_to_the_past(trip, hours_ago=hours_ago)  # closed: the next ones go later
    few = _queries_to_apply(_departure(trips[0], network, "a"))
    many = _queries_to_apply(_departure(trips[1], network, "b"))
    assert TimelineEntry.objects.filter(event__external_id="b").count() == 30
    assert many == few


def test_applying_twice_changes_nothing(network, trips, tariff):
    trip = _trip_with(network, trips, 2)
    event = _departure(trip, network)
    assert events_apply(event_ids=[event.pk]) == 1
    first_applied = TrackingEvent.objects.get(pk=event.pk).applied_at
    assert events_apply(event_ids=[event.pk]) == 0
    assert TrackingEvent.objects.get(pk=event.pk).applied_at == first_applied
    assert TimelineEntry.objects.count() == 2


def test_eta_adds_the_gates_median_dwell_this_week(network, trips, tariff):
    trip = _trip_with(network, trips, 1)
    gate_stops = TripStop.objects.filter(location=network.youyiguan).exclude(trip=trip)[:3]
    now = timezone.now()
    for hours, stop in zip((6, 7, 8), gate_stops, strict=True):
        # Three recent crossings of Youyiguan took 6, 7 and 8 hours: median 7.
        TripStop.objects.filter(pk=stop.pk).update(
            actual_arrival=now - timedelta(days=1, hours=hours),
            actual_departure=now - timedelta(days=1),
        )
    forecasts = {f.stop.sequence: f for f in eta.forecast(trip)}
    at_gate = TripStop.objects.get(trip=trip, sequence=2)
    planned_dwell = at_gate.planned_departure - at_gate.planned_arrival  # 4 h
    assert forecasts[2].expected_departure - forecasts[2].expected_arrival == timedelta(hours=7)
    later = TripStop.objects.get(trip=trip, sequence=4)
    extra = timedelta(hours=7) - planned_dwell
    assert forecasts[4].expected_arrival == later.planned_arrival + extra
    assert forecasts[4].basis == [
        {
            "kind": "gate_dwell",
            "hours": 3.0,
            "place": "Youyiguan",
            "local_name": "",
            "country": "CN",
        }
    ]
    assert eta.describe(forecasts[4].basis) == "+3 h: Youyiguan median dwell this week"


def test_the_gate_dwell_is_the_median_of_this_weeks_crossings_only(network, trips, tariff):
    trip = _trip_with(network, trips, 1)
    gate_stops = list(TripStop.objects.filter(location=network.youyiguan).exclude(trip=trip)[:4])
    now = timezone.now()
    # This week: 5, 6 and 13 hours (median 6, mean 8). Ten days ago: 20 hours, too old to count.
    for (days_ago, hours), stop in zip(
        ((1, 5), (2, 6), (3, 13), (10, 20)), gate_stops, strict=True
    ):
        TripStop.objects.filter(pk=stop.pk).update(
            actual_arrival=now - timedelta(days=days_ago, hours=hours),
            actual_departure=now - timedelta(days=days_ago),
        )

    forecasts = {f.stop.sequence: f for f in eta.forecast(trip)}

    assert forecasts[2].expected_departure - forecasts[2].expected_arrival == timedelta(hours=6)
    assert eta.describe(forecasts[4].basis) == "+2 h: Youyiguan median dwell this week"


def test_eta_falls_back_to_the_plan_with_thin_history(network, trips, tariff):
    trip = _trip_with(network, trips, 1)
    forecasts = {f.stop.sequence: f for f in eta.forecast(trip)}
    last = TripStop.objects.get(trip=trip, sequence=4)
    assert forecasts[4].expected_arrival == last.planned_arrival
    assert eta.describe(forecasts[4].basis) == "On plan"


def test_stops_behind_the_lorry_get_no_forecast_even_unreported(network, trips, tariff):
    trip = _trip_with(network, trips, 1)
    gate = TripStop.objects.get(trip=trip, sequence=2)
    TripStop.objects.filter(pk=gate.pk).update(actual_arrival=gate.planned_arrival)
    # Nobody reported leaving Chongqing; arriving at Youyiguan says it was left.
    assert sorted(f.stop.sequence for f in eta.forecast(trip)) == [2, 3, 4]


def test_a_trip_departed_and_arrived_in_one_batch_moves_through_both(network, trips, tariff):
    # A batch loads its events (each with its own copy of the trip) before applying any: the
    # arrival must see the departure applied just before it, not the trip as loaded.
    trip = _trip_with(network, trips, 2)
    departure = _departure(trip, network)
    arrival = TrackingEvent.objects.create(
        source=TrackingEvent.Source.STAFF,
        external_id="arr",
        code="arrived_destination",
        occurred_at=trip.departure_at + timedelta(minutes=90),
        utc_offset_minutes=420,
        trip=trip,
        stop_sequence=TripStop.objects.filter(trip=trip).order_by("-sequence")[0].sequence,
        location=network.hanoi,
    )
    assert events_apply(event_ids=[departure.pk, arrival.pk]) == 2

    trip.refresh_from_db()
    assert trip.status == Trip.Status.ARRIVED
    assert not TrackingEvent.objects.filter(applied_at__isnull=True).exists()
    assert TimelineEntry.objects.filter(event=arrival).count() == 2
