"""No overbooking under concurrency: many connections race for one trip's last space."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from scheduling import allocation, services
from scheduling.models import Booking, ServiceKind, Trip, TripLeg
from tests.factories import MemberFactory
from tests.network import make_line, make_timetable

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 60  # each on its own PostgreSQL connection, well within the default 100


def test_parallel_allocations_never_overbook_any_leg(network, carrier):
    line = make_line(network, carrier)
    make_timetable(line, capacity_kg="10000", capacity_m3="40")
    services.trips_generate()
    trip = Trip.objects.filter(line=line).order_by("departure_at").first()
    Trip.objects.filter(line=line).exclude(pk=trip.pk).delete()  # one trip only
    member = MemberFactory()
    # Through cargo, cargo dropped at the border, and cargo loaded at the border.
    routes = [
        (network.chongqing, network.hanoi),
        (network.chongqing, network.youyiguan),
        (network.huu_nghi, network.hanoi),
    ]
    barrier = threading.Barrier(RACERS)
    failures: list[BaseException] = []

    def racer(number: int) -> None:
        origin, destination = routes[number % len(routes)]
        try:
            barrier.wait(timeout=60)
            allocation.booking_create(
                member=member,
                reference=f"RACE-{number:03d}",
                origin=origin,
                destination=destination,
                ready_date=timezone.localdate(),
                weight_kg=Decimal("700"),
                volume_m3=Decimal("1.5"),
                service_kind=ServiceKind.LTL,
            )
        except BaseException as error:  # every refusal must be clean: none may escape
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert Booking.objects.count() == RACERS
    allocated = Booking.objects.filter(status=Booking.Status.ALLOCATED, trip=trip)
    assert 0 < allocated.count() < RACERS
    for leg in TripLeg.objects.filter(trip=trip):
        on_leg = allocated.filter(first_leg__lte=leg.sequence, last_leg__gte=leg.sequence)
        carried = on_leg.aggregate(kg=Sum("weight_kg"), m3=Sum("volume_m3"))
        assert leg.booked_kg == (carried["kg"] or 0) <= leg.capacity_kg
        assert leg.booked_m3 == (carried["m3"] or 0) <= leg.capacity_m3
    waiting = Booking.objects.filter(status=Booking.Status.WAITING)
    assert waiting.count() == RACERS - allocated.count()
    assert set(waiting.values_list("waiting_reason", flat=True)) == {Booking.WaitingReason.NO_ROOM}
    # Nobody was turned away while there was room: each waiting booking has a full leg.
    room = {
        leg.sequence: leg.capacity_kg - leg.booked_kg for leg in TripLeg.objects.filter(trip=trip)
    }
    stops = {stop.location_id: stop.sequence for stop in trip.stops.all()}
    for booking in waiting:
        its_legs = range(stops[booking.origin_id], stops[booking.destination_id])
        assert min(room[sequence] for sequence in its_legs) < booking.weight_kg


def _leg_totals_match_bookings() -> list[str]:
    """Every leg's counters against the bookings that really cover it; lists any drift."""
    drift = []
    for leg in TripLeg.objects.all():
        covering = Booking.objects.filter(
            status=Booking.Status.ALLOCATED,
            trip_id=leg.trip_id,
            first_leg__lte=leg.sequence,
            last_leg__gte=leg.sequence,
        ).aggregate(kg=Sum("weight_kg"), m3=Sum("volume_m3"))
        if (leg.booked_kg, leg.booked_m3) != (covering["kg"] or 0, covering["m3"] or 0):
            drift.append(f"{leg}: {leg.booked_kg} kg booked, bookings say {covering['kg']}")
        if leg.booked_kg > leg.capacity_kg or leg.booked_m3 > leg.capacity_m3:
            drift.append(f"{leg}: over capacity")
    return drift


def test_mixed_race_of_booking_moving_releasing_and_cancelling_keeps_every_leg_exact(
    network, carrier
):
    from django.core.exceptions import ValidationError

    from scheduling.exceptions import NotBookable

    line = make_line(network, carrier)
    make_timetable(line, capacity_kg="6000", capacity_m3="30")
    services.trips_generate()
    trips = list(Trip.objects.filter(line=line).order_by("departure_at")[:3])
    member = MemberFactory()
    existing = [
        allocation.booking_create(
            member=member,
            reference=f"OLD-{n}",
            origin=network.chongqing,
            destination=network.hanoi,
            ready_date=timezone.localdate(),
            weight_kg=Decimal("800"),
            volume_m3=Decimal("2"),
            service_kind=ServiceKind.LTL,
        )
        for n in range(12)
    ]
    barrier = threading.Barrier(RACERS)
    failures: list[BaseException] = []

    def racer(number: int) -> None:
        try:
            barrier.wait(timeout=60)
            kind = number % 5
            if kind == 0:
                allocation.booking_release(booking=existing[number % len(existing)])
            elif kind == 1:
                allocation.booking_reallocate(
                    booking=existing[(number * 7) % len(existing)], trip=trips[number % 3]
                )
            elif kind == 2 and number == 2:
                services.trip_cancel(trip=trips[0], reason="Race test")
                allocation.trip_rehome_bookings(trip_id=trips[0].pk)
            elif kind == 3 and number == 3:
                services.trips_generate()
            else:
                allocation.booking_create(
                    member=member,
                    reference=f"NEW-{number:03d}",
                    origin=network.chongqing,
                    destination=network.youyiguan if number % 2 else network.hanoi,
                    ready_date=timezone.localdate(),
                    weight_kg=Decimal("600"),
                    volume_m3=Decimal("1"),
                    service_kind=ServiceKind.LTL,
                )
        except (NotBookable, ValidationError):
            pass  # a clean refusal: a full or cancelled trip, a released booking
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    allocation.trip_rehome_bookings()  # what the periodic sweep would finish

    assert failures == []
    assert _leg_totals_match_bookings() == []
    assert not Booking.objects.filter(status="allocated", trip__status="cancelled").exists()
