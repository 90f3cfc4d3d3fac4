"""A small network for tests: Chongqing → Nanning → Youyiguan | Huu Nghi → Hanoi, and helpers."""

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from alliance.constants import BusinessRole
from scheduling import allocation, services
from scheduling.models import Line, Location, ServiceKind, Timetable, Trip, VehicleType
from scheduling.services import PlannedStop
from tests.factories import MemberFactory


@dataclass
class Network:
    chongqing: Location
    youyiguan: Location
    huu_nghi: Location
    hanoi: Location
    nanning: Location


def _place(name, country, zone, kind="city", lat="22.0", lon="106.0"):
    return services.location_upsert(
        country=country,
        name=name,
        kind=kind,
        timezone=zone,
        latitude=Decimal(lat),
        longitude=Decimal(lon),
    )


def build_network() -> Network:
    """Chongqing → Nanning → Youyiguan | Huu Nghi → Hanoi, with the crossing between the gates."""
    places = Network(
        chongqing=_place("Chongqing", "CN", "Asia/Shanghai", "hub", "29.56", "106.55"),
        youyiguan=_place("Youyiguan", "CN", "Asia/Shanghai", "border_gate"),
        huu_nghi=_place("Huu Nghi", "VN", "Asia/Ho_Chi_Minh", "border_gate"),
        hanoi=_place("Hanoi", "VN", "Asia/Ho_Chi_Minh", "city", "21.03", "105.85"),
        nanning=_place("Nanning", "CN", "Asia/Shanghai", "hub", "22.82", "108.37"),
    )
    services.border_crossing_upsert(
        name="Youyiguan – Huu Nghi", gate_a=places.youyiguan, gate_b=places.huu_nghi
    )
    return places


@pytest.fixture
def network(db) -> Network:
    return build_network()


def book(
    network: Network,
    member=None,
    *,
    reference="BK-1",
    kg="1000",
    m3="4",
    origin=None,
    destination=None,
    ready=None,
    service=ServiceKind.LTL,
):
    """Book space through the allocation service, Chongqing → Hanoi unless told otherwise."""
    return allocation.booking_create(
        member=member or MemberFactory(),
        reference=reference,
        origin=origin or network.chongqing,
        destination=destination or network.hanoi,
        ready_date=ready or timezone.localdate(),
        weight_kg=Decimal(kg),
        volume_m3=Decimal(m3),
        service_kind=service,
    )


@pytest.fixture
def carrier(db):
    return MemberFactory(country="CN", business_roles=[BusinessRole.CARRIER])


def make_line(
    network: Network, carrier, *, code="CKG-HAN-S", services_offered=None, with_nanning=False
):
    stops = [PlannedStop(network.chongqing, Decimal(0))]
    if with_nanning:
        stops.append(PlannedStop(network.nanning, Decimal(14), Decimal(2)))
    stops += [
        PlannedStop(network.youyiguan, Decimal(20), Decimal(4)),
        PlannedStop(network.huu_nghi, Decimal(25), Decimal(2)),
        PlannedStop(network.hanoi, Decimal(30)),
    ]
    return services.line_upsert(
        code=code,
        name="Chongqing – Hanoi via Youyiguan",
        corridor=Line.Corridor.EAST,
        direction=Line.Direction.SOUTHBOUND,
        service_kinds=services_offered or [ServiceKind.LTL, ServiceKind.FTL],
        stops=stops,
        carriers=[carrier],
    )


def make_timetable(line, *, weekdays=(0, 3), capacity_kg="10000", capacity_m3="40", **extra):
    return services.timetable_upsert(
        line=line,
        valid_from=extra.pop("valid_from", timezone.localdate() - timedelta(days=1)),
        weekdays=list(weekdays),
        departure_time=extra.pop("departure_time", time(8, 0)),
        vehicle_type=extra.pop("vehicle_type", VehicleType.TRACTOR_TRAILER),
        capacity_kg=Decimal(capacity_kg),
        capacity_m3=Decimal(capacity_m3),
        **extra,
    )


@pytest.fixture
def line(network, carrier) -> Line:
    return make_line(network, carrier)


@pytest.fixture
def timetable(line) -> Timetable:
    return make_timetable(line)


@pytest.fixture
def trips(timetable) -> list[Trip]:
    services.trips_generate()
    return list(Trip.objects.filter(line=timetable.line).order_by("departure_at"))


def next_weekday_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7 or 7)
