"""Allocations per second on PostgreSQL, with 10,000 future bookings on the demo network.

Run with `make bench`. Creates a throw-away database, loads the demo network
(22 lines: 11 routes in both directions, four weeks of trips), then:

1. allocates bookings one after another until 10,000 future bookings exist,
   reporting the rate for the first and the last thousand (does it slow down
   as trips fill?);
2. allocates more bookings from several threads at once, each on its own
   connection, reporting the combined rate and checking no leg is overbooked.
"""

import os
import random
import sys
import threading
import time
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F, Q  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

TOTAL_BOOKINGS = 10_000
CONCURRENT_WORKERS = 4
PER_WORKER = 250


def routes():
    from scheduling.models import Line

    pairs = []
    for line in Line.objects.prefetch_related("stops__location"):
        stops = sorted(line.stops.all(), key=lambda stop: stop.sequence)
        for first in range(len(stops)):
            for last in range(first + 1, len(stops)):
                pairs.append((stops[first].location, stops[last].location))
    return pairs


def book(member, number: int, pairs, rng: random.Random):
    from scheduling.allocation import booking_create
    from scheduling.models import ServiceKind

    origin, destination = rng.choice(pairs)
    return booking_create(
        member=member,
        reference=f"BENCH-{number:06d}",
        origin=origin,
        destination=destination,
        ready_date=timezone.localdate() + timedelta(days=rng.randint(0, 20)),
        weight_kg=Decimal(rng.randint(50, 800)),
        volume_m3=Decimal(rng.randint(2, 30)) / 10,
        service_kind=ServiceKind.LTL,
    )


def legs_out_of_step() -> int:
    """Legs whose booked weight or volume differs from the bookings covering them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_tripleg leg
            LEFT JOIN LATERAL (
                SELECT coalesce(sum(b.weight_kg), 0) AS kg, coalesce(sum(b.volume_m3), 0) AS m3
                FROM scheduling_booking b
                WHERE b.trip_id = leg.trip_id AND b.status = 'allocated'
                  AND b.first_leg <= leg.sequence AND b.last_leg >= leg.sequence
            ) covered ON true
            WHERE leg.booked_kg <> covered.kg OR leg.booked_m3 <> covered.m3
            """
        )
        return cursor.fetchone()[0]


def main() -> None:
    from alliance.demo import seed_members
    from scheduling.demo import seed_network_and_schedule
    from scheduling.models import Booking, TripLeg

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seed_members(password="bench-password-1")
        seed_network_and_schedule()
        from alliance.models import Member

        member = Member.objects.order_by("pk").first()
        pairs = routes()
        rng = random.Random(2026)
        print(f"network: {len(pairs)} origin→destination pairs on 22 lines")

        timings = []
        for number in range(TOTAL_BOOKINGS):
            started = time.perf_counter()
            book(member, number, pairs, rng)
            timings.append(time.perf_counter() - started)
        first, last = timings[:1000], timings[-1000:]
        allocated = Booking.objects.filter(status="allocated").count()
        print(f"single thread: {TOTAL_BOOKINGS} bookings, {allocated} allocated, rest waiting")
        print(f"  first 1,000: {1000 / sum(first):7.1f} allocations/s")
        print(f"  last 1,000 : {1000 / sum(last):7.1f} allocations/s (with ~9,000 already booked)")
        print(f"  overall    : {TOTAL_BOOKINGS / sum(timings):7.1f} allocations/s")

        errors = []

        def worker(index: int) -> None:
            local_rng = random.Random(index)
            try:
                for number in range(PER_WORKER):
                    book(member, 100_000 * (index + 1) + number, pairs, local_rng)
            except Exception as error:  # reported below; a benchmark must not hide failures
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONCURRENT_WORKERS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        count = CONCURRENT_WORKERS * PER_WORKER
        print(
            f"{CONCURRENT_WORKERS} threads: {count} more bookings in {elapsed:.1f} s = "
            f"{count / elapsed:.1f} allocations/s; errors: {len(errors)}"
        )
        overbooked = TripLeg.objects.filter(
            Q(booked_kg__gt=F("capacity_kg")) | Q(booked_m3__gt=F("capacity_m3"))
        ).count()
        drifted = legs_out_of_step()
        print(
            f"legs over capacity: {overbooked}; legs whose counters differ from bookings: {drifted}"
        )
        if errors or overbooked or drifted:
            sys.exit(1)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
