"""Bulk import of orders: how long 1,000 rows take, as drafts and submitted, and refused.

Run with `make bench` (or this file alone with DATABASE_URL set). Creates a
throw-away database with the test network (Chongqing → Hanoi, trips for the
coming weeks, a CNY tariff) and one member, generates a CSV of 1,000 rows
(400 orders of 1 to 4 cargo lines) and times `orders_import`:

1. reading and checking the file alone (no database writes);
2. importing it as drafts;
3. importing it with submit (bookings and prices for every order);
4. the same file, submit asked, with one bad row at the end: every row is
   checked, nothing is booked (a file with mistakes never books), all rolled back.
"""

import csv
import io
import logging
import os
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

ROWS = 1_000
LINES_PER_ORDER = (1, 2, 3, 4)  # in turn: 400 orders for 1,000 rows


def build_world():
    from scheduling import services as scheduling_services
    from tests.factories import MemberFactory, UserFactory
    from tests.network import build_network, make_line, make_timetable
    from tests.orders.helpers import make_tariff

    network = build_network()
    for location, code in [(network.chongqing, "CNCKG"), (network.hanoi, "VNHAN")]:
        scheduling_services.location_upsert(
            country=location.country.code, name=location.name, unlocode=code
        )
    carrier = MemberFactory(country="CN")
    line = make_line(network, carrier)
    make_timetable(line, weekdays=(0, 2, 4), capacity_kg="30000", capacity_m3="90")
    scheduling_services.trips_generate()
    make_tariff(line)
    member = MemberFactory(country="CN")
    return member, UserFactory(member=member)


def csv_file(prefix: str, *, bad_last_row: bool = False) -> SimpleUploadedFile:
    from orders.imports import columns

    header, example = columns.template_rows()
    base = dict(zip(header, example, strict=True))
    today = timezone.localdate()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    number, order = 0, 0
    while number < ROWS:
        order += 1
        for position in range(LINES_PER_ORDER[order % len(LINES_PER_ORDER)]):
            if number == ROWS:
                break
            number += 1
            values = base | {
                "order_key": f"{prefix}-{order:05d}",
                "ready_date": (today + timedelta(days=1 + order % 14)).isoformat(),
                "description": f"Motorcycle spare parts, lot {position + 1}",
                "package_count": str(1 + number % 9),
                "gross_kg": str(40 + (number * 37) % 260),
                "volume_m3": f"{0.2 + (number % 8) / 10:.1f}",
                "declared_value": str(2000 + number * 3),
            }
            if bad_last_row and number == ROWS:
                values["hs_code"] = "8714.10"
            writer.writerow([values[name] for name in header])
    content = buffer.getvalue().encode("utf-8-sig")
    return SimpleUploadedFile(f"{prefix}.csv", content, content_type="text/csv")


def timed(label: str, function):
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
    print(f"{label:<48} {elapsed:7.2f} s {queries:>8}")
    return result


def main() -> None:
    from orders.imports import columns, parsing
    from orders.imports.services import orders_import
    from orders.models import Order
    from scheduling.models import Booking

    logging.getLogger("orders.imports").setLevel(logging.WARNING)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        member, actor = build_world()
        sample = csv_file("READ")
        print(f"file: {ROWS} rows, {len(sample)} bytes, {len(sample) / ROWS:.0f} bytes a row")
        print(f"{'step':<48} {'time':>9} {'queries':>8}")
        rows = timed(
            "read and check the file (parsing only)",
            lambda: parsing.read_rows(sample, columns=columns.NAMES),
        )
        assert len(rows) == ROWS

        drafts = timed(
            "import 1,000 rows as drafts",
            lambda: orders_import(member=member, actor=actor, file=csv_file("D"), submit=False),
        )
        submitted = timed(
            "import 1,000 rows and submit them",
            lambda: orders_import(member=member, actor=actor, file=csv_file("S"), submit=True),
        )
        refused = timed(
            "1,000 rows and submit, the last row bad: rollback",
            lambda: orders_import(
                member=member,
                actor=actor,
                file=csv_file("R", bad_last_row=True),
                submit=True,
            ),
        )
        allocated = Booking.objects.filter(status=Booking.Status.ALLOCATED).count()
        print(
            f"drafts: {len(drafts.orders)} orders; submitted: {len(submitted.orders)} orders, "
            f"{allocated} bookings allocated, {Booking.objects.count() - allocated} waiting; "
            f"refused: {len(refused.errors)} error(s), "
            f"{Order.objects.filter(customer_reference__startswith='R-').count()} orders kept"
        )
        if not (drafts.ok and submitted.ok) or refused.ok:
            sys.exit(1)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
