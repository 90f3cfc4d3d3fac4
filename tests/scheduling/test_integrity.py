"""Rules that keep capacity and assignments honest beyond the happy path."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from scheduling import allocation, services
from scheduling.exceptions import CapacityTooSmall, NotBookable, PermitMissing
from scheduling.models import (
    Booking,
    BorderCrossing,
    Driver,
    ServiceKind,
    Timetable,
    Trip,
    TripLeg,
    Vehicle,
    VehiclePermit,
    VehicleType,
)
from tests.factories import MemberFactory, api_key_for
from tests.network import book, make_line, make_timetable

pytestmark = pytest.mark.django_db


def lorry(carrier, plate, *, kind=VehicleType.TRACTOR_TRAILER, kg="24000", until=date(2030, 1, 1)):
    vehicle = Vehicle.objects.create(
        carrier=carrier,
        plate=plate,
        registration_country="CN",
        vehicle_type=kind,
        capacity_kg=Decimal(kg),
        capacity_m3=Decimal(86),
    )
    permit = VehiclePermit.objects.create(
        vehicle=vehicle,
        kind="bilateral",
        number=f"P-{plate}",
        valid_from=date(2026, 1, 1),
        valid_until=until,
    )
    permit.crossings.set(BorderCrossing.objects.all())
    return vehicle


def driver(carrier, name, licence):
    return Driver.objects.create(
        carrier=carrier,
        full_name=name,
        licence_number=licence,
        nationality="CN",
        phone="+8613800000009",
    )


def api(member, scopes=(ApiScope.TRIPS_READ, ApiScope.TRIPS_WRITE, ApiScope.ORDERS_WRITE)):
    _key, raw = api_key_for(member, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def test_admin_cannot_delete_bookings_trips_or_timetables(client, staff, network, trips):
    booking = book(network, kg="4000")
    client.force_login(staff)

    client.post(
        reverse("admin:scheduling_booking_changelist"),
        {"action": "delete_selected", "_selected_action": [booking.pk], "post": "yes"},
    )
    gone = client.get(reverse("admin:scheduling_timetable_delete", args=[trips[0].timetable_id]))

    assert Booking.objects.filter(pk=booking.pk).exists()
    assert trips[0].legs.first().booked_kg == Decimal(4000)
    assert gone.status_code == 403
    assert Timetable.objects.filter(pk=trips[0].timetable_id).exists()


def test_reallocation_follows_the_ready_date(network, trips):
    booking = book(network, ready=trips[1].departure_at.astimezone(network.chongqing.zone).date())
    assert booking.trip == trips[1]

    with pytest.raises(NotBookable, match="leaves before the ready date"):
        allocation.booking_reallocate(booking=booking, trip=trips[0])


def test_reallocation_of_cold_cargo_needs_a_reefer(network, carrier):
    line = make_line(network, carrier, code="COLD", services_offered=[ServiceKind.COLD_CHAIN])
    make_timetable(line, vehicle_type=VehicleType.REEFER)
    services.trips_generate()
    first, second = Trip.objects.filter(line=line).order_by("departure_at")[:2]
    booking = book(network, service=ServiceKind.COLD_CHAIN)
    TripLeg.objects.filter(trip=second, sequence=2).update(vehicle_type=VehicleType.TRACTOR_TRAILER)

    with pytest.raises(NotBookable, match="lacks a reefer"):
        allocation.booking_reallocate(booking=booking, trip=second)
    assert Booking.objects.get(pk=booking.pk).trip == first


def test_cold_chain_refuses_a_trip_with_one_dry_leg(network, carrier):
    line = make_line(network, carrier, code="COLD", services_offered=[ServiceKind.COLD_CHAIN])
    make_timetable(line, vehicle_type=VehicleType.REEFER)
    services.trips_generate()
    first, second = Trip.objects.filter(line=line).order_by("departure_at")[:2]
    TripLeg.objects.filter(trip=first, sequence=3).update(vehicle_type=VehicleType.BOX_TRUCK)

    assert book(network, service=ServiceKind.COLD_CHAIN).trip == second


def test_dry_lorry_cannot_replace_a_reefer_under_cold_cargo(network, carrier):
    line = make_line(network, carrier, code="COLD", services_offered=[ServiceKind.COLD_CHAIN])
    make_timetable(line, vehicle_type=VehicleType.REEFER)
    services.trips_generate()
    booking = book(network, service=ServiceKind.COLD_CHAIN)

    with pytest.raises(CapacityTooSmall, match="needs a refrigerated vehicle"):
        services.leg_assign(
            leg=booking.trip.legs.get(sequence=1), vehicle=lorry(carrier, "DRY1"), driver=None
        )


def test_taking_the_lorry_off_returns_the_leg_to_the_timetable_capacity(network, carrier, trips):
    leg = trips[0].legs.get(sequence=1)
    services.leg_assign(leg=leg, vehicle=lorry(carrier, "BIG1", kg="26000"), driver=None)
    book(network, kg="9000")

    services.leg_assign(leg=leg, vehicle=None, driver=None)
    leg.refresh_from_db()
    assert (leg.vehicle, leg.capacity_kg) == (None, Decimal(10000))

    book(network, reference="MORE", kg="900")
    services.leg_assign(leg=leg, vehicle=lorry(carrier, "BIG2", kg="26000"), driver=None)
    book(network, reference="MOST", kg="5000", destination=network.youyiguan)  # first leg only
    with pytest.raises(CapacityTooSmall, match="already booked"):
        services.leg_assign(leg=leg, vehicle=None, driver=None)


def test_bigger_lorry_lets_the_waiting_list_in(
    network, carrier, trips, django_capture_on_commit_callbacks
):
    for number in range(len(trips)):
        book(network, reference=f"FULL{number}", kg="10000")
    waiting = book(network, reference="WAIT", kg="3000")
    assert waiting.status == Booking.Status.WAITING

    with django_capture_on_commit_callbacks(execute=True):
        for sequence in (1, 2, 3):
            services.leg_assign(
                leg=trips[0].legs.get(sequence=sequence),
                vehicle=lorry(carrier, f"L{sequence}", kg="14000"),
                driver=None,
            )

    waiting.refresh_from_db()
    assert waiting.trip == trips[0]


def test_permit_is_checked_on_local_dates(network, carrier):
    line = make_line(network, carrier, code="EARLY")
    make_timetable(line, departure_time=time(5, 0))
    services.trips_generate()
    trip = Trip.objects.filter(line=line).order_by("departure_at").first()
    border = trip.legs.get(
        sequence=2
    )  # leaves Youyiguan 24 h later, 05:00 local = 21:00 UTC the day before
    local_day = border.planned_start.astimezone(network.youyiguan.zone).date()
    assert border.planned_start.date() == local_day - timedelta(days=1)

    with pytest.raises(PermitMissing, match=str(local_day)):
        services.leg_assign(
            leg=border,
            vehicle=lorry(carrier, "EXP1", until=local_day - timedelta(days=1)),
            driver=None,
        )


def test_assigning_a_driver_leaves_the_lorry_in_place(carrier, trips):
    vehicle, person = lorry(carrier, "KEEP1"), driver(carrier, "Wang Lei", "LIC-1")
    client = api(carrier)
    url = f"/api/v1/trips/{trips[0].pk}/legs/1/assign/"
    client.post(url, {"vehicle": vehicle.pk}, format="json")

    response = client.post(url, {"driver": person.pk}, format="json")

    assert response.json()["vehicle"] == "KEEP1" and response.json()["driver"] == "Wang Lei"
    cleared = client.post(url, {"vehicle": None}, format="json").json()
    assert cleared["vehicle"] is None and cleared["driver"] == "Wang Lei"


def test_co_carrier_neither_sees_nor_strips_the_other_carriers_lorry(carrier, trips, client):
    partner = MemberFactory(country="VN")
    trips[0].line.carriers.add(partner)
    vehicle = lorry(carrier, "OWN1")
    api(carrier).post(
        f"/api/v1/trips/{trips[0].pk}/legs/1/assign/", {"vehicle": vehicle.pk}, format="json"
    )
    partner_api = api(partner)

    stripped = partner_api.post(
        f"/api/v1/trips/{trips[0].pk}/legs/1/assign/", {"vehicle": None}, format="json"
    )
    seen = partner_api.get(f"/api/v1/trips/{trips[0].pk}/").json()["legs"][0]

    assert stripped.status_code == 403
    assert TripLeg.objects.get(trip=trips[0], sequence=1).vehicle == vehicle
    assert seen["vehicle"] is None
    from tests.factories import UserFactory

    client.force_login(UserFactory(member=partner))
    page = client.get(reverse("scheduling:trip", args=[trips[0].pk])).content.decode()
    assert "OWN1" not in page and "Assigned by another carrier" in page


def test_stranded_bookings_are_moved_by_the_sweep(network, trips):
    booking = book(network, kg="700")
    services.trip_cancel(
        trip=trips[0], reason="Broker down when this happened"
    )  # no commit hook runs

    assert Booking.objects.get(pk=booking.pk).trip == trips[0]
    assert allocation.trip_rehome_bookings() == 1
    assert Booking.objects.get(pk=booking.pk).trip == trips[1]


def test_released_room_goes_to_the_earliest_waiting_booking_before_a_new_one(
    network, trips, django_capture_on_commit_callbacks
):
    holders = [book(network, reference=f"H{n}", kg="10000") for n in range(len(trips))]
    early = book(network, reference="EARLY", kg="6000")

    with django_capture_on_commit_callbacks(execute=True):
        allocation.booking_release(booking=holders[0])
    late = book(network, reference="LATE", kg="6000")

    early.refresh_from_db()
    assert early.trip == trips[0]
    assert late.status == Booking.Status.WAITING


def test_admin_records_actual_times_in_the_stops_local_time(client, staff, trips):
    trip = trips[0]
    stops = list(trip.stops.order_by("sequence"))
    client.force_login(staff)
    data = {
        "stops-TOTAL_FORMS": str(len(stops)),
        "stops-INITIAL_FORMS": str(len(stops)),
        "stops-MIN_NUM_FORMS": "0",
        "stops-MAX_NUM_FORMS": "1000",
        "legs-TOTAL_FORMS": str(trip.legs.count()),
        "legs-INITIAL_FORMS": str(trip.legs.count()),
        "legs-MIN_NUM_FORMS": "0",
        "legs-MAX_NUM_FORMS": "1000",
        "bookings-TOTAL_FORMS": "0",
        "bookings-INITIAL_FORMS": "0",
        "bookings-MIN_NUM_FORMS": "0",
        "bookings-MAX_NUM_FORMS": "1000",
    }
    for index, stop in enumerate(stops):
        data[f"stops-{index}-id"] = stop.pk
        data[f"stops-{index}-trip"] = trip.pk
    for index, leg in enumerate(trip.legs.order_by("sequence")):
        data[f"legs-{index}-id"] = leg.pk
        data[f"legs-{index}-trip"] = trip.pk
    hanoi_day = stops[3].planned_arrival.astimezone(stops[3].location.zone).date()
    data["stops-3-actual_arrival_0"] = hanoi_day.isoformat()
    data["stops-3-actual_arrival_1"] = "13:30"

    response = client.post(reverse("admin:scheduling_trip_change", args=[trip.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    arrived = trip.stops.get(sequence=4).actual_arrival
    assert arrived.astimezone(stops[3].location.zone).strftime("%H:%M") == "13:30"
    assert arrived.strftime("%H:%M") == "06:30"  # stored in UTC


def test_admin_moves_trips_along_their_states(client, staff, trips):
    client.force_login(staff)
    url = reverse("admin:scheduling_trip_changelist")

    client.post(url, {"action": "mark_loading", "_selected_action": [trips[0].pk]})
    refused = client.post(
        url, {"action": "mark_completed", "_selected_action": [trips[0].pk]}, follow=True
    )

    assert Trip.objects.get(pk=trips[0].pk).status == Trip.Status.LOADING
    assert "cannot become completed" in refused.content.decode()


def _vehicle_form(vehicle, **changes) -> dict:
    data = {
        "carrier": vehicle.carrier_id,
        "plate": vehicle.plate,
        "registration_country": "CN",
        "vehicle_type": vehicle.vehicle_type,
        "capacity_kg": str(vehicle.capacity_kg),
        "capacity_m3": str(vehicle.capacity_m3),
        "permits-TOTAL_FORMS": "0",
        "permits-INITIAL_FORMS": "0",
        "permits-MIN_NUM_FORMS": "0",
        "permits-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_shrinking_a_vehicle_below_its_booked_legs_is_refused_in_admin(
    client, staff, network, carrier, trips
):
    vehicle = lorry(carrier, "EDIT1", kg="12000")
    services.leg_assign(leg=trips[0].legs.get(sequence=1), vehicle=vehicle, driver=None)
    book(network, kg="9000")
    client.force_login(staff)
    url = reverse("admin:scheduling_vehicle_change", args=[vehicle.pk])

    refused = client.post(url, _vehicle_form(vehicle, capacity_kg="5000"))
    grown = client.post(url, _vehicle_form(vehicle, capacity_kg="15000"))

    assert "weighs more" in refused.content.decode()
    assert grown.status_code == 302
    assert trips[0].legs.get(sequence=1).capacity_kg == Decimal(15000)


def test_new_trips_let_the_waiting_list_in(network, line, django_capture_on_commit_callbacks):
    waiting = book(network, reference="EARLY-BIRD")  # no timetable yet: nothing departs
    assert waiting.waiting_reason == Booking.WaitingReason.NO_DEPARTURE

    make_timetable(line)
    with django_capture_on_commit_callbacks(execute=True):
        services.trips_generate()

    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.ALLOCATED
    assert waiting.trip == Trip.objects.filter(line=line).order_by("departure_at").first()
