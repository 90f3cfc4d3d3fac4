"""The demo network, schedule and fleet: the alliance's real scale, loaded idempotently."""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from alliance.models import Member
from orders.models import Order, Shipment, Tariff
from scheduling import demo
from scheduling.models import (
    BorderCrossing,
    Driver,
    Line,
    LineStop,
    Location,
    ServiceKind,
    Timetable,
    Trip,
    Vehicle,
    VehiclePermit,
    VehicleType,
)
from scheduling.services import PlannedStop, validate_stop_plan
from tracking.models import ExceptionCase, TimelineEntry, TrackingEvent

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Location,
            BorderCrossing,
            Line,
            LineStop,
            Timetable,
            Vehicle,
            VehiclePermit,
            Driver,
            Trip,
            Tariff,
            Order,
            Shipment,
            TrackingEvent,
            TimelineEntry,
            ExceptionCase,
        )
    }


# Seeding takes a few seconds, so one test seeds twice and checks everything.
def test_demo_seed_is_idempotent_and_at_the_alliance_scale():
    call_command("seed_demo", password="demo-password-1")
    first = _counts()
    call_command("seed_demo", password="demo-password-1")

    assert _counts() == first
    assert first["Vehicle"] == 20
    assert first["Driver"] == 12
    check_gates_crossings_and_warehouses()
    check_lines_run_both_ways_over_valid_routes()
    check_trips_for_the_coming_four_weeks_on_every_line()
    check_every_vehicle_holds_a_permit_valid_today()
    check_every_line_service_is_priced_and_demo_orders_booked()


def check_every_line_service_is_priced_and_demo_orders_booked():
    for line in Line.objects.all():
        for service in line.service_kinds:
            currencies = set(
                Tariff.objects.filter(line=line, service_kind=service).values_list(
                    "currency", flat=True
                )
            )
            assert currencies == {"CNY", "USD"}, (line.code, service)
    statuses = sorted(Order.objects.values_list("status", flat=True))
    assert statuses == [
        "cancelled",
        "confirmed",
        "confirmed",
        "confirmed",
        "draft",
        "in_transit",  # DEMO-001: picked up and cleared for export
        "in_transit",  # DEMO-002: picked up, damage found at loading
    ]
    tracked = Shipment.objects.get(order__customer_reference="DEMO-001")
    assert list(tracked.timeline.values_list("code", flat=True)) == ["picked_up", "export_cleared"]
    damaged = Shipment.objects.get(order__customer_reference="DEMO-002")
    assert damaged.status == "picked_up"
    assert list(damaged.timeline.values_list("code", flat=True)) == ["picked_up", "exception"]
    assert damaged.state.open_exceptions == ["damage"]
    (case,) = ExceptionCase.objects.all()
    assert (case.shipment, case.reason, case.resolved_at) == (damaged, "damage", None)
    for shipment in Shipment.objects.filter(order__status__in=["confirmed", "in_transit"]):
        assert shipment.booking.trip_id is not None, shipment
        assert shipment.price > 0


def check_gates_crossings_and_warehouses():
    gates = Location.objects.filter(kind=Location.Kind.BORDER_GATE)
    assert gates.count() == 24
    assert BorderCrossing.objects.count() == 12
    paired = set()
    for crossing in BorderCrossing.objects.select_related("gate_a", "gate_b"):
        assert crossing.gate_a.kind == crossing.gate_b.kind == Location.Kind.BORDER_GATE
        assert crossing.gate_a.country != crossing.gate_b.country
        paired |= {crossing.gate_a_id, crossing.gate_b_id}
    assert paired == set(gates.values_list("pk", flat=True))

    warehouses = Location.objects.filter(kind=Location.Kind.WAREHOUSE)
    assert warehouses.count() == 37
    assert set(warehouses.values_list("notes", flat=True)) == {"Illustrative demo warehouse"}

    for location in Location.objects.all():
        location.full_clean()  # zone, UN/LOCODE format and country prefix
        assert location.timezone == demo.ZONES[location.country.code]


def check_lines_run_both_ways_over_valid_routes():
    lines = Line.objects.prefetch_related("stops__location", "carriers")
    assert lines.count() == 22
    assert set(lines.values_list("corridor", flat=True)) == set(Line.Corridor.values)

    directions = defaultdict(set)
    for line in lines:
        base, _, suffix = line.code.rpartition("-")
        expected = {"S": Line.Direction.SOUTHBOUND, "N": Line.Direction.NORTHBOUND}[suffix]
        assert line.direction == expected
        directions[base].add(line.direction)

        stops = list(line.stops.order_by("sequence"))
        validate_stop_plan(
            [PlannedStop(s.location, s.arrival_offset_hours, s.dwell_hours) for s in stops]
        )
        chongqing = stops[0] if suffix == "S" else stops[-1]
        assert chongqing.location.unlocode == "CNCKG"
        assert {ServiceKind.LTL, ServiceKind.FTL} <= set(line.service_kinds)
        carriers = {carrier.registration_number for carrier in line.carriers.all()}
        assert "91500000MA5U7K3L28" in carriers
        in_vietnam = any(s.location.country.code == "VN" for s in stops)
        assert ("0101234565" in carriers) == in_vietnam

        timetable = line.timetables.get()
        assert 2 <= len(timetable.weekdays) <= 3
        if ServiceKind.COLD_CHAIN in line.service_kinds:
            assert timetable.vehicle_type == VehicleType.REEFER
    assert len(directions) == 11
    assert all(len(both) == 2 for both in directions.values())

    # The northbound line drives the southbound route backwards.
    for base in directions:
        south = Line.objects.get(code=f"{base}-S").stops.order_by("sequence")
        north = Line.objects.get(code=f"{base}-N").stops.order_by("-sequence")
        assert [s.location_id for s in south] == [s.location_id for s in north]


def check_trips_for_the_coming_four_weeks_on_every_line():
    now = timezone.now()
    for line in Line.objects.all():
        for week in range(4):
            start = now + timedelta(weeks=week)
            assert Trip.objects.filter(
                line=line, departure_at__gt=start, departure_at__lte=start + timedelta(weeks=1)
            ).exists(), f"{line.code} has no trip in week {week + 1}"


def check_every_vehicle_holds_a_permit_valid_today():
    today = timezone.localdate()
    carriers = {
        member.pk: member.country.code
        for member in Member.objects.filter(vehicles__isnull=False).distinct()
    }
    assert set(carriers.values()) == {"CN", "VN"}
    for vehicle in Vehicle.objects.all():
        assert vehicle.registration_country.code == carriers[vehicle.carrier_id]
        permit = vehicle.permits.get(valid_from__lte=today, valid_until__gte=today)
        assert permit.crossings.exists()
