"""Cost of rebuilding the operations figures (``refresh(full=True)``) over many events.

Run with `make bench` (1,000,000 events) or `python tests/bench/bench_operations.py
--events 10000000`. Creates a throw-away database, loads the demo network, members, orders
and events, then multiplies them in SQL (``generate_series``, cloning the demo rows):
trips over the past year with four stops (one a border gate) and three legs, ten shipments
per trip, eight trip events fanned out to every shipment on board (so 80 timeline entries
per trip), and an exception on every tenth trip. Then times a full rebuild.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.db import connection  # noqa: E402

SHIPMENTS_PER_TRIP = 10
EVENTS_PER_TRIP = 8


def columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def clone(table: str, template_id: int, source: str, overrides: dict[str, str]) -> None:
    """INSERT copies of row ``template_id`` of ``table``, one per row of ``source``."""
    names = columns(table)
    values = [overrides.get(name, f"tpl.{name}") for name in names]
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)}"  # noqa: S608
        f" FROM {table} tpl, {source} WHERE tpl.id = {int(template_id)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)


def scalar(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def generate(trips: int) -> None:
    trip_tpl = scalar("SELECT min(id) FROM scheduling_trip")
    order_tpl = scalar("SELECT min(order_id) FROM orders_shipment")
    shipment_tpl = scalar("SELECT min(id) FROM orders_shipment")
    booking_tpl = scalar(f"SELECT booking_id FROM orders_shipment WHERE id = {int(shipment_tpl)}")  # noqa: S608
    event_tpl = scalar("SELECT min(id) FROM tracking_trackingevent WHERE trip_id IS NOT NULL")
    gate = scalar("SELECT min(id) FROM scheduling_location WHERE kind = 'border_gate'")
    places = scalar("SELECT array_agg(id) FROM scheduling_location WHERE kind <> 'border_gate'")
    lines = scalar("SELECT array_agg(id ORDER BY id) FROM scheduling_line")
    members = scalar("SELECT array_agg(id ORDER BY id) FROM alliance_member")
    first = scalar("SELECT coalesce(max(id), 0) FROM scheduling_trip") + 1
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    # Trips: one every few minutes over the past 52 weeks, cycling through the lines.
    clone(
        "scheduling_trip",
        trip_tpl,
        f"generate_series(1, {trips}) g",
        {
            "line_id": f"(ARRAY{lines})[1 + g % {len(lines)}]",
            "departure_at": f"now() - interval '364 days' + g * interval '{364 * 86400 // trips} s'"
            " + g * interval '1 microsecond'",
            "booking_cutoff_at": "now() - interval '365 days'",
            "status": "'completed'",
            "timetable_id": "NULL",
        },
    )
    run = f"(SELECT * FROM scheduling_trip WHERE id >= {first}) t"  # noqa: S608
    with connection.cursor() as cursor:
        # Four stops: origin, border gate, second place, destination; late by 0–40 min.
        cursor.execute(
            f"""
            INSERT INTO scheduling_tripstop (trip_id, sequence, location_id, planned_arrival,
                planned_departure, actual_arrival, actual_departure)
            SELECT t.id, s, CASE WHEN s = 2 THEN {gate}
                                 ELSE (ARRAY{places})[1 + (t.id + s) % {len(places)}] END,
                   t.departure_at + (s - 1) * interval '10 hours',
                   t.departure_at + (s - 1) * interval '10 hours' + interval '2 hours',
                   CASE WHEN s > 1 THEN t.departure_at + (s - 1) * interval '10 hours'
                        + (t.id % 41) * interval '1 minute'
                        + (s * t.id % 7) * interval '1 hour' END,
                   CASE WHEN s < 4 THEN t.departure_at + (s - 1) * interval '10 hours'
                        + interval '2 hours' + (t.id % 41) * interval '1 minute'
                        + (s * t.id % 9) * interval '1 hour' END
            FROM {run}, generate_series(1, 4) s
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO scheduling_tripleg (trip_id, sequence, origin_id, destination_id,
                planned_start, planned_end, vehicle_type, capacity_kg, capacity_m3, booked_kg,
                booked_m3, is_cancelled)
            SELECT t.id, s, a.location_id, b.location_id, a.planned_departure, b.planned_arrival,
                   'tractor_trailer', 20000, 80, (t.id * s) % 20000, (t.id * s) % 80, false
            FROM {run}, generate_series(1, 3) s
            JOIN scheduling_tripstop a ON true JOIN scheduling_tripstop b ON true
            WHERE a.trip_id = t.id AND a.sequence = s AND b.trip_id = t.id AND b.sequence = s + 1
            """  # noqa: S608
        )
    n = SHIPMENTS_PER_TRIP
    source = f"{run} CROSS JOIN generate_series(1, {n}) k"
    member = f"(ARRAY{members})[1 + (t.id + k) % {len(members)}]"
    clone(
        "scheduling_booking",
        booking_tpl,
        source,
        {
            "reference": "'BB-' || t.id || '-' || k",
            "member_id": member,
            "trip_id": "t.id",
            "status": "'allocated'",
            "first_leg": "1",
            "last_leg": "3",
        },
    )
    clone(
        "orders_order",
        order_tpl,
        source,
        {"reference": "'BO' || t.id || '-' || k", "member_id": member},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_pair AS
            SELECT b.id AS booking_id, o.id AS order_id, b.trip_id, b.member_id
            FROM scheduling_booking b JOIN orders_order o
              ON o.reference = 'BO' || substr(b.reference, 4)
            WHERE b.reference LIKE 'BB-%%' AND b.trip_id >= {first}
            """  # noqa: S608
        )
    clone(
        "orders_shipment",
        shipment_tpl,
        "bench_pair p",
        {
            "order_id": "p.order_id",
            "booking_id": "p.booking_id",
            "sequence": "1",
            "tracking_number": "'BS' || p.booking_id",
            "status": "'delivered'",
            "weight_kg": "100 + p.booking_id % 900",
            "volume_m3": "1 + p.booking_id % 3",
        },
    )
    clone(
        "tracking_trackingevent",
        event_tpl,
        f"{run} CROSS JOIN generate_series(1, {EVENTS_PER_TRIP}) e",
        {
            "external_id": "'bench-' || t.id || '-' || e",
            "member_id": "NULL",
            "trip_id": "t.id",
            "shipment_id": "NULL",
            "occurred_at": "t.departure_at + e * interval '4 hours'",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO tracking_timelineentry (shipment_id, event_id, code, occurred_at)
            SELECT s.id, e.id, e.code, e.occurred_at
            FROM tracking_trackingevent e
            JOIN scheduling_booking b ON b.trip_id = e.trip_id
            JOIN orders_shipment s ON s.booking_id = b.id
            WHERE e.trip_id >= {first}
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO tracking_exceptioncase (trip_id, reason, location_id, opened_at,
                opened_by_id, resolved_at)
            SELECT e.trip_id,
                   (ARRAY['delay', 'customs_hold', 'border_congestion'])[1 + e.trip_id % 3],
                   {gate}, e.occurred_at, e.id, e.occurred_at + interval '1 hour'
            FROM tracking_trackingevent e
            WHERE e.trip_id >= {first} AND e.trip_id % 10 = 0 AND e.external_id LIKE '%%-1'
            """  # noqa: S608
        )
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="timeline entries")
    args = parser.parse_args()
    trips = max(args.events // (SHIPMENTS_PER_TRIP * EVENTS_PER_TRIP), 10)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from alliance.demo import seed_members
        from orders.demo import seed_orders, seed_tariffs
        from scheduling import demo
        from tracking.demo import seed_events
        from tracking.operations.models import WeeklyFigures
        from tracking.operations.refresh import refresh

        seed_members(password="bench-password-1")
        demo.seed_network_and_schedule()
        seed_tariffs()
        seed_orders()
        seed_events()
        started = time.perf_counter()
        generate(trips)
        loaded = time.perf_counter() - started
        entries = scalar("SELECT count(*) FROM tracking_timelineentry")
        stops = scalar("SELECT count(*) FROM scheduling_tripstop")
        shipments = scalar("SELECT count(*) FROM orders_shipment")
        print(
            f"operations: {entries:,} timeline entries, {trips:,} trips, {stops:,} stops,"
            f" {shipments:,} shipments (generated in {loaded:.0f} s)"
        )
        started = time.perf_counter()
        rows = refresh(full=True)
        full = time.perf_counter() - started
        started = time.perf_counter()
        recent = refresh()
        weekly = time.perf_counter() - started
        print(f"  refresh(full=True): {full:.1f} s, {rows:,} rows")
        print(f"  refresh() last 8 weeks (the hourly task): {weekly:.1f} s, {recent:,} rows")
        print(f"  weekly figures stored: {WeeklyFigures.objects.count():,}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
