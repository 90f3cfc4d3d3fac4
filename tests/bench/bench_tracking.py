"""Tracking at scale on PostgreSQL: event ingest, public tracking latency, fan-out, queries/view.

Run with `make bench` (a moderate size), or alone, e.g. at full scale:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/bench/bench_tracking.py --shipments 1000000

Needs PostgreSQL (``DATABASE_URL``: the server to create the throw-away
database ``lorry_bench_tracking`` on) and Redis (``--redis-url``, default db 15:
gunicorn's cache and throttles, and the broker of a throw-away Celery queue
whose apply tasks pile up unread and are deleted at the end; nothing else there
is touched). ``--quick`` is a small run for a smoke test.

1. Loads the demo network, then a history by COPY (``tracking_load``):
   ``--shipments`` shipments (default 200,000; the issue's full scale is
   1,000,000) with ``--events-per-shipment`` (default 10) timeline entries each
   on average, every entry with its own event row (10,000,000 at full scale).
2. (c) Stores, then applies, trip events that reach the 500 shipments on board
   of one trip (``tracking.apply.events_apply``, in-process): time, queries and
   the slowest statements.
3. (d) Queries per public tracking view, page and JSON, for a shipment with
   3 timeline entries and one with 300 (in-process, ``CaptureQueriesContext``).
4. Starts gunicorn with the production settings (``--workers``, default two
   per core) and, from a load generator on loopback (``tracking_http``):
   (a) events/s through the bulk endpoint (1,000 events a request, one client
   per worker) and single posts (two clients per worker), each beside the rate
   at which psycopg's COPY stores as many equivalent rows in the same table;
   then, for reference, an API-key request that does no event work (an empty
   bulk, refused); (b) latency p50/p99 of the tracking JSON and page for
   random tracking numbers, from one client and from one per worker.
5. (e) Applies some of the events (a) left unapplied, in-process, as after a broker
   outage: single posts one event a task, as their own tasks would, and bulk events
   200 a task, as the sweeper takes them; time, CPU and queries per event.

Every measurement says where the CPU went (gunicorn, PostgreSQL, the clients,
other processes on the machine, read from ``/proc``) and the server CPU per
event or request, which other work on a shared machine disturbs far less than
rates and latencies do; before each, the run waits (``--patience``) for the
machine to be quiet. Floors and correctness are checked: a failed request, a
lost event or a query count that grows with the history exits non-zero; a
floor missed is reported, not fatal.

The database is dropped at the end unless ``--keep``.
"""

import argparse
import json
import logging
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tests.bench import tracking_http, tracking_load  # noqa: E402
from tests.bench.tracking_http import Request, percentile, run_load  # noqa: E402

BULK_SIZE = 1000
COPY_RUNS = 3  # the best of three: the ceiling, as little disturbed by other work as can be
FANOUT_SHIPMENTS = 500
SHORT_HISTORY, LONG_HISTORY = 3, 300
# Floors of the issue; the latency one holds at full scale.
BULK_FLOOR, SINGLE_FLOOR, COPY_AIM, JSON_P99_MS = 10_000, 500, 0.25, 20.0
FULL_SHIPMENTS, FULL_EVENTS = 1_000_000, 10_000_000
QUICK = {"shipments": 20_000, "bulk_events": 20_000, "single_events": 2_000, "samples": 500}
DEFAULTS = {"shipments": 200_000, "bulk_events": 100_000, "single_events": 5_000, "samples": 2_000}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shipments", type=int, help="shipments loaded (default 200,000)")
    parser.add_argument("--events-per-shipment", type=int, default=10)
    parser.add_argument("--bulk-events", type=int, help="events posted in bulk (default 100,000)")
    parser.add_argument("--single-events", type=int, help="events posted one by one (5,000)")
    parser.add_argument("--samples", type=int, help="tracking requests per latency figure (2,000)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--database", default="lorry_bench_tracking")
    parser.add_argument(
        "--patience",
        type=float,
        default=60,
        help="seconds to wait for other work on the machine to stop before each measurement",
    )
    parser.add_argument("--quick", action="store_true", help="a small run: 20,000 shipments")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def step(message: str) -> None:
    print(f"… {message}", flush=True)


def quiet(args) -> None:
    """Measure on a machine other work leaves alone, as far as one can wait for it."""
    tracking_http.wait_quiet(patience=args.patience)


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


# --- Seeding ----------------------------------------------------------------------------


def seed():
    """The demo members, network and four weeks of trips; the carrier's events:write key."""
    from alliance.constants import ApiScope
    from alliance.demo import seed_members
    from scheduling.demo import YUXIN, demo_carriers, seed_network_and_schedule
    from tests.factories import api_key_for

    seed_members(password="bench-password-1")
    seed_network_and_schedule()
    carrier = demo_carriers()[YUXIN]  # operates every line
    _key, raw = api_key_for(carrier, scopes=[ApiScope.EVENTS_WRITE])
    return carrier, raw


# --- (a) Ingest --------------------------------------------------------------------------


@dataclass
class Spec:
    """One event as a carrier's gateway sends it, and what the API stores for it."""

    event_id: str
    code: str
    occurred_at: datetime
    trip_id: int
    stop_sequence: int | None = None
    location_id: int | None = None
    location_ref: str | int | None = None
    tracking_number: str | None = None
    shipment_id: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    reason: str = ""
    remarks: str = ""

    def body(self, *, with_subject: bool) -> dict:
        body = {"event_id": self.event_id, "code": self.code}
        body["occurred_at"] = self.occurred_at.isoformat(timespec="seconds")
        if with_subject:
            if self.tracking_number:
                body["shipment"] = self.tracking_number
            else:
                body["trip"] = self.trip_id
        if self.location_ref is not None:
            body["location"] = self.location_ref
        if self.latitude is not None:
            body["latitude"], body["longitude"] = str(self.latitude), str(self.longitude)
        if self.reason:
            body["reason"] = self.reason
        if self.remarks:
            body["remarks"] = self.remarks
        return body

    def row(self, member_id: int, received_at: datetime) -> tuple:
        """The row ``tracking.services.events_record`` would insert, in ``COPY_COLUMNS`` order."""
        offset = int(self.occurred_at.utcoffset().total_seconds() // 60)
        return (
            member_id,
            None,
            "carrier_api",
            self.event_id,
            self.code,
            self.reason,
            self.occurred_at,
            offset,
            received_at,
            self.trip_id,
            self.stop_sequence,
            self.shipment_id,
            self.location_id,
            self.latitude,
            self.longitude,
            "",
            "",
            "",
            [],
            None,
            "",
            self.remarks,
        )


COPY_COLUMNS = (
    "member_id, posted_by_id, source, external_id, code, reason, occurred_at, "
    "utc_offset_minutes, received_at, trip_id, stop_sequence, shipment_id, location_id, "
    "latitude, longitude, declaration_number, receiver_name, signed_by, seal_numbers, "
    "seals_intact, photo, remarks"
)
TRIP_EVENTS = (("arrived_stop", 35), ("departed_stop", 35), ("exception", 15), ("note", 15))
SHIPMENT_EVENTS = (("picked_up", 30), ("out_for_delivery", 30), ("exception", 20), ("note", 20))


def event_specs(
    history, network, *, count: int, prefix: str, seed: int, trips_per_batch: int = 20
) -> list[Spec]:
    """``count`` valid events: 80 % about recent trips, 20 % about shipments on them.

    Each run of 1,000 is about ``trips_per_batch`` trips, as a gateway's batch of a
    fleet's recent events would be; times are within the last ten hours.
    """
    rng = random.Random(seed)
    pool = history.trips[: min(400, len(history.trips))]
    by_trip: dict[int, list] = {}
    for plan in history.plans:
        by_trip.setdefault(plan.trip.id, []).append(plan)
    now = datetime.now(UTC)
    specs: list[Spec] = []
    codes, weights = zip(*TRIP_EVENTS, strict=True)
    shipment_codes, shipment_weights = zip(*SHIPMENT_EVENTS, strict=True)
    while len(specs) < count:
        trips = rng.sample(pool, k=min(trips_per_batch, len(pool)))
        for _number in range(min(BULK_SIZE, count - len(specs))):
            trip = rng.choice(trips)
            ago = timedelta(minutes=rng.uniform(5, 600))
            event_id = f"{prefix}-{len(specs):08d}"
            plans = by_trip.get(trip.id)
            if plans and rng.random() < 0.2:
                plan = rng.choice(plans)
                code = rng.choices(shipment_codes, shipment_weights)[0]
                origin = trip.line.stops[plan.first_leg - 1][0]
                zone = timezone(timedelta(minutes=network.offsets[origin]))
                specs.append(
                    Spec(
                        event_id=event_id,
                        code=code,
                        occurred_at=(now - ago).astimezone(zone).replace(microsecond=0),
                        trip_id=trip.id,
                        tracking_number=tracking_load.tracking_number(plan.index),
                        shipment_id=plan.id,
                        reason="customs_hold" if code == "exception" else "",
                        remarks="Consignee asked for a morning delivery" if code == "note" else "",
                    )
                )
                continue
            code = rng.choices(codes, weights)[0]
            sequence = rng.randint(1, len(trip.line.stops))
            location = trip.line.stops[sequence - 1][0]
            zone = timezone(timedelta(minutes=network.offsets[location]))
            located = code in ("arrived_stop", "departed_stop")
            specs.append(
                Spec(
                    event_id=event_id,
                    code=code,
                    occurred_at=(now - ago).astimezone(zone).replace(microsecond=0),
                    trip_id=trip.id,
                    stop_sequence=sequence if located else None,
                    location_id=location if located else None,
                    location_ref=(network.unlocodes[location] or location) if located else None,
                    latitude=Decimal(f"{rng.uniform(10, 30):.6f}"),
                    longitude=Decimal(f"{rng.uniform(95, 110):.6f}"),
                    reason="delay" if code == "exception" else "",
                    remarks="Queue at the weighbridge" if code == "note" else "",
                )
            )
    return specs


def bulk_requests(specs: list[Spec]) -> list[Request]:
    requests = []
    for start in range(0, len(specs), BULK_SIZE):
        chunk = specs[start : start + BULK_SIZE]
        body = {"events": [spec.body(with_subject=True) for spec in chunk]}
        requests.append(
            Request("POST", "/api/v1/events/bulk/", json.dumps(body).encode(), expect=len(chunk))
        )
    return requests


def single_requests(specs: list[Spec]) -> list[Request]:
    requests = []
    for spec in specs:
        if spec.tracking_number:
            path = f"/api/v1/shipments/{spec.tracking_number}/events/"
        else:
            path = f"/api/v1/trips/{spec.trip_id}/events/"
        body = json.dumps(spec.body(with_subject=False)).encode()
        requests.append(Request("POST", path, body, status=201))
    return requests


def copy_rate(specs: list[Spec], member_id: int, server) -> tuple[float, dict[str, float]]:
    """Rows per second psycopg's COPY stores the same events at (one connection, committed).

    With the CPU it took: this process writing rows ('clients') and PostgreSQL.
    """
    runs = []
    for attempt in range(COPY_RUNS):
        prefix = f"{specs[0].event_id.rsplit('-', 1)[0]}{attempt}-"
        renamed = [replace(spec, event_id=prefix + spec.event_id) for spec in specs]
        runs.append(_copy_once(renamed, member_id, server))
    return max(runs, key=lambda run: run[0])


def _copy_once(specs: list[Spec], member_id: int, server) -> tuple[float, dict[str, float]]:
    received = datetime.now(UTC)
    rows = [spec.row(member_id, received) for spec in specs]
    with connection.cursor() as cursor:
        before = tracking_http.cpu_snapshot(server.process.pid, server.postmaster)
        mine = os.times()
        started = time.perf_counter()
        statement = f"COPY tracking_trackingevent ({COPY_COLUMNS}) FROM STDIN"
        with transaction.atomic(), cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        rate = len(rows) / (time.perf_counter() - started)
        after = tracking_http.cpu_snapshot(server.process.pid, server.postmaster)
        spent = os.times()
    client = (spent.user - mine.user) + (spent.system - mine.system)
    return rate, tracking_http.cpu_split(before, after, client)


def stored(prefix: str) -> int:
    from tracking.models import TrackingEvent

    return TrackingEvent.objects.filter(external_id__startswith=f"{prefix}-").count()


def cpu_line(split: dict[str, float]) -> str:
    wall = split["wall"]
    parts = {"gunicorn": "gunicorn", "postgres": "PostgreSQL", "clients": "clients"}
    shares = ", ".join(f"{label} {split[name] / wall:.2f}" for name, label in parts.items())
    return (
        f"cores busy {split['machine'] / wall:.2f} of {os.cpu_count()}: {shares}, "
        f"other processes {split['other'] / wall:.2f}"
    )


def ingest(server, history, network, carrier, key: str, args, report: Report) -> dict:
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    workers = args.workers
    step("warming up the workers")
    warm = event_specs(history, network, count=workers * 1200, prefix="warm", seed=1)
    run_load(server, bulk_requests(warm[: workers * 1000]), concurrency=workers, headers=headers)
    run_load(server, single_requests(warm[workers * 1000 :]), concurrency=workers, headers=headers)

    results = {}
    for kind, count, concurrency, build, seed in (
        ("bulk", args.bulk_events, workers, bulk_requests, 11),
        ("single", args.single_events, 2 * workers, single_requests, 12),
    ):
        specs = event_specs(history, network, count=count, prefix=kind, seed=seed)
        requests = build(specs)
        step(f"(a) {kind}: {count:,} events in {len(requests):,} requests, {concurrency} clients")
        quiet(args)
        result, split = run_load(server, requests, concurrency=concurrency, headers=headers)
        report.check(
            result.failures == 0,
            f"{kind}: {result.failures} failed requests, e.g. {result.failure_samples}",
        )
        saved = stored(kind)
        report.check(saved == count, f"{kind}: {saved:,} events stored of {count:,} sent")
        rate = count / result.seconds
        # The same events (trips, codes, places, times), under other ids.
        copy_specs = event_specs(history, network, count=count, prefix=f"copy{kind}", seed=seed)
        step(f"(a) COPY of {count:,} equivalent rows")
        quiet(args)
        copied, copy_split = copy_rate(copy_specs, carrier.pk, server)
        results[kind] = {
            "rate": rate,
            "copy": copied,
            "copy_split": copy_split,
            "seconds": result.seconds,
            "p50": percentile(result.latencies_ms, 0.5),
            "p99": percentile(result.latencies_ms, 0.99),
            "split": split,
            "concurrency": concurrency,
            "requests": len(requests),
            "events": count,
        }
    # What the stack costs before any event work: the bulk endpoint refusing an empty list
    # (API key authentication with its query, throttle, JSON parsing, a 400 answer).
    count = args.single_events
    requests = [Request("POST", "/api/v1/events/bulk/", b'{"events": []}', status=400)] * count
    step(f"(a) reference: {count:,} empty bulk posts refused, {2 * workers} clients")
    quiet(args)
    result, split = run_load(server, requests, concurrency=2 * workers, headers=headers)
    report.check(result.failures == 0, f"reference: {result.failure_samples}")
    results["reference"] = {
        "rate": count / result.seconds,
        "p50": percentile(result.latencies_ms, 0.5),
        "p99": percentile(result.latencies_ms, 0.99),
        "split": split,
        "events": count,
    }
    return results


# --- (b) Public tracking latency -------------------------------------------------------


def tracking_latency(server, history, args) -> dict:
    rng = random.Random(7)
    numbers = [
        tracking_load.tracking_number(rng.randrange(2, history.shipments))
        for _sample in range(args.samples)
    ]
    headers = {"Accept-Language": "en"}
    kinds = {"JSON": "/api/v1/public/track/{}/", "page": "/track/{}/"}
    warm = [Request("GET", path.format(numbers[0])) for path in kinds.values()] * 20
    run_load(server, warm, concurrency=1, headers=headers)
    figures = {}
    for kind, path in kinds.items():
        requests = [Request("GET", path.format(number)) for number in numbers]
        for concurrency in (1, args.workers):
            step(f"(b) {kind}: {len(requests):,} random shipments, {concurrency} client(s)")
            quiet(args)
            result, split = run_load(server, requests, concurrency=concurrency, headers=headers)
            figures[(kind, concurrency)] = {
                "p50": percentile(result.latencies_ms, 0.5),
                "p99": percentile(result.latencies_ms, 0.99),
                "rate": result.requests / result.seconds,
                "failures": result.failures,
                "samples": result.failure_samples,
                "split": split,
                "requests": result.requests,
            }
        for label, index in (("3 entries", 0), ("300 entries", 1)):
            number = tracking_load.tracking_number(index)
            requests = [Request("GET", path.format(number))] * 200
            quiet(args)
            result, split = run_load(server, requests, concurrency=1, headers=headers)
            figures[(kind, label)] = {
                "p50": percentile(result.latencies_ms, 0.5),
                "p99": percentile(result.latencies_ms, 0.99),
                "rate": result.requests / result.seconds,
                "failures": result.failures,
                "samples": result.failure_samples,
                "split": split,
                "requests": result.requests,
            }
    return figures


# --- (c) Fan-out ---------------------------------------------------------------------------


def fanout_trip(network, carrier, first_index: int):
    """A generated trip (with its legs) moved to have left three hours ago, 500 shipments on it."""
    from scheduling.models import Trip
    from tests.tracking.journey import move_trip_to_the_past

    trip = (
        Trip.objects.filter(line__stops__location__kind="border_gate", status="planned")
        .order_by("departure_at")
        .first()
    )
    move_trip_to_the_past(trip, hours_ago=3)
    tracking_load.load_trip_shipments(
        network, trip=trip, count=FANOUT_SHIPMENTS, first_index=first_index
    )
    return trip


@contextmanager
def queued_not_run():
    """Tasks queued (in memory) rather than run in-process: only applying is measured, not
    the emails and webhooks a worker would send afterwards."""
    from config.celery_app import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


def fanout(trip, carrier, args) -> list[dict]:
    """Post (store) then apply three trip events; each reaches the shipments on board."""
    from scheduling.models import TripStop
    from tracking.apply import events_apply
    from tracking.models import TimelineEntry
    from tracking.services import events_record
    from tracking.validation import clean_event, load_scope

    stops = list(TripStop.objects.filter(trip=trip).order_by("sequence"))
    now = datetime.now(UTC)
    figures = []
    with queued_not_run():
        for code, stop, hours_ago in (
            ("departed_origin", stops[0], 2.5),
            ("arrived_stop", stops[1], 1.5),
            ("departed_stop", stops[1], 1.0),
        ):
            raw = {
                "event_id": f"fanout-{code}",
                "code": code,
                "occurred_at": (now - timedelta(hours=hours_ago)).isoformat(),
                "location": stop.location_id,
            }
            scope = load_scope(
                member=carrier,
                is_staff=False,
                trip_ids=[trip.pk],
                tracking_numbers=[],
                location_refs=[str(stop.location_id)],
            )
            cleaned = clean_event(raw, about_trip=trip.pk, about_shipment=None, scope=scope)
            (event,) = events_record(
                member=carrier, user=None, source="carrier_api", events=[cleaned]
            )
            quiet(args)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                applied = events_apply(event_ids=[event.id])
                elapsed = time.perf_counter() - started
            figures.append(
                {
                    "code": code,
                    "stop": stop.sequence,
                    "ms": elapsed * 1000,
                    "queries": len(queries),
                    "applied": applied,
                    "entries": TimelineEntry.objects.filter(event_id=event.id).count(),
                    "slowest": sorted(
                        (
                            (float(query["time"]) * 1000, " ".join(query["sql"].split())[:70])
                            for query in queries.captured_queries
                        ),
                        reverse=True,
                    )[:3],
                }
            )
    return figures


# --- (e) Applying a backlog ----------------------------------------------------------------

BACKLOG_SAMPLES = {"single": (300, 1), "bulk": (1000, 200)}  # events, events per task


def backlog(args) -> dict:
    """Apply some of what (a) stored and nobody applied, as the queue's tasks or the sweeper
    would after a broker outage: the whole backlog is still waiting meanwhile."""
    from tracking.apply import events_apply
    from tracking.models import TrackingEvent

    logging.getLogger("tracking.apply").setLevel(logging.WARNING)  # a line per task otherwise
    waiting = TrackingEvent.objects.filter(applied_at__isnull=True).count()
    figures = {"waiting": waiting}
    for kind, (count, per_task) in BACKLOG_SAMPLES.items():
        ids = list(
            TrackingEvent.objects.filter(
                applied_at__isnull=True, external_id__startswith=f"{kind}-"
            )
            .order_by("id")
            .values_list("id", flat=True)[:count]
        )
        quiet(args)
        queries = []  # counted, not kept: CaptureQueriesContext stops at 9,000

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(None)
            return execute(sql, params, many, context)

        with queued_not_run(), connection.execute_wrapper(count):
            cpu, started = time.process_time(), time.perf_counter()
            applied = sum(
                events_apply(event_ids=ids[start : start + per_task])
                for start in range(0, len(ids), per_task)
            )
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        figures[kind] = {
            "events": len(ids),
            "applied": applied,
            "per_task": per_task,
            "ms": elapsed * 1000 / max(len(ids), 1),
            "cpu_ms": cpu * 1000 / max(len(ids), 1),
            "queries": len(queries) / max(len(ids), 1),
        }
    return figures


# --- (d) Queries per view ---------------------------------------------------------------


def queries_per_view(history) -> dict:
    from tracking.models import TimelineEntry

    client = Client()
    warm = tracking_load.tracking_number(2)
    client.get(f"/track/{warm}/", HTTP_ACCEPT_LANGUAGE="en")
    client.get(f"/api/v1/public/track/{warm}/", HTTP_ACCEPT_LANGUAGE="en")
    figures = {}
    for label, index in (("3 entries", 0), ("300 entries", 1)):
        number = tracking_load.tracking_number(index)
        entries = TimelineEntry.objects.filter(shipment_id=history.by_index(index).id).count()
        for kind, path in (
            ("page", f"/track/{number}/"),
            ("JSON", f"/api/v1/public/track/{number}/"),
        ):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
            shown = len(response.json()["timeline"]) if kind == "JSON" else None
            figures[(label, kind)] = {
                "status": response.status_code,
                "queries": len(queries),
                "entries": entries,
                "shown": shown,
            }
    return figures


# --- Running it all -------------------------------------------------------------------------


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    path = parts.path.rsplit("/", 1)[0] + "/" + name
    return urlunsplit(parts._replace(path=path))


def server_env(args, workdir: Path, queue: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CACHE_URL", "DEBUG")}
    rate = "1000000/s"  # throttles on, as deployed, but never the limit
    env.update(
        DJANGO_SETTINGS_MODULE="tests.bench.production_settings",
        BENCH_STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        EMAIL_URL="dummymail://",
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.redis_url,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        API_USER_RATE=rate,
        API_ANON_RATE=rate,
        TRACKING_RATE=rate,
    )
    return env


def describe_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        sizes = {}
        for table in ("tracking_trackingevent", "tracking_timelineentry", "orders_shipment"):
            cursor.execute(
                f"SELECT pg_size_pretty(pg_total_relation_size('{table}')), "  # noqa: S608
                f"(SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}')"
            )
            sizes[table] = cursor.fetchone()
    return {"version": version, "shared_buffers": buffers, "sizes": sizes, "code": code_state()}


def code_state() -> str:
    """The commit measured, and whether the working tree differs from it."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{commit or 'unknown'}{' with uncommitted changes' if dirty else ''}"


def main() -> None:
    args = parse_args()
    broker = tracking_http.services_or_exit(args.redis_url)
    queue = f"bench-tracking-{os.getpid()}"
    report = Report()
    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = args.database
    step(f"creating and migrating the database {args.database}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    try:
        carrier, key = seed()
        network = tracking_load.read_network(carrier_id=carrier.pk)
        step(
            f"loading {args.shipments:,} shipments with about {args.events_per_shipment} "
            "timeline entries each, by COPY"
        )
        started = time.perf_counter()
        history = tracking_load.load_history(
            network,
            shipments=args.shipments,
            events_per_shipment=args.events_per_shipment,
            special={0: (3, SHORT_HISTORY), 1: (5, LONG_HISTORY)},
        )
        load_seconds = time.perf_counter() - started
        database = describe_database()

        step("(c) applying trip events that reach 500 shipments")
        trip = fanout_trip(network, carrier, first_index=args.shipments + 1_000_000)
        fanned = fanout(trip, carrier, args)
        step("(d) counting queries per tracking view")
        views = queries_per_view(history)

        step(f"starting gunicorn, {args.workers} workers, production settings")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            postmaster = tracking_http.postmaster_of(cursor.fetchone()[0])
        with tracking_http.gunicorn(
            env=server_env(args, workdir, queue),
            workers=args.workers,
            log_dir=workdir,
            postmaster=postmaster,
        ) as server:
            ingested = ingest(server, history, network, carrier, key, args, report)
            latency = tracking_latency(server, history, args)
        queued = sum(broker.llen(name) for name in broker.scan_iter(match=f"{queue}*"))
        step("(e) applying part of the backlog the ingest left")
        applying = backlog(args)

        print_report(
            report,
            args=args,
            history=history,
            load_seconds=load_seconds,
            database=database,
            ingested=ingested,
            latency=latency,
            fanned=fanned,
            views=views,
            queued=queued,
            applying=applying,
        )
    finally:
        # Only this run's queue and its bindings: the cache's throttle keys expire within
        # the second (the rate's window), and other runs may be using the same database.
        for key_name in broker.scan_iter(match=f"*{queue}*"):
            broker.delete(key_name)
        if args.keep:
            print(f"database kept: {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        workdir.rmdir()
    if report.problems:
        print("\nFAILED:\n  " + "\n  ".join(report.problems))
        sys.exit(1)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_report(report: Report, *, args, history, load_seconds, database, **figures) -> None:
    ingested, latency = figures["ingested"], figures["latency"]
    fanned, views = figures["fanned"], figures["views"]
    full = history.shipments >= FULL_SHIPMENTS and history.entries >= FULL_EVENTS
    add = report.add
    add("")
    add("Tracking benchmark")
    add(
        f"  machine: {os.cpu_count()} cores; PostgreSQL {database['version']}, shared_buffers "
        f"{database['shared_buffers']}; gunicorn {args.workers} sync workers, production "
        "settings; load generator: Python processes, plain sockets, loopback"
    )
    add(f"  code: {database['code']}")
    sizes = database["sizes"]
    add(
        f"  data: {history.shipments:,} shipments, {history.entries:,} events and as many "
        f"timeline entries, loaded by COPY in {load_seconds:.0f} s; events table "
        f"{sizes['tracking_trackingevent'][0]}, timeline {sizes['tracking_timelineentry'][0]}"
    )
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in history.seconds.items())
    add(f"  load steps: {steps}")
    mix = ", ".join(
        f"{status} {count / history.shipments:.0%}"
        for status, count in sorted(history.statuses.items(), key=lambda item: -item[1])
    )
    add(f"  shipment statuses: {mix}")
    add("")
    add("(a) ingest through gunicorn           events/s  COPY rows/s*   ratio  request p50/p99 ms")
    cores = os.cpu_count()
    for kind, label, floor in (
        ("bulk", f"bulk, 1,000/request, {ingested['bulk']['concurrency']} clients", BULK_FLOOR),
        ("single", f"single posts, {ingested['single']['concurrency']} clients", SINGLE_FLOOR),
    ):
        row = ingested[kind]
        ratio = row["rate"] / row["copy"]
        add(
            f"  {label:<34} {row['rate']:>9,.0f}  {row['copy']:>11,.0f}  {ratio:>6.1%}"
            f"  {row['p50']:>8.1f} / {row['p99']:.1f}"
        )
        verdicts = f"floor {floor:,}/s: {verdict(row['rate'] >= floor)}"
        if kind == "bulk":
            verdicts += f"; aim {COPY_AIM:.0%} of COPY: {verdict(ratio >= COPY_AIM)}"
        add(f"      {verdicts}")
        split = row["split"]
        add(f"      {cpu_line(split)}")
        gunicorn_ms = split["gunicorn"] / row["events"] * 1000
        postgres_ms = split["postgres"] / row["events"] * 1000
        add(
            f"      server CPU per event: gunicorn {gunicorn_ms:.3f} ms + PostgreSQL "
            f"{postgres_ms:.3f} ms: {cores} cores on nothing else would make "
            f"{cores / (gunicorn_ms + postgres_ms) * 1000:,.0f}/s"
        )
        copying = row["copy_split"]
        add(
            f"      COPY CPU per row: psycopg {copying['clients'] / row['events'] * 1000:.3f} ms + "
            f"PostgreSQL {copying['postgres'] / row['events'] * 1000:.3f} ms "
            f"(other processes: {copying['other'] / copying['wall']:.2f} cores)"
        )
    row = ingested["reference"]
    split = row["split"]
    add(
        f"  {'reference: empty bulk refused, 400':<34} {row['rate']:>9,.0f} req/s"
        f"{'':>17}  {row['p50']:>8.1f} / {row['p99']:.1f}"
    )
    add(f"      {cpu_line(split)}")
    add(
        f"      server CPU per request: gunicorn {split['gunicorn'] / row['events'] * 1000:.3f} ms "
        f"+ PostgreSQL {split['postgres'] / row['events'] * 1000:.3f} ms (API key, throttle, "
        "parsing, answer: what any event post pays first)"
    )
    add(f"  * COPY: psycopg's cursor.copy() on one connection, the best of {COPY_RUNS} runs")
    add("")
    add(
        f"(b) public tracking ({args.samples:,} random shipments)"
        "    p50 ms   p99 ms    req/s   server CPU ms/req   others' cores"
    )
    for kind in ("JSON", "page"):
        for concurrency in (1, args.workers, "3 entries", "300 entries"):
            row = latency[(kind, concurrency)]
            report.check(
                row["failures"] == 0, f"tracking {kind}: {row['failures']} failed: {row['samples']}"
            )
            if isinstance(concurrency, int):
                label = f"{kind}, {concurrency} client{'s' if concurrency > 1 else ''}"
            else:
                label = f"{kind}, one with {concurrency}, 1 client"
            split = row["split"]
            server_ms = (split["gunicorn"] + split["postgres"]) / row["requests"] * 1000
            add(
                f"  {label:<44} {row['p50']:>7.2f}  {row['p99']:>7.2f}  {row['rate']:>7,.0f}"
                f"   {server_ms:>17.2f}   {split['other'] / split['wall']:>13.2f}"
            )
    p99 = latency[("JSON", 1)]["p99"]
    scope = "" if full else " (the floor is for full scale; this run is smaller)"
    met = verdict(p99 < JSON_P99_MS)
    add(f"      floor JSON p99 < {JSON_P99_MS:.0f} ms (1 client): {met}{scope}")
    add("")
    add(f"(c) applying a trip event to the shipments on board ({FANOUT_SHIPMENTS} on the trip)")
    for row in fanned:
        add(
            f"  {row['code']} at stop {row['stop']}: {row['ms']:.0f} ms, {row['queries']} "
            f"queries, {row['entries']} timeline entries"
        )
        slowest = "; ".join(f"{ms:.0f} ms {sql}" for ms, sql in row["slowest"])
        add(f"      slowest statements: {slowest}")
    report.check(
        fanned[0]["entries"] == FANOUT_SHIPMENTS and fanned[0]["applied"] == 1,
        f"fan-out: the departure reached {fanned[0]['entries']} shipments of {FANOUT_SHIPMENTS}",
    )
    add("")
    add("(d) queries per public tracking view (in-process, CaptureQueriesContext)")
    for label in ("3 entries", "300 entries"):
        page, data = views[(label, "page")], views[(label, "JSON")]
        add(
            f"  {label:<12} ({page['entries']} stored, {data['shown']} public): page "
            f"{page['queries']} queries, JSON {data['queries']} queries"
        )
    counts = {row["queries"] for row in views.values()}
    statuses = {row["status"] for row in views.values()}
    constant = len(counts) == 1
    add(f"      constant whatever the history: {verdict(constant)}")
    report.check(constant and statuses == {200}, f"queries per view not constant: {views}")
    add("")
    applying = figures["applying"]
    add(
        f"(e) applying with {applying['waiting']:,} events waiting (in-process)"
        "    ms/event   CPU ms/event   queries/event"
    )
    for kind, label in (("single", "single posts, 1 a task"), ("bulk", "bulk events, 200 a task")):
        row = applying[kind]
        add(
            f"  {label:<25} {row['events']:>6,} events {row['ms']:>10.1f}   {row['cpu_ms']:>12.1f}"
            f"   {row['queries']:>13.1f}"
        )
        report.check(
            row["applied"] == row["events"],
            f"backlog: {row['applied']} of {row['events']} {kind} events applied",
        )
    add("")
    add(f"apply tasks left queued on the throw-away queue (deleted): {figures['queued']:,}")
    print("\n".join(report.lines), flush=True)


if __name__ == "__main__":
    main()
