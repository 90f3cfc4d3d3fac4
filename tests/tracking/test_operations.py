"""Operations figures and the index on hand-checkable fixtures.

Week 0 (three weeks ago): three trips run, leaving 0, 30 and 10 minutes late, taking 30, 32
and 40 hours end to end, dwelling 2, 4 and 9 hours at Youyiguan; the first carries two
shipments (member A 1,000 kg, member B 2,500 kg, 4 m³ each) all the way. Week 1: one trip,
on time, 30 hours, 5 hours at the gate, carrying member B's 8,000 kg.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from orders.models import Shipment
from scheduling.models import Trip, TripLeg, TripStop
from tests.factories import MemberFactory
from tests.tracking.journey import book_shipment
from tracking.codes import Code, Reason
from tracking.models import ExceptionCase, TrackingEvent
from tracking.operations import selectors
from tracking.operations.index import WEIGHTS
from tracking.operations.models import OperationIndex, WeeklyFigures
from tracking.operations.refresh import refresh, week_start

pytestmark = pytest.mark.django_db

WEEK0 = week_start(timezone.now()) - timedelta(weeks=3)
WEEK1 = WEEK0 + timedelta(weeks=1)


def monday(week) -> datetime:
    return datetime(week.year, week.month, week.day, 8, 0, tzinfo=UTC)


def run_trip(trip, *, departs, late_min, transit_h, dwell_h):
    """Move ``trip`` to leave at ``departs`` (planned) and record its actual times."""
    shift = departs - trip.departure_at
    Trip.objects.filter(pk=trip.pk).update(
        departure_at=departs,
        booking_cutoff_at=F("booking_cutoff_at") + shift,
        status=Trip.Status.ARRIVED,
    )
    TripStop.objects.filter(trip=trip).update(
        planned_arrival=F("planned_arrival") + shift,
        planned_departure=F("planned_departure") + shift,
    )
    TripLeg.objects.filter(trip=trip).update(
        planned_start=F("planned_start") + shift, planned_end=F("planned_end") + shift
    )
    stops = list(TripStop.objects.filter(trip=trip).order_by("sequence"))
    first, gate, last = stops[0], stops[1], stops[-1]
    assert gate.location.kind == "border_gate"
    left = first.planned_departure + timedelta(minutes=late_min)
    TripStop.objects.filter(pk=first.pk).update(actual_departure=left)
    at_gate = left + timedelta(hours=20)
    TripStop.objects.filter(pk=gate.pk).update(
        actual_arrival=at_gate, actual_departure=at_gate + timedelta(hours=dwell_h)
    )
    TripStop.objects.filter(pk=last.pk).update(actual_arrival=left + timedelta(hours=transit_h))
    trip.refresh_from_db()


def raise_case(*, reason, opened_at, trip=None, shipment=None, location=None):
    event = TrackingEvent.objects.create(
        source=TrackingEvent.Source.STAFF,
        external_id=f"case-{reason}-{opened_at:%s}",
        code=Code.EXCEPTION,
        reason=reason,
        occurred_at=opened_at,
        utc_offset_minutes=0,
        trip=trip,
        shipment=shipment,
        location=location,
    )
    return ExceptionCase.objects.create(
        trip=trip,
        shipment=shipment,
        reason=reason,
        location=location,
        opened_at=opened_at,
        opened_by=event,
    )


@dataclass
class Fixture:
    member_a: object
    member_b: object
    loaded: Trip
    later: Trip


@pytest.fixture
def weeks(network, trips, tariff):
    member_a, member_b = MemberFactory(), MemberFactory()
    a = book_shipment(network, member_a, network.chongqing, network.hanoi, kg="1000", m3="4")
    b = book_shipment(network, member_b, network.chongqing, network.hanoi, kg="2500", m3="4")
    c = book_shipment(network, member_b, network.chongqing, network.hanoi, kg="8000", m3="4")
    loaded, later = a.booking.trip, c.booking.trip
    assert b.booking.trip == loaded and later != loaded
    others = [trip for trip in trips if trip not in (loaded, later)][:2]
    start = monday(WEEK0)
    run_trip(loaded, departs=start, late_min=0, transit_h=30, dwell_h=2)
    run_trip(others[0], departs=start + timedelta(days=1), late_min=30, transit_h=32, dwell_h=4)
    run_trip(others[1], departs=start + timedelta(days=2), late_min=10, transit_h=40, dwell_h=9)
    run_trip(later, departs=monday(WEEK1), late_min=0, transit_h=30, dwell_h=5)
    raise_case(
        reason=Reason.BORDER_CONGESTION,
        opened_at=start + timedelta(hours=22),
        trip=loaded,
        location=network.youyiguan,
    )
    raise_case(reason=Reason.CUSTOMS_HOLD, opened_at=start + timedelta(hours=23), shipment=a)
    return Fixture(member_a=member_a, member_b=member_b, loaded=loaded, later=later)


def figures(week, scope, **slice_):
    return WeeklyFigures.objects.get(week=week, scope=scope, **slice_)


def test_refresh_network_week_figures(weeks):
    refresh()
    row = figures(WEEK0, "network")
    assert row.trips == 3
    assert row.shipments == 2
    assert row.tonnes == Decimal("3.500")
    assert row.volume_m3 == Decimal("8.000")
    # 3 legs × 3,500 kg booked of 9 legs × 10,000 kg; 3 × 8 m³ of 9 × 40 m³.
    assert row.load_factor_kg == Decimal("11.67")
    assert row.load_factor_m3 == Decimal("6.67")
    assert row.on_time_departure == Decimal("66.67")  # 0 and 10 min late are on time
    assert row.on_time_arrival == Decimal("33.33")  # only the 30 h trip is on time at Hanoi
    assert row.transit_median_h == Decimal("32.00")
    assert row.transit_p90_h == Decimal("38.40")  # 32 + 0.8 × (40 − 32)
    assert row.crossings == 3
    assert row.dwell_median_h == Decimal("4.00")
    assert row.dwell_p90_h == Decimal("8.00")  # 4 + 0.8 × (9 − 4)
    assert row.exceptions == {"border_congestion": 1, "customs_hold": 1}


def test_refresh_line_gate_and_second_week(weeks, line):
    refresh()
    line_row = figures(WEEK0, "line", line=line)
    assert (line_row.trips, line_row.shipments, line_row.tonnes) == (3, 2, Decimal("3.500"))
    assert line_row.transit_median_h == Decimal("32.00")
    assert line_row.exceptions == {"border_congestion": 1, "customs_hold": 1}
    gate = figures(WEEK0, "gate", gate=weeks.loaded.stops.get(sequence=2).location)
    assert (gate.crossings, gate.dwell_median_h, gate.dwell_p90_h) == (3, Decimal(4), Decimal(8))
    assert gate.trips == 0 and gate.exceptions == {"border_congestion": 1}
    second = figures(WEEK1, "network")
    assert (second.trips, second.tonnes, second.load_factor_kg) == (1, Decimal(8), Decimal(80))
    assert second.on_time_arrival == Decimal(100)
    assert (second.transit_median_h, second.dwell_median_h) == (Decimal(30), Decimal(5))
    assert second.exceptions == {}
    # Huu Nghi has no recorded times in the fixture: no crossings there.
    assert not WeeklyFigures.objects.filter(scope="gate", gate__name="Huu Nghi").exists()


def test_refresh_member_figures_count_only_their_shipments(weeks):
    refresh()
    a = figures(WEEK0, "member", member=weeks.member_a)
    assert (a.shipments, a.tonnes, a.volume_m3, a.trips) == (1, Decimal(1), Decimal(4), 1)
    assert (a.on_time_arrival, a.transit_median_h) == (Decimal(100), Decimal(30))
    assert a.exceptions == {"border_congestion": 1, "customs_hold": 1}
    b = figures(WEEK0, "member", member=weeks.member_b)
    assert (b.shipments, b.tonnes) == (1, Decimal("2.5"))
    assert b.exceptions == {"border_congestion": 1}  # raised on the trip carrying its cargo
    assert figures(WEEK1, "member", member=weeks.member_b).tonnes == Decimal(8)
    assert not WeeklyFigures.objects.filter(
        scope="member", member=weeks.member_a, week=WEEK1
    ).exists()


def test_refresh_skips_cancelled_shipments(weeks):
    Shipment.objects.filter(order__member=weeks.member_a).update(status=Shipment.Status.CANCELLED)
    refresh()
    assert figures(WEEK0, "network").tonnes == Decimal("2.5")
    # Its row stays for the exceptions raised on its shipment, with nothing carried.
    a = figures(WEEK0, "member", member=weeks.member_a)
    assert (a.shipments, a.tonnes, a.trips) == (0, 0, 0)
    assert a.exceptions == {"customs_hold": 1}


def test_operation_index_base_week_and_second_week(weeks):
    refresh()
    base, second = OperationIndex.objects.order_by("week")
    assert (base.week, base.base_week, base.value) == (WEEK0, WEEK0, Decimal(100))
    assert (base.volume, base.on_time, base.transit, base.dwell) == (Decimal(100),) * 4
    parts = {
        "volume": 100 * Decimal(8) / Decimal("3.5"),  # 228.57
        "on_time": 100 * Decimal(100) / Decimal("33.33"),  # 300.03
        "transit": 100 * Decimal(32) / Decimal(30),  # 106.67
        "dwell": 100 * Decimal(4) / Decimal(5),  # 80
    }
    expected = sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
    assert second.value == expected.quantize(Decimal("0.01")) == Decimal("188.77")
    assert (second.volume, second.on_time, second.transit, second.dwell) == (
        Decimal("228.57"),
        Decimal("300.03"),
        Decimal("106.67"),
        Decimal("80.00"),
    )


def test_operation_index_configured_base_week(weeks):
    with override_settings(OPERATION_INDEX_BASE_WEEK=WEEK1 + timedelta(days=3)):
        refresh()
    first = OperationIndex.objects.get(week=WEEK0)
    assert first.base_week == WEEK1
    assert first.volume == Decimal("43.75")  # 3.5 t against 8 t
    assert OperationIndex.objects.get(week=WEEK1).value == Decimal(100)


def test_refresh_is_idempotent(weeks):
    now = timezone.now()
    refresh(now=now)
    fields = [f.name for f in WeeklyFigures._meta.fields if f.name != "id"]
    once = sorted(WeeklyFigures.objects.values_list(*fields), key=repr)
    index_once = list(OperationIndex.objects.values_list("week", "value", "refreshed_at"))
    assert refresh(now=now) == len(once)
    assert sorted(WeeklyFigures.objects.values_list(*fields), key=repr) == once
    assert list(OperationIndex.objects.values_list("week", "value", "refreshed_at")) == index_once


def test_refresh_leaves_older_weeks_alone(weeks):
    refresh(full=True)
    TripStop.objects.filter(trip=weeks.later).update(actual_departure=None, actual_arrival=None)
    refresh(since=WEEK1)
    assert figures(WEEK0, "network").trips == 3
    assert not WeeklyFigures.objects.filter(week=WEEK1, scope="line").exists()


def test_rebuild_command_recomputes_everything(weeks, capsys):
    ancient = WEEK0 - timedelta(weeks=52)
    WeeklyFigures.objects.create(week=ancient, scope="network", refreshed_at=timezone.now())
    call_command("rebuild_operations")
    assert "Rebuilt" in capsys.readouterr().out
    assert not WeeklyFigures.objects.filter(week=ancient).exists()
    assert figures(WEEK0, "network").trips == 3
    assert OperationIndex.objects.count() == 2


def test_refresh_operations_task(weeks):
    from tracking.tasks import refresh_operations

    assert refresh_operations.delay().get() > 0
    assert figures(WEEK1, "network").trips == 1


def test_selectors_weekly_and_index_series(weeks, line):
    refresh()
    rows = list(selectors.weekly(scope="line", weeks=12))
    assert [row.week for row in rows] == [WEEK1, WEEK0]
    assert list(selectors.weekly(scope="line", line=line, country="VN")) == rows
    assert not selectors.weekly(scope="line", country="TH").exists()
    assert selectors.weekly(scope="gate", country="CN").count() == 2
    assert not selectors.weekly(scope="gate", country="VN").exists()
    assert selectors.weekly(scope="member", member=weeks.member_b).count() == 2
    assert not selectors.weekly(scope="network", weeks=2).filter(week=WEEK0).exists()
    assert [row.week for row in selectors.index_series()] == [WEEK0, WEEK1]


def test_selectors_gate_dwell_latest(weeks):
    refresh()
    (youyiguan,) = selectors.gate_dwell_latest(weeks=4)
    assert (youyiguan["name"], youyiguan["country"], youyiguan["week"]) == (
        "Youyiguan",
        "CN",
        WEEK1,
    )
    assert (youyiguan["median"], youyiguan["p90"]) == (Decimal(5), Decimal(5))
    assert (youyiguan["previous"], youyiguan["trend"]) == (Decimal(4), Decimal(1))


def test_selectors_late_trips_now(trips):
    trip = trips[0]
    now = timezone.now()
    run_trip(trip, departs=now - timedelta(hours=22), late_min=0, transit_h=30, dwell_h=1)
    TripStop.objects.filter(trip=trip, sequence__gt=1).update(
        actual_arrival=None, actual_departure=None
    )
    Trip.objects.filter(pk=trip.pk).update(status=Trip.Status.DEPARTED)
    (late,) = selectors.late_trips_now(now=now)
    assert late["trip"] == trip and late["line"] == trip.line
    assert late["location"].name == "Youyiguan"
    assert late["minutes_late"] == 120
