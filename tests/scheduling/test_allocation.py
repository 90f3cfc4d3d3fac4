from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from scheduling import allocation, services
from scheduling.exceptions import NotBookable
from scheduling.models import Booking, BookingEvent, ServiceKind, Trip, TripLeg
from tests.factories import MemberFactory
from tests.network import book

pytestmark = pytest.mark.django_db


def legs(trip):
    return list(
        TripLeg.objects.filter(trip=trip).order_by("sequence").values_list("booked_kg", "booked_m3")
    )


def test_booking_goes_on_earliest_trip_with_room(network, trips):
    booking = book(network)

    assert booking.status == Booking.Status.ALLOCATED
    assert booking.trip == trips[0]
    assert (booking.first_leg, booking.last_leg) == (1, 3)
    assert legs(trips[0]) == [(Decimal("1000.00"), Decimal("4.000"))] * 3
    assert booking.events.get().action == BookingEvent.Action.ALLOCATED


def test_booking_that_does_not_fit_moves_to_next_departure(network, trips):
    first = book(network, reference="A", kg="9000")
    second = book(network, reference="B", kg="2000")

    assert first.trip == trips[0]
    assert second.trip == trips[1]


def test_volume_alone_can_fill_a_trip(network, trips):
    book(network, reference="A", kg="100", m3="39")
    second = book(network, reference="B", kg="100", m3="2")

    assert second.trip == trips[1]


def test_intermediate_stops_share_capacity_leg_by_leg(network, carrier):
    from tests.network import make_line, make_timetable

    line = make_line(network, carrier, code="CKG-HAN-NNG", with_nanning=True)
    make_timetable(line, capacity_kg="10000")
    services.trips_generate()
    trip = Trip.objects.filter(line=line).order_by("departure_at").first()

    # 8 t Chongqing → Nanning, then 8 t Nanning → Hanoi: never more than 8 t on any leg.
    dropped = book(network, reference="DROP", kg="8000", destination=network.nanning)
    loaded = book(network, reference="LOAD", kg="8000", origin=network.nanning)
    # A third that spans both legs no longer fits on this trip.
    through = book(network, reference="THROUGH", kg="3000")

    assert dropped.trip == trip and loaded.trip == trip
    assert through.trip != trip
    assert legs(trip)[0][0] == Decimal("8000") and legs(trip)[1][0] == Decimal("8000")


def test_booking_waits_with_reason_when_everything_is_full(network, trips):
    for number in range(len(trips)):
        book(network, reference=f"FULL-{number}", kg="10000")

    waiting = book(network, reference="LATE", kg="10")

    assert waiting.status == Booking.Status.WAITING and waiting.trip is None
    assert waiting.waiting_reason == Booking.WaitingReason.NO_ROOM
    assert waiting.events.get().reason == "Every departure within the horizon is full."


def test_booking_waits_when_no_line_serves_the_route(network, trips):
    backwards = book(network, origin=network.hanoi, destination=network.chongqing)
    cold = book(network, reference="COLD", service=ServiceKind.COLD_CHAIN)

    assert backwards.waiting_reason == Booking.WaitingReason.NO_LINE
    assert cold.waiting_reason == Booking.WaitingReason.NO_LINE


def test_cold_chain_needs_a_reefer_on_every_leg(network, carrier):
    from tests.network import make_line, make_timetable

    line = make_line(network, carrier, services_offered=[ServiceKind.COLD_CHAIN])
    make_timetable(line)
    services.trips_generate()

    booking = book(network, service=ServiceKind.COLD_CHAIN)

    assert booking.waiting_reason == Booking.WaitingReason.NO_DEPARTURE
    TripLeg.objects.filter(trip__line=line).update(vehicle_type="reefer")
    assert allocation.booking_allocate(booking=booking).status == Booking.Status.ALLOCATED


def test_trip_past_its_cutoff_takes_no_bookings(network, trips):
    Trip.objects.filter(pk=trips[0].pk).update(
        booking_cutoff_at=timezone.now() - timedelta(minutes=1)
    )

    booking = book(network)

    assert booking.trip == trips[1]


def test_ready_date_after_a_departure_skips_it(network, trips):
    # Ready on the local day of the second departure: the first has gone by then.
    ready = trips[1].departure_at.astimezone(network.chongqing.zone).date()

    booking = book(network, ready=ready)

    assert booking.trip == trips[1]


def test_release_gives_room_back_and_waiting_list_moves_in(
    network, trips, django_capture_on_commit_callbacks
):
    holders = [book(network, reference=f"H{n}", kg="10000") for n in range(len(trips))]
    waiting = book(network, reference="W", kg="500")
    assert waiting.status == Booking.Status.WAITING

    with django_capture_on_commit_callbacks(execute=True):
        allocation.booking_release(booking=holders[0], reason="Order cancelled")

    waiting.refresh_from_db()
    holders[0].refresh_from_db()
    assert holders[0].status == Booking.Status.RELEASED and holders[0].trip is None
    assert waiting.status == Booking.Status.ALLOCATED and waiting.trip == trips[0]
    assert legs(trips[0])[0] == (Decimal("500.00"), Decimal("4.000"))


def test_waiting_list_is_first_come_first_served(
    network, trips, django_capture_on_commit_callbacks
):
    holders = [book(network, reference=f"H{n}", kg="10000") for n in range(len(trips))]
    first = book(network, reference="FIRST", kg="6000")
    second = book(network, reference="SECOND", kg="6000")

    with django_capture_on_commit_callbacks(execute=True):
        allocation.booking_release(booking=holders[0])

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Booking.Status.ALLOCATED
    assert second.status == Booking.Status.WAITING


def test_reallocate_moves_booking_and_keeps_both_trips_exact(network, trips):
    booking = book(network, kg="3000", m3="10")

    allocation.booking_reallocate(booking=booking, trip=trips[2], reason="Customer asked for later")

    booking.refresh_from_db()
    assert booking.trip == trips[2]
    assert legs(trips[0]) == [(Decimal("0"), Decimal("0"))] * 3
    assert legs(trips[2]) == [(Decimal("3000"), Decimal("10"))] * 3
    assert booking.events.last().reason == "Customer asked for later"


def test_reallocate_to_full_trip_is_refused_and_nothing_moves(network, trips):
    booking = book(network, reference="MOVER", kg="3000")
    book(network, reference="FILLER", kg="9000")  # fills trips[1]
    assert Booking.objects.get(reference="FILLER").trip == trips[1]

    with pytest.raises(NotBookable, match="no room"):
        allocation.booking_reallocate(booking=booking, trip=trips[1])

    booking.refresh_from_db()
    assert booking.trip == trips[0]
    assert legs(trips[0])[0][0] == Decimal("3000")


def test_reallocate_to_trip_not_serving_route_is_refused(network, trips):
    backwards = book(network, origin=network.hanoi, destination=network.huu_nghi)

    with pytest.raises(NotBookable, match="does not go from Hanoi to Huu Nghi"):
        allocation.booking_reallocate(booking=backwards, trip=trips[1])


def test_cancelling_a_trip_moves_its_bookings_and_records_why(
    network, trips, django_capture_on_commit_callbacks
):
    booking = book(network, kg="2000")

    with django_capture_on_commit_callbacks(execute=True):
        services.trip_cancel(trip=trips[0], reason="Flooding on G75 near Nanning")

    booking.refresh_from_db()
    trips[0].refresh_from_db()
    assert trips[0].status == Trip.Status.CANCELLED
    assert booking.trip == trips[1]
    events = list(booking.events.values_list("action", "reason"))
    assert [action for action, _reason in events] == ["allocated", "trip_cancelled", "allocated"]
    assert "Flooding on G75" in events[1][1]
    assert legs(trips[0]) == [(Decimal("0"), Decimal("0"))] * 3


def test_cancelling_needs_a_reason(network, trips):
    with pytest.raises(Exception, match="why"):
        services.trip_cancel(trip=trips[0], reason=" ")
    trips[0].refresh_from_db()
    assert trips[0].status == Trip.Status.PLANNED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kg": "0"}, "weight_kg"),
        ({"m3": "-1"}, "volume_m3"),
        ({"destination": "SAME"}, "destination"),
    ],
)
def test_booking_create_refuses_impossible_cargo_and_saves_nothing(network, trips, change, field):
    from django.core.exceptions import ValidationError

    if change.get("destination") == "SAME":
        change = {"destination": network.chongqing}

    with pytest.raises(ValidationError) as error:
        book(network, **change)

    assert field in error.value.message_dict
    assert not Booking.objects.exists()


def test_booking_reference_is_unique_per_member(network, trips):
    from django.core.exceptions import ValidationError

    member = MemberFactory()
    book(network, member, reference="PO-1")

    with pytest.raises(ValidationError, match="already have a booking"):
        book(network, member, reference="PO-1")
    book(network, reference="PO-1")  # another member may use the same reference
