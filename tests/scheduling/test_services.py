from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from scheduling import allocation, services
from scheduling.exceptions import (
    CapacityTooSmall,
    InvalidStopPlan,
    InvalidTransition,
    PermitMissing,
    ScheduleConflict,
)
from scheduling.models import (
    BorderCrossing,
    Driver,
    Location,
    ServiceKind,
    Timetable,
    Trip,
    TripLeg,
    Vehicle,
    VehiclePermit,
    VehicleType,
)
from scheduling.services import PlannedStop
from tests.factories import MemberFactory
from tests.network import make_line, make_timetable

pytestmark = pytest.mark.django_db


# --- Stop plans and lines ------------------------------------------------------


def test_stop_plan_refuses_out_of_order_offsets_naming_the_stop(network):
    plan = [
        PlannedStop(network.chongqing, Decimal(0)),
        PlannedStop(network.youyiguan, Decimal(20), Decimal(4)),
        PlannedStop(network.huu_nghi, Decimal(22)),  # before Youyiguan is left at 24 h
        PlannedStop(network.hanoi, Decimal(30)),
    ]

    with pytest.raises(InvalidStopPlan, match=r"Stop 3 \(Huu Nghi\) is reached at 22 h"):
        services.validate_stop_plan(plan)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (lambda n: [PlannedStop(n.chongqing, Decimal(0))], "at least two stops"),
        (
            lambda n: [PlannedStop(n.chongqing, Decimal(2)), PlannedStop(n.hanoi, Decimal(9))],
            "offset must be 0",
        ),
        (
            lambda n: [PlannedStop(n.chongqing, Decimal(0)), PlannedStop(n.nanning, Decimal(10))],
            "at least one border",
        ),
        (
            lambda n: [PlannedStop(n.chongqing, Decimal(0)), PlannedStop(n.hanoi, Decimal(30))],
            "not a known border crossing",
        ),
        (
            lambda n: [
                PlannedStop(n.youyiguan, Decimal(0)),
                PlannedStop(n.huu_nghi, Decimal(2)),
                PlannedStop(n.youyiguan, Decimal(4)),
            ],
            "appears twice",
        ),
    ],
)
def test_stop_plan_refuses_impossible_routes(network, plan, message):
    with pytest.raises(InvalidStopPlan, match=message):
        services.validate_stop_plan(plan(network))


def test_line_stops_cannot_change_once_trips_exist(network, carrier, trips):
    with pytest.raises(InvalidStopPlan, match="already has trips"):
        make_line(network, carrier, with_nanning=True)


def test_location_refuses_unknown_timezone_and_foreign_unlocode():
    location = Location(
        name="Lao Cai",
        kind="border_gate",
        country="VN",
        timezone="Asia/Hanoi",
        unlocode="CNLAO",
        latitude=Decimal(22),
        longitude=Decimal(104),
    )

    with pytest.raises(ValidationError) as error:
        location.full_clean()

    assert "is not an IANA time zone" in str(error.value.message_dict["timezone"])
    assert "starts with its country" in str(error.value.message_dict["unlocode"])


def test_border_crossing_gates_must_be_in_two_countries(network):
    with pytest.raises(ValidationError, match="different countries"):
        services.border_crossing_upsert(
            name="Nowhere", gate_a=network.chongqing, gate_b=network.nanning
        )
    assert not BorderCrossing.objects.filter(name="Nowhere").exists()


def test_timetable_refuses_no_weekday_and_non_positive_capacity(line):
    with pytest.raises(ValidationError) as error:
        make_timetable(line, weekdays=[], capacity_kg="0")

    assert error.value.message_dict["weekdays"] == ["Choose at least one weekday."]
    assert error.value.message_dict["capacity_kg"] == ["Must be more than 0."]
    assert not Timetable.objects.exists()


def test_vehicle_with_non_positive_capacity_gets_a_field_message(carrier):
    vehicle = Vehicle(
        carrier=carrier,
        plate="ZERO2",
        registration_country="CN",
        vehicle_type=VehicleType.BOX_TRUCK,
        capacity_kg=Decimal(0),
        capacity_m3=Decimal(-1),
    )

    with pytest.raises(ValidationError) as error:
        vehicle.full_clean()

    assert error.value.message_dict["capacity_kg"] == ["Must be more than 0."]
    assert error.value.message_dict["capacity_m3"] == ["Must be more than 0."]


# --- Trips from timetables -------------------------------------------------------


def test_trips_generated_in_origin_local_time_for_four_weeks(timetable):
    created = services.trips_generate()

    trips = list(Trip.objects.order_by("departure_at"))
    assert created == len(trips) >= 7  # Mondays and Thursdays for 28 days
    shanghai = ZoneInfo("Asia/Shanghai")
    for trip in trips:
        local = trip.departure_at.astimezone(shanghai)
        assert local.weekday() in (0, 3) and local.time() == time(8, 0)
        assert trip.booking_cutoff_at == trip.departure_at - timedelta(hours=24)
        assert trip.departure_at <= timezone.now() + timedelta(days=28)
    hanoi_stop = trips[0].stops.get(sequence=4)
    assert hanoi_stop.planned_arrival == trips[0].departure_at + timedelta(hours=30)
    assert [leg.border_crossing is not None for leg in trips[0].legs.order_by("sequence")] == [
        False,
        True,
        False,
    ]


def test_generation_twice_creates_nothing_new(timetable):
    services.trips_generate()
    before = (Trip.objects.count(), TripLeg.objects.count())

    assert services.trips_generate() == 0
    assert (Trip.objects.count(), TripLeg.objects.count()) == before


def test_changing_timetable_moves_free_trips_and_keeps_booked_ones(network, timetable, trips):
    booked = allocation.booking_create(
        member=MemberFactory(),
        reference="KEEP",
        origin=network.chongqing,
        destination=network.hanoi,
        ready_date=timezone.localdate(),
        weight_kg=Decimal(100),
        volume_m3=Decimal(1),
        service_kind=ServiceKind.LTL,
    ).trip

    Timetable.objects.filter(pk=timetable.pk).update(weekdays=[2], capacity_kg=Decimal(12000))
    services.trips_generate()

    remaining = Trip.objects.filter(line=timetable.line)
    shanghai = ZoneInfo("Asia/Shanghai")
    weekdays = {
        trip.departure_at.astimezone(shanghai).weekday() for trip in remaining.exclude(pk=booked.pk)
    }
    assert weekdays == {2}
    assert remaining.filter(pk=booked.pk).exists()
    assert booked.legs.first().capacity_kg == Decimal(10000)
    free = remaining.exclude(pk=booked.pk).first()
    assert free.legs.first().capacity_kg == Decimal(12000)


def test_timetable_validity_limits_generation(line):
    make_timetable(line, valid_from=timezone.localdate() + timedelta(days=60))

    assert services.trips_generate() == 0


# --- Legs, vehicles, drivers ------------------------------------------------------


def _vehicle(carrier, plate="渝A12345", kg="24000", m3="86", permit_until=None, crossing=None):
    vehicle = Vehicle.objects.create(
        carrier=carrier,
        plate=plate,
        registration_country="CN",
        vehicle_type=VehicleType.TRACTOR_TRAILER,
        capacity_kg=Decimal(kg),
        capacity_m3=Decimal(m3),
    )
    if crossing is not None:
        permit = VehiclePermit.objects.create(
            vehicle=vehicle,
            kind="gms_cbta",
            number=f"CBTA-{plate}",
            valid_from=date(2026, 1, 1),
            valid_until=permit_until or date(2030, 12, 31),
        )
        permit.crossings.set([crossing])
    return vehicle


def _driver(carrier, name="Zhang Wei", licence="500101199001011234"):
    return Driver.objects.create(
        carrier=carrier,
        full_name=name,
        licence_number=licence,
        nationality="CN",
        phone="+8613800000000",
    )


def test_vehicle_on_border_leg_needs_a_valid_permit(carrier, trips):
    crossing = BorderCrossing.objects.get()
    border_leg = trips[0].legs.get(sequence=2)
    expired = _vehicle(carrier, plate="OLD1", crossing=crossing, permit_until=date(2026, 1, 31))
    none = _vehicle(carrier, plate="NONE1")

    for vehicle in (expired, none):
        with pytest.raises(PermitMissing, match="no cross-border permit valid for Youyiguan"):
            services.leg_assign(leg=border_leg, vehicle=vehicle, driver=None)

    border_leg.refresh_from_db()
    assert border_leg.vehicle is None
    # A domestic leg needs no permit.
    services.leg_assign(leg=trips[0].legs.get(sequence=1), vehicle=none, driver=None)


def test_vehicle_capacity_becomes_the_legs_and_may_free_room(carrier, trips):
    leg = trips[0].legs.get(sequence=1)

    services.leg_assign(
        leg=leg, vehicle=_vehicle(carrier, kg="26000", m3="90"), driver=_driver(carrier)
    )

    leg.refresh_from_db()
    assert (leg.capacity_kg, leg.capacity_m3) == (Decimal(26000), Decimal(90))


def test_smaller_vehicle_than_booked_cargo_is_refused(network, carrier, trips):
    allocation.booking_create(
        member=MemberFactory(),
        reference="BIG",
        origin=network.chongqing,
        destination=network.hanoi,
        ready_date=timezone.localdate(),
        weight_kg=Decimal(8000),
        volume_m3=Decimal(10),
        service_kind=ServiceKind.LTL,
    )

    with pytest.raises(CapacityTooSmall, match="already booked"):
        services.leg_assign(
            leg=trips[0].legs.get(sequence=1), vehicle=_vehicle(carrier, kg="5000"), driver=None
        )


def test_vehicle_or_driver_cannot_be_on_two_overlapping_legs(carrier, trips, network):
    from tests.network import make_line

    other_line = make_line(network, carrier, code="CKG-HAN-NNG", with_nanning=True)
    make_timetable(other_line)
    services.trips_generate()
    same_time = Trip.objects.get(line=other_line, departure_at=trips[0].departure_at)
    vehicle, driver = _vehicle(carrier), _driver(carrier)
    services.leg_assign(leg=trips[0].legs.get(sequence=1), vehicle=vehicle, driver=driver)

    with pytest.raises(ScheduleConflict, match="overlapping"):
        services.leg_assign(leg=same_time.legs.get(sequence=1), vehicle=vehicle, driver=None)
    with pytest.raises(ScheduleConflict, match="overlapping"):
        services.leg_assign(leg=same_time.legs.get(sequence=1), vehicle=None, driver=driver)
    # A later trip of the same line is fine.
    services.leg_assign(leg=trips[1].legs.get(sequence=1), vehicle=vehicle, driver=driver)


def test_cancelled_trip_frees_its_vehicle(carrier, trips, network):
    vehicle = _vehicle(carrier)
    services.leg_assign(leg=trips[0].legs.get(sequence=1), vehicle=vehicle, driver=None)
    services.trip_cancel(trip=trips[0], reason="Typhoon")
    other_line = make_line(network, carrier, code="CKG-HAN-NNG", with_nanning=True)
    make_timetable(other_line)
    services.trips_generate()

    same_time = Trip.objects.get(line=other_line, departure_at=trips[0].departure_at)
    services.leg_assign(leg=same_time.legs.get(sequence=1), vehicle=vehicle, driver=None)


def test_other_carriers_vehicle_is_refused(trips):
    stranger = _vehicle(MemberFactory(), plate="STRANGE1")

    with pytest.raises(ScheduleConflict, match="does not belong to a carrier operating"):
        services.leg_assign(leg=trips[0].legs.get(sequence=1), vehicle=stranger, driver=None)


def test_vehicle_with_non_positive_capacity_is_refused_by_the_database(carrier):
    with pytest.raises(IntegrityError):
        Vehicle.objects.create(
            carrier=carrier,
            plate="ZERO",
            registration_country="CN",
            vehicle_type=VehicleType.BOX_TRUCK,
            capacity_kg=0,
            capacity_m3=10,
        )


def test_leg_capacity_constraint_makes_overbooking_impossible(trips):
    leg = trips[0].legs.first()

    with pytest.raises(IntegrityError):
        TripLeg.objects.filter(pk=leg.pk).update(booked_kg=leg.capacity_kg + 1)


# --- Trip states, stop times, handovers -----------------------------------------


def test_trip_moves_forward_only(trips):
    services.trip_transition(trip=trips[0], status=Trip.Status.LOADING)
    services.trip_transition(trip=trips[0], status=Trip.Status.DEPARTED)

    with pytest.raises(InvalidTransition, match="departed trip cannot become planned"):
        services.trip_transition(trip=trips[0], status=Trip.Status.PLANNED)
    with pytest.raises(InvalidTransition):
        services.trip_transition(trip=trips[0], status=Trip.Status.CANCELLED)


def test_actual_stop_times_refuse_leaving_before_arriving(trips):
    stop = trips[0].stops.get(sequence=2)
    arrived = timezone.now()

    services.trip_stop_record_actual(stop=stop, arrival=arrived)
    with pytest.raises(ValidationError, match="leaves after it arrives"):
        services.trip_stop_record_actual(stop=stop, departure=arrived - timedelta(hours=1))

    stop.refresh_from_db()
    assert stop.actual_arrival == arrived and stop.actual_departure is None


def test_handover_records_seals_and_refuses_none(trips):
    stop = trips[0].stops.get(sequence=2)

    with pytest.raises(ValidationError, match="seal numbers"):
        services.handover_record(
            trip=trips[0],
            stop=stop,
            seal_numbers=[" "],
            seals_intact=True,
            signed_by="Nguyen Van An",
            occurred_at=timezone.now(),
        )
    handover = services.handover_record(
        trip=trips[0],
        stop=stop,
        seal_numbers=["CN123456", "CN123457"],
        seals_intact=True,
        signed_by="Nguyen Van An",
        occurred_at=timezone.now(),
    )

    assert handover.seal_numbers == ["CN123456", "CN123457"]
