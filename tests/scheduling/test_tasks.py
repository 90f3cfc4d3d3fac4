"""Scheduling's background work done by a real Celery worker."""

import pytest

from scheduling import services
from scheduling.models import Booking, Trip
from tests.conftest import wait_for
from tests.network import book, make_line, make_timetable

pytestmark = pytest.mark.services


def test_worker_moves_bookings_off_a_cancelled_trip(celery_worker, network, carrier):
    line = make_line(network, carrier)
    make_timetable(line)
    services.trips_generate()
    first, second = Trip.objects.filter(line=line).order_by("departure_at")[:2]
    booking = book(network, reference="PO-W1", kg="900", m3="3")
    assert booking.trip == first

    services.trip_cancel(trip=first, reason="Border closed for a holiday")

    def moved():
        booking.refresh_from_db()
        return booking.trip_id == second.pk

    assert wait_for(moved, timeout=60), "the worker did not move the booking within a minute"
    reasons = list(booking.events.values_list("action", "reason"))
    assert reasons[1][0] == "trip_cancelled" and "Border closed for a holiday" in reasons[1][1]
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.ALLOCATED
