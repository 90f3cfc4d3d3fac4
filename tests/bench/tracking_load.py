"""A tracking history loaded by COPY: past trips, orders, bookings, shipments, events, timelines.

Rows are written in PostgreSQL's COPY text format from Python, table by table,
from one plan of the shipments drawn up front (seeded, so a run is repeatable).
While the big tables load, their secondary indexes, unique constraints and
foreign keys are dropped, then rebuilt from the definitions the database itself
reported (``pg_get_indexdef``/``pg_get_constraintdef``): the schema afterwards
is the migrated one, checked by name, and every foreign key is validated again.

The shape of the data:

- trips of the demo lines, one a day per line going back in time, about
  ``SHIPMENTS_PER_TRIP`` shipments each, boarding and leaving at stops along the line;
- every shipment has its own order (one shipment each) and allocated booking;
- a shipment's timeline has on average ``events_per_shipment`` entries: the
  milestones it has reached (picked up, departed, border, customs, arrival,
  delivery; about half are delivered) and movements, exceptions and notes
  between them; each entry has its own event row, so the events table holds as
  many rows as there are timeline entries (a trip event, with its stop and
  place, or a shipment event such as customs clearance);
- each shipment has its ``ShipmentState`` (ETA while on its way, last event and place).
"""

import contextlib
import math
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.db import DatabaseError, connection
from stdnum import luhn

SHIPMENTS_PER_TRIP = 200
BIG_TABLES = [
    "scheduling_trip",
    "scheduling_tripstop",
    "orders_order",
    "scheduling_booking",
    "orders_shipment",
    "tracking_trackingevent",
    "tracking_timelineentry",
    "tracking_shipmentstate",
]
MILESTONES = (
    "picked_up",
    "departed_origin",
    "arrived_border",
    "export_cleared",
    "crossed_border",
    "import_cleared",
    "arrived_destination",
    "out_for_delivery",
    "delivered",
)
# How far shipments have got: index k means the first k milestones are reached.
PROGRESS_WEIGHTS = (0, 5, 8, 6, 6, 6, 6, 5, 5, 53)
# Between departure and the border: movements, exceptions and (private) notes.
FILLERS = (
    "arrived_stop",
    "departed_stop",
    "exception",
    "exception_resolved",
    "arrived_stop",
    "departed_stop",
    "note",
)
# Where each code happens: a shipment event (S), a trip event without a place (T),
# or at the shipment's first stop (f), the next stop (m) or its destination (d).
WHERE = {
    "picked_up": "S",
    "departed_origin": "f",
    "arrived_border": "m",
    "export_cleared": "S",
    "crossed_border": "m",
    "import_cleared": "S",
    "arrived_destination": "d",
    "out_for_delivery": "S",
    "delivered": "S",
    "arrived_stop": "m",
    "departed_stop": "m",
    "exception": "T",
    "exception_resolved": "T",
    "note": "T",
}
# Constant columns per code: reason, declaration number, receiver, remarks.
EXTRAS = {
    "export_cleared": ("", "EXP-2026-000123456", "", ""),
    "import_cleared": ("", "IMP-2026-000654321", "", ""),
    "delivered": ("", "", "Nguyen Thi Lan", ""),
    "exception": ("delay", "", "", ""),
    "exception_resolved": ("delay", "", "", ""),
    "note": ("", "", "", "Driver rest stop, seals checked"),
}
NO_EXTRAS = ("", "", "", "")
NULL = "\\N"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@cache
def ts(minute: int) -> str:
    """A minute since the epoch as COPY text (cached: the same minutes come back all the time)."""
    return (EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:00+00")


def minute_of(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 60)


def tracking_number(index: int) -> str:
    """A valid, unique, random-looking tracking number for shipment ``index`` of the bench."""
    body = f"{(index * 7_919_113 + 31_337) % 10**11:011d}"
    return f"LA{body}{luhn.calc_check_digit(body)}"


@dataclass
class LineInfo:
    id: int
    timetable_id: int | None
    # (location id, minutes after departure it is reached, minutes it stays)
    stops: list[tuple[int, int, int]]


@dataclass
class Network:
    lines: list[LineInfo]
    members: list[int]  # members placing the orders
    carrier_id: int  # operates every line, posts the events
    offsets: dict[int, int]  # location id → UTC offset in minutes
    countries: dict[int, str]  # location id → country code
    unlocodes: dict[int, str]


def read_network(*, carrier_id: int) -> Network:
    from alliance.models import Member
    from scheduling.models import Line, Location

    lines = []
    for line in Line.objects.prefetch_related("stops", "timetables").order_by("pk"):
        stops = sorted(line.stops.all(), key=lambda stop: stop.sequence)
        timetables = sorted(line.timetables.all(), key=lambda timetable: timetable.pk)
        lines.append(
            LineInfo(
                id=line.pk,
                timetable_id=timetables[0].pk if timetables else None,
                stops=[
                    (
                        stop.location_id,
                        int(stop.arrival_offset_hours * 60),
                        int(stop.dwell_hours * 60),
                    )
                    for stop in stops
                ],
            )
        )
    january = datetime(2026, 1, 15, tzinfo=UTC)
    offsets, countries, unlocodes = {}, {}, {}
    for location in Location.objects.all():
        offset = january.astimezone(ZoneInfo(location.timezone)).utcoffset()
        offsets[location.pk] = int(offset.total_seconds() // 60)
        countries[location.pk] = str(location.country)
        unlocodes[location.pk] = location.unlocode
    members = list(
        Member.objects.exclude(pk=carrier_id).order_by("pk").values_list("pk", flat=True)
    )
    return Network(
        lines=lines,
        members=members or [carrier_id],
        carrier_id=carrier_id,
        offsets=offsets,
        countries=countries,
        unlocodes=unlocodes,
    )


@dataclass
class TripRow:
    id: int
    line: LineInfo
    departure: int  # minute since the epoch
    stop_ids: list[int] = field(default_factory=list)  # TripStop ids by sequence - 1

    def stop_time(self, sequence: int) -> tuple[int, int]:
        """Planned (arrival, departure) minute at a stop."""
        _location, arrival, dwell = self.line.stops[sequence - 1]
        return self.departure + arrival, self.departure + arrival + dwell


@dataclass
class Planned:
    """One shipment to write: where it travels and how far its history goes."""

    index: int  # for its tracking number
    id: int  # shipment id; its order and booking share the offset
    order_id: int
    booking_id: int
    trip: TripRow
    first_leg: int
    last_leg: int
    progress: int  # milestones reached
    entries: int  # timeline entries (and events)
    member_id: int
    created: int  # minute


@dataclass
class Loaded:
    shipments: int = 0
    entries: int = 0
    trips: list[TripRow] = field(default_factory=list)
    plans: list[Planned] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    first_event_id: int = 0

    def by_index(self, index: int) -> Planned:
        return self.plans[index - self.plans[0].index]


@cache
def timeline_codes(progress: int, entries: int) -> tuple[str, ...]:
    """The codes of a timeline: milestones reached, movements and notes after departure."""
    progress = min(progress, entries)
    head = MILESTONES[: min(progress, 2)]
    fillers = tuple(FILLERS[i % len(FILLERS)] for i in range(entries - progress))
    if progress < 2:  # not departed: only exceptions and notes so far
        fillers = tuple("note" if code != "exception" else code for code in fillers)
    return head + fillers + MILESTONES[2:progress]


def status_of(codes: tuple[str, ...]) -> str:
    milestones = [code for code in codes if code in MILESTONES]
    return milestones[-1] if milestones else "booked"


def _next_ids(cursor, tables: list[str]) -> dict[str, int]:
    ids = {}
    for table in tables:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        ids[table] = cursor.fetchone()[0]
    return ids


def _reset_sequences(cursor, tables: list[str]) -> None:
    for table in tables:
        if table == "tracking_shipmentstate":  # keyed by its shipment: no sequence
            continue
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 1) FROM {table}))",
            [table],
        )


class _Writer:
    """Text lines into COPY, in chunks of about a megabyte."""

    def __init__(self, copy):
        self.copy, self.lines, self.size = copy, [], 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.size += len(line)
        if self.size > 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("".join(self.lines))
            self.lines, self.size = [], 0


@contextmanager
def _copy(cursor, table: str, columns: str, seconds: dict[str, float]):
    started = time.perf_counter()
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        writer = _Writer(copy)
        yield writer
        writer.flush()
    seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - started


@contextmanager
def without_secondary_indexes(cursor, tables: list[str], seconds: dict[str, float]):
    """Drop the tables' secondary indexes, unique constraints and foreign keys; rebuild them."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')
        """,
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
               pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    before = _schema_names(cursor, tables)
    for table, name, _kind, _definition in sorted(constraints, key=lambda c: c[2] != "f"):
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _table, name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for _table, _name, definition in indexes:
        cursor.execute(definition)
    for table, name, kind, definition in sorted(constraints, key=lambda c: c[2] == "f"):
        if kind == "u":
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    seconds["indexes and unique constraints"] = time.perf_counter() - started
    started = time.perf_counter()
    for table, name, kind, definition in constraints:
        if kind == "f":
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    seconds["foreign keys (validated)"] = time.perf_counter() - started
    cursor.execute("RESET maintenance_work_mem")
    after = _schema_names(cursor, tables)
    if before != after:
        raise RuntimeError(f"schema changed by the load: {before ^ after}")


def _schema_names(cursor, tables: list[str]) -> set[str]:
    cursor.execute(
        """
        SELECT conname FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)
        UNION SELECT indexrelid::regclass::text FROM pg_index
               WHERE indrelid::regclass::text = ANY(%s)
        """,
        [tables, tables],
    )
    return {name for (name,) in cursor.fetchall()}


# --- Row writers ------------------------------------------------------------------------

TRIP_COLUMNS = (
    "id, line_id, timetable_id, departure_at, booking_cutoff_at, status, cancellation_reason, "
    "created_at"
)
STOP_COLUMNS = (
    "id, trip_id, sequence, location_id, planned_arrival, planned_departure, actual_arrival, "
    "actual_departure"
)
ORDER_COLUMNS = (
    "id, reference, member_id, created_by_id, customer_reference, status, shipper_name, "
    "shipper_address, shipper_country, shipper_contact, consignee_name, consignee_address, "
    "consignee_country, consignee_contact, origin_id, destination_id, ready_date, service_kind, "
    "incoterm, currency, export_declaration, import_declaration, notes, price_total, "
    "status_reason, created_at, updated_at, confirmed_at, delivered_at"
)
BOOKING_COLUMNS = (
    "id, reference, member_id, origin_id, destination_id, ready_date, weight_kg, volume_m3, "
    "service_kind, dangerous_goods, status, trip_id, first_leg, last_leg, waiting_reason, "
    "created_at, allocated_at"
)
SHIPMENT_COLUMNS = (
    "id, order_id, sequence, tracking_number, booking_id, status, status_at, packages, "
    "weight_kg, volume_m3, tariff_id, currency, price, price_breakdown, created_at"
)
EVENT_COLUMNS = (
    "id, member_id, posted_by_id, source, external_id, code, reason, occurred_at, "
    "utc_offset_minutes, received_at, trip_id, stop_sequence, shipment_id, location_id, "
    "latitude, longitude, declaration_number, receiver_name, photo, seal_numbers, seals_intact, "
    "signed_by, remarks, applied_at"
)
TIMELINE_COLUMNS = "id, shipment_id, event_id, code, occurred_at"
STATE_COLUMNS = "shipment_id, eta, eta_basis, open_exceptions, last_event_at, last_location_id"


def _write_trips(cursor, trips: list[TripRow], now: int, first_stop_id: int, seconds) -> None:
    stop_id = first_stop_id
    with _copy(cursor, "scheduling_trip", TRIP_COLUMNS, seconds) as out:
        for trip in trips:
            last_arrival = trip.stop_time(len(trip.line.stops))[0]
            status = "arrived" if last_arrival < now else "departed"
            timetable = trip.line.timetable_id or NULL
            out.add(
                f"{trip.id}\t{trip.line.id}\t{timetable}\t{ts(trip.departure)}\t"
                f"{ts(trip.departure - 1440)}\t{status}\t\t{ts(trip.departure - 20160)}\n"
            )
    with _copy(cursor, "scheduling_tripstop", STOP_COLUMNS, seconds) as out:
        for trip in trips:
            trip.stop_ids = []
            for sequence, (location, _arrival, _dwell) in enumerate(trip.line.stops, 1):
                arrival, departure = trip.stop_time(sequence)
                actual_arrival = ts(arrival) if arrival < now else NULL
                actual_departure = ts(departure) if departure < now else NULL
                out.add(
                    f"{stop_id}\t{trip.id}\t{sequence}\t{location}\t{ts(arrival)}\t"
                    f"{ts(departure)}\t{actual_arrival}\t{actual_departure}\n"
                )
                trip.stop_ids.append(stop_id)
                stop_id += 1


def _journey(plan: Planned, now: int):
    """(codes, first minute, minutes between entries, stop sequence per WHERE letter)."""
    codes = timeline_codes(plan.progress, plan.entries)
    start = plan.created + 2 * 1440  # picked up a day before the trip leaves
    spacing = max(1, min(180, (now - 60 - start) // max(1, len(codes))))
    stops = {"f": plan.first_leg, "m": plan.first_leg + 1, "d": plan.last_leg + 1}
    return codes, start, spacing, stops


def write_shipments(cursor, plans: list[Planned], network: Network, *, now: int, seconds) -> dict:
    """Orders, bookings, shipments, events, timeline entries and states of the planned shipments.

    Returns the number of events written, the first event id and the statuses.
    """
    countries = network.countries
    with _copy(cursor, "orders_order", ORDER_COLUMNS, seconds) as out:
        for plan in plans:
            stops = plan.trip.line.stops
            origin, destination = stops[plan.first_leg - 1][0], stops[plan.last_leg][0]
            status = status_of(timeline_codes(plan.progress, plan.entries))
            order_status = {"booked": "confirmed", "delivered": "delivered"}.get(
                status, "in_transit"
            )
            delivered = ts(now - 60) if status == "delivered" else NULL
            created = ts(plan.created)
            day = ts(plan.trip.departure)[:10]
            out.add(
                f"{plan.order_id}\tBT{plan.index:010d}\t{plan.member_id}\t{NULL}\t\t"
                f"{order_status}\tChongqing Zongshen Machinery Co., Ltd.\t"
                f"No. 126 Zongshen Avenue, Banan District, Chongqing\t{countries[origin]}\t\t"
                f"Hanoi Motor Parts Trading JSC\t18 Pham Hung, Nam Tu Liem, Hanoi\t"
                f"{countries[destination]}\t\t{origin}\t{destination}\t{day}\tltl\tDAP\tCNY\t\t\t"
                f"\t4820.00\t\t{created}\t{created}\t{created}\t{delivered}\n"
            )
    with _copy(cursor, "scheduling_booking", BOOKING_COLUMNS, seconds) as out:
        for plan in plans:
            stops = plan.trip.line.stops
            origin, destination = stops[plan.first_leg - 1][0], stops[plan.last_leg][0]
            created = ts(plan.created)
            out.add(
                f"{plan.booking_id}\tBT{plan.index:010d}\t{plan.member_id}\t{origin}\t"
                f"{destination}\t{ts(plan.trip.departure)[:10]}\t1200.00\t4.500\tltl\tf\t"
                f"allocated\t{plan.trip.id}\t{plan.first_leg}\t{plan.last_leg}\t\t{created}\t"
                f"{created}\n"
            )
    statuses: dict[str, int] = {}
    with _copy(cursor, "orders_shipment", SHIPMENT_COLUMNS, seconds) as out:
        for plan in plans:
            codes, start, spacing, _stops = _journey(plan, now)
            status = status_of(codes)
            statuses[status] = statuses.get(status, 0) + 1
            milestone_at = max(
                (start + n * spacing for n, code in enumerate(codes) if code in MILESTONES),
                default=plan.created,
            )
            out.add(
                f"{plan.id}\t{plan.order_id}\t1\t{tracking_number(plan.index)}\t"
                f"{plan.booking_id}\t{status}\t{ts(milestone_at)}\t12\t1200.00\t4.500\t{NULL}\t"
                f"CNY\t4820.00\t{{}}\t{ts(plan.created)}\n"
            )
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM tracking_trackingevent")
    first_event = cursor.fetchone()[0]
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM tracking_timelineentry")
    first_entry = cursor.fetchone()[0]
    carrier = network.carrier_id
    event_id = first_event
    with _copy(cursor, "tracking_trackingevent", EVENT_COLUMNS, seconds) as out:
        for plan in plans:
            codes, start, spacing, stops = _journey(plan, now)
            trip, line_stops = plan.trip, plan.trip.line.stops
            for n, code in enumerate(codes):
                minute = start + n * spacing
                where = WHERE[code]
                if where == "S":
                    shipment, sequence, location = plan.id, NULL, NULL
                    offset = network.offsets[line_stops[plan.first_leg - 1][0]]
                elif where == "T":
                    shipment, sequence, location = NULL, NULL, NULL
                    offset = 480
                else:
                    sequence = stops[where]
                    location = line_stops[sequence - 1][0]
                    shipment, offset = NULL, network.offsets[location]
                reason, declaration, receiver, remarks = EXTRAS.get(code, NO_EXTRAS)
                out.add(
                    f"{event_id}\t{carrier}\t{NULL}\tcarrier_api\th{event_id}\t{code}\t{reason}\t"
                    f"{ts(minute)}\t{offset}\t{ts(minute + 1)}\t{trip.id}\t{sequence}\t"
                    f"{shipment}\t{location}\t{NULL}\t{NULL}\t{declaration}\t{receiver}\t\t{{}}\t"
                    f"{NULL}\t\t{remarks}\t{ts(minute + 2)}\n"
                )
                event_id += 1
    entry_id, event_id = first_entry, first_event
    with _copy(cursor, "tracking_timelineentry", TIMELINE_COLUMNS, seconds) as out:
        for plan in plans:
            codes, start, spacing, _stops = _journey(plan, now)
            for n, code in enumerate(codes):
                out.add(f"{entry_id}\t{plan.id}\t{event_id}\t{code}\t{ts(start + n * spacing)}\n")
                entry_id += 1
                event_id += 1
    with _copy(cursor, "tracking_shipmentstate", STATE_COLUMNS, seconds) as out:
        for plan in plans:
            codes, start, spacing, stops = _journey(plan, now)
            if not codes:
                continue
            status = status_of(codes)
            arrived = status in ("arrived_destination", "out_for_delivery", "delivered")
            eta = NULL if arrived else ts(plan.trip.stop_time(plan.last_leg + 1)[0])
            located = [stops[WHERE[code]] for code in codes if WHERE[code] in stops]
            place = plan.trip.line.stops[located[-1] - 1][0] if located else NULL
            open_exceptions = "{delay}" if codes[-1] == "exception" else "{}"
            last = ts(start + (len(codes) - 1) * spacing)
            out.add(f"{plan.id}\t{eta}\t[]\t{open_exceptions}\t{last}\t{place}\n")
    return {"events": event_id - first_event, "first_event": first_event, "statuses": statuses}


def plan_trips(network: Network, *, count: int, first_id: int, now: int) -> list[TripRow]:
    """``count`` past trips, one a day per line, the most recent two days ago."""
    today = now - now % 1440
    trips = []
    for number in range(count):
        line = network.lines[number % len(network.lines)]
        days_ago = 2 + number // len(network.lines)
        departure = today - days_ago * 1440 + 120 + 60 * (number % 5)
        trips.append(TripRow(id=first_id + number, line=line, departure=departure))
    return trips


def plan_shipments(
    trips: list[TripRow],
    network: Network,
    *,
    count: int,
    events_per_shipment: int,
    first_index: int,
    ids: dict[str, int],
    rng: random.Random,
    per_trip: int = SHIPMENTS_PER_TRIP,
    special: dict[int, tuple[int, int]] | None = None,
) -> list[Planned]:
    """Each shipment's trip, legs, progress and number of timeline entries.

    ``special`` fixes (progress, entries) for some positions (the short and long
    histories whose page costs are compared).
    """
    low = max(0, events_per_shipment - events_per_shipment // 2)
    high = events_per_shipment + events_per_shipment // 2
    progress_choices = list(range(len(PROGRESS_WEIGHTS)))
    plans = []
    for number in range(count):
        trip = trips[number // per_trip] if len(trips) > 1 else trips[0]
        legs = len(trip.line.stops) - 1
        first_leg = rng.randint(1, legs)
        last_leg = rng.randint(first_leg, legs)
        progress = rng.choices(progress_choices, PROGRESS_WEIGHTS)[0]
        entries = rng.randint(low, high) if events_per_shipment else 0
        if special and number in special:
            progress, entries = special[number]
        plans.append(
            Planned(
                index=first_index + number,
                id=ids["orders_shipment"] + number,
                order_id=ids["orders_order"] + number,
                booking_id=ids["scheduling_booking"] + number,
                trip=trip,
                first_leg=first_leg,
                last_leg=last_leg,
                progress=progress if entries else 0,
                entries=entries,
                member_id=network.members[number % len(network.members)],
                created=trip.departure - 3 * 1440,
            )
        )
    if events_per_shipment:
        _even_out(plans, count * events_per_shipment, low, high, set(special or ()), rng)
    return plans


def _even_out(plans: list[Planned], target: int, low: int, high: int, fixed: set[int], rng):
    """Nudge random shipments' entry counts (within ``low``..``high``) to total ``target``."""
    gap = target - sum(plan.entries for plan in plans)
    step = 1 if gap > 0 else -1
    free = [n for n in range(len(plans)) if n not in fixed]
    attempts = 20 * abs(gap) + 1000  # when the bounds leave no room, the total stays near
    while gap and free and attempts:
        attempts -= 1
        plan = plans[rng.choice(free)]
        if max(1, low) <= plan.entries + step <= high:
            plan.entries += step
            gap -= step


def load_history(
    network: Network,
    *,
    shipments: int,
    events_per_shipment: int,
    special: dict[int, tuple[int, int]],
    seed: int = 2026,
) -> Loaded:
    """The whole history, by COPY, with the big tables' secondary indexes rebuilt after."""
    now = minute_of(datetime.now(UTC))
    rng = random.Random(seed)
    loaded = Loaded(shipments=shipments)
    with connection.cursor() as cursor:
        ids = _next_ids(cursor, BIG_TABLES[:-1])
        trips = plan_trips(
            network,
            count=max(1, math.ceil(shipments / SHIPMENTS_PER_TRIP)),
            first_id=ids["scheduling_trip"],
            now=now,
        )
        started = time.perf_counter()
        plans = plan_shipments(
            trips,
            network,
            count=shipments,
            events_per_shipment=events_per_shipment,
            first_index=0,
            ids=ids,
            rng=rng,
            special=special,
        )
        loaded.seconds["planning (Python)"] = time.perf_counter() - started
        cursor.execute("SET synchronous_commit = off")
        with without_secondary_indexes(cursor, BIG_TABLES, loaded.seconds):
            _write_trips(cursor, trips, now, ids["scheduling_tripstop"], loaded.seconds)
            written = write_shipments(cursor, plans, network, now=now, seconds=loaded.seconds)
        _reset_sequences(cursor, BIG_TABLES)
        cursor.execute("RESET synchronous_commit")
        started = time.perf_counter()
        for table in BIG_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        loaded.seconds["VACUUM (ANALYZE)"] = time.perf_counter() - started
        with contextlib.suppress(DatabaseError):  # a privileged role only; it just tidies up
            cursor.execute("CHECKPOINT")
    loaded.entries = written["events"]
    loaded.first_event_id = written["first_event"]
    loaded.statuses = written["statuses"]
    loaded.trips, loaded.plans = trips, plans
    return loaded


def load_trip_shipments(
    network: Network, *, trip, count: int, first_index: int, seed: int = 500
) -> list[Planned]:
    """``count`` booked shipments on an existing trip (the fan-out case), by COPY."""
    from scheduling.models import TripStop

    now = minute_of(datetime.now(UTC))
    line = next(line for line in network.lines if line.id == trip.line_id)
    row = TripRow(id=trip.pk, line=line, departure=minute_of(trip.departure_at))
    row.stop_ids = list(
        TripStop.objects.filter(trip=trip).order_by("sequence").values_list("pk", flat=True)
    )
    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        ids = _next_ids(cursor, ["orders_order", "scheduling_booking", "orders_shipment"])
        plans = plan_shipments(
            [row],
            network,
            count=count,
            events_per_shipment=0,
            first_index=first_index,
            ids=ids,
            rng=random.Random(seed),
        )
        for plan in plans:  # all board at the first stop, as a departure reaches them all
            plan.first_leg = 1
            plan.created = now - 2 * 1440
        write_shipments(cursor, plans, network, now=now, seconds=seconds)
        _reset_sequences(cursor, ["orders_order", "scheduling_booking", "orders_shipment"])
    return plans
