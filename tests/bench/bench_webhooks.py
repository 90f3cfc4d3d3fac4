"""Webhooks end to end on PostgreSQL and Redis: a carrier's POST to a webhook received, and the
deliveries per second of one event fanned out to 1,000 endpoints.

Run alone (or with `make bench`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python tests/bench/bench_webhooks.py

Needs PostgreSQL (``DATABASE_URL``: the server to create the throw-away
database ``lorry_bench_webhooks`` on) and Redis (``--redis-url``, default db 15,
throw-away queues deleted at the end; keys the run did not create are left
alone). Starts two real Celery workers as ``make stack`` runs them: one on the
tracking queue (prefork, ``--tracking-processes``), one on the webhook queue
(threads, ``--webhook-threads``). The receiver is a ``ThreadingHTTPServer`` on
loopback in this process; it checks every signature.

1. Latency: ``--samples`` trip events posted one after the other through the
   carrier API (in-process Django client: authentication, validation, storing,
   queueing), each an exception raised or resolved on a trip under way with one
   shipment on board, whose owner has an endpoint for exceptions. Measured from
   before the POST to the receiver holding the signed webhook: the event's trip
   to the tracking worker, its application and the notification, the delivery's
   trip to the webhook worker, the signed POST.
2. Throughput: ``--endpoints`` endpoints of one member on the receiver (made in
   bulk, past the per-member limit the portal and API enforce), one notification
   fanned out to all of them; deliveries per second from ``notify()`` to the last
   one received, and until the last is marked delivered, over ``--rounds`` rounds.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
import warnings
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.bench.tracking_http import postmaster_of, services_or_exit, wait_quiet  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--samples", type=int, default=200, help="events posted for latency")
    parser.add_argument("--endpoints", type=int, default=1000, help="endpoints fanned out to")
    parser.add_argument("--rounds", type=int, default=3, help="fan-outs measured")
    parser.add_argument("--tracking-processes", type=int, default=2)
    parser.add_argument("--webhook-threads", type=int, default=16)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--database", default="lorry_bench_webhooks")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--patience",
        type=float,
        default=120,
        help="seconds to wait for other work on the machine to stop before each measurement",
    )
    return parser.parse_args()


def step(message: str) -> None:
    print(f"… {message}", flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- Where the CPU went ---------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _seconds(pid: int, *, with_exited_children: bool = False) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_exited_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _tree(pid: int) -> float:
    """CPU seconds of a process, its children alive and those that exited."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return _seconds(pid, with_exited_children=True) + sum(_seconds(c) for c in children)


def _machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICKS


def cpu_snapshot(parties: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each party, of the machine, and the clock. A party is a process
    tree, but this process alone: the workers and the receiver are its children."""
    return {
        **{
            name: _seconds(pid) if pid == os.getpid() else _tree(pid)
            for name, pid in parties.items()
        },
        "machine": _machine_busy(),
        "wall": time.perf_counter(),
    }


def cpu_split(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Cores each party kept busy between two snapshots; "other" is the rest of the machine."""
    wall = after["wall"] - before["wall"]
    used = {name: (after[name] - before[name]) / wall for name in before if name != "wall"}
    used["other"] = max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine"))
    return used


# --- The receiver --------------------------------------------------------------------------------


SEED = secrets.token_hex(16)


def secret_for(path: str) -> str:
    """The signing secret of the endpoint at ``path`` (derived, so the receiver knows it too)."""
    return "whsec_" + hashlib.sha256(f"{SEED}{path}".encode()).hexdigest()[:43]


def _serve(port_out, arrivals_out) -> None:
    """The receiver process: answers 200 at once, checks each signature, reports each arrival."""
    from tracking.notifications.webhooks import verify_signature

    sending = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrived = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process
            signature = self.headers.get("Lorry-Signature", "")
            good = verify_signature(signature, body, secret_for(self.path))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            with sending:
                arrivals_out.send((json.loads(body)["id"], arrived, good))

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

    server = Server(("127.0.0.1", 0), Handler)
    port_out.send(server.server_address[1])
    server.serve_forever()


class Receiver:
    """A receiver in a process of its own on loopback; here, the arrivals it reports by event id."""

    def __init__(self):
        context = multiprocessing.get_context("fork")
        port_in, port_out = context.Pipe(duplex=False)
        self._arrivals_in, arrivals_out = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(port_out, arrivals_out), daemon=True)
        self.process.start()
        self.port = port_in.recv()
        self.arrivals: dict[str, list[float]] = {}
        self.bad_signatures = 0
        self.changed = threading.Condition()
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                event_id, arrived, good = self._arrivals_in.recv()
            except (EOFError, OSError):
                return
            with self.changed:
                self.bad_signatures += not good
                self.arrivals.setdefault(event_id, []).append(arrived)
                self.changed.notify_all()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def close(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


# --- Workers --------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path.rsplit("/", 1)[0] + "/" + name))


@contextmanager
def workers(args, *, tracking_queue: str, webhook_queue: str, log_dir: Path):
    """The two workers of ``make stack``, on this run's queues; stopped and reaped at the end."""
    from config.celery_app import app

    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        # Development settings: the one place webhooks may go to loopback over HTTP.
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        CELERY_BROKER_URL=args.redis_url,
        CELERY_TASK_DEFAULT_QUEUE=tracking_queue,
        WEBHOOK_QUEUE=webhook_queue,
        EMAIL_URL="dummymail://",
        SITE_URL="http://testserver",
    )
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    run = uuid.uuid4().hex[:6]
    commands = {
        f"tracking-{run}@localhost": [
            *("--queues", tracking_queue, "--pool", "prefork"),
            *("--concurrency", str(args.tracking_processes)),
        ],
        f"webhooks-{run}@localhost": [
            *("--queues", webhook_queue, "--pool", "threads"),
            *("--concurrency", str(args.webhook_threads)),
        ],
    }
    processes = []
    try:
        for hostname, options in commands.items():
            log = open(log_dir / f"{hostname.split('@')[0]}.log", "w")  # noqa: SIM115
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [celery, "-A", "config", "worker", *options, "--hostname", hostname]
                    + ["--without-heartbeat", "--without-gossip", "--without-mingle"]
                    + ["--loglevel", "WARNING"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 60
        waiting = set(commands)
        while waiting and time.monotonic() < deadline:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited early; see {log_dir}")
            waiting -= {name for reply in app.control.ping(timeout=1.0) or [] for name in reply}
        if waiting:
            raise RuntimeError(f"workers did not answer: {sorted(waiting)}")
        yield {"tracking": processes[0].pid, "webhooks": processes[1].pid}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def broker(url: str, *, default_queue: str, webhook_queue: str):
    """This process publishes to Redis (not eagerly): tracking and webhook work to the workers."""
    import kombu.pools

    from config.celery_app import app

    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=default_queue)
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    saved = settings.WEBHOOK_QUEUE
    settings.WEBHOOK_QUEUE = webhook_queue
    try:
        yield
    finally:
        settings.WEBHOOK_QUEUE = saved


# --- Seeding --------------------------------------------------------------------------------------


def seed(receiver: Receiver):
    """A trip under way with one shipment on board; its owner's endpoint hears of exceptions."""
    from alliance.constants import ApiScope, BusinessRole
    from scheduling import services as scheduling_services
    from scheduling.models import Trip
    from tests.factories import MemberFactory, api_key_for
    from tests.network import build_network, make_line, make_timetable
    from tests.orders.helpers import make_tariff
    from tests.tracking.journey import book_shipment, move_trip_to_the_past
    from tracking.notifications import webhooks
    from tracking.notifications.models import WebhookEndpoint

    network = build_network()
    carrier = MemberFactory(country="CN", business_roles=[BusinessRole.CARRIER])
    line = make_line(network, carrier)
    make_tariff(line)
    make_timetable(line)
    scheduling_services.trips_generate()
    trip = Trip.objects.filter(line=line).order_by("departure_at").first()
    owner = MemberFactory()
    shipment = book_shipment(network, owner, network.chongqing, network.hanoi)
    assert shipment.booking.trip_id == trip.pk
    move_trip_to_the_past(trip, hours_ago=2)
    endpoint, _secret = webhooks.endpoint_create(
        member=owner, url=receiver.url("/owner"), topics=["exceptions"]
    )
    # The receiver process derives each endpoint's secret from its path.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret_for("/owner"))
    _key, raw = api_key_for(carrier, scopes=[ApiScope.EVENTS_WRITE])
    return trip, network, raw


# --- (1) Latency ----------------------------------------------------------------------------------


def latency(receiver: Receiver, trip, network, key: str, samples: int, parties) -> dict:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    timings, lost = [], 0
    warm_up = 5
    cpu_before = None
    for index in range(samples + warm_up):
        if index == warm_up:
            cpu_before = cpu_snapshot(parties)
        raised = index % 2 == 0
        occurred = timezone.now() - timedelta(minutes=90) + timedelta(seconds=index)
        before = len(receiver.arrivals)
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/trips/{trip.pk}/events/",
            {
                "event_id": f"bench-{uuid.uuid4().hex}",
                "code": "exception" if raised else "exception_resolved",
                "reason": "border_congestion",
                "occurred_at": occurred.isoformat(),
                "location": network.youyiguan.pk,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        if not receiver.wait(lambda before=before: len(receiver.arrivals) > before, timeout=30):
            lost += 1
            continue
        arrived = max(times[0] for times in receiver.arrivals.values())
        if index >= warm_up:
            timings.append((arrived - started) * 1000)
    return {
        "cpu": cpu_split(cpu_before, cpu_snapshot(parties)),
        "samples": len(timings),
        "lost": lost,
        "p50": percentile(timings, 0.50),
        "p90": percentile(timings, 0.90),
        "p99": percentile(timings, 0.99),
        "max": max(timings),
    }


# --- (2) Fan-out ----------------------------------------------------------------------------------


def fan_out(receiver: Receiver, endpoints: int, rounds: int, parties: dict[str, int]) -> list[dict]:
    from tests.factories import MemberFactory
    from tracking.notifications.models import Topic, WebhookDelivery, WebhookEndpoint
    from tracking.notifications.services import Tell, notify

    member = MemberFactory()
    rows = []
    for number in range(endpoints):
        path = f"/fan/{number}"
        rows.append(
            WebhookEndpoint(
                member=member, url=receiver.url(path), secret=secret_for(path), topics=Topic.values
            )
        )
    WebhookEndpoint.objects.bulk_create(rows)
    results = []
    for round_ in range(rounds):
        cpu_before = cpu_snapshot(parties)
        started = time.perf_counter()
        with transaction.atomic():
            [notification] = notify(
                [
                    Tell(
                        member_id=member.pk,
                        topic=Topic.ACCOUNT,
                        kind="bench.fan_out",
                        title=f"Fan-out {round_}",
                        dedupe_key=f"bench-fan-out-{round_}-{uuid.uuid4().hex}",
                    )
                ]
            )
            stored = time.perf_counter()
        published = time.perf_counter()  # the tasks go out on commit, just above
        event_id = str(notification.pk)
        complete = receiver.wait(
            lambda event_id=event_id: len(receiver.arrivals.get(event_id, [])) >= endpoints,
            timeout=600,
        )
        received = max(receiver.arrivals.get(event_id, [started]))
        cpu = cpu_split(cpu_before, cpu_snapshot(parties))
        while WebhookDelivery.objects.filter(
            notification=notification, status=WebhookDelivery.Status.PENDING
        ).exists():
            time.sleep(0.05)
        recorded = time.perf_counter()
        arrivals = len(receiver.arrivals.get(event_id, []))
        results.append(
            {
                "complete": complete,
                "arrivals": arrivals,
                "store_ms": (stored - started) * 1000,
                "publish_ms": (published - stored) * 1000,
                "received_s": received - started,
                "recorded_s": recorded - started,
                "per_second": arrivals / (received - started),
                "cpu": cpu,
                "delivered": WebhookDelivery.objects.filter(
                    notification=notification, status=WebhookDelivery.Status.DELIVERED
                ).count(),
            }
        )
    return results


# --- Running it all -------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    store = services_or_exit(args.redis_url)
    keys_before = set(store.scan_iter(count=1000))
    run = f"bench-webhooks-{os.getpid()}"
    tracking_queue, webhook_queue = f"{run}-tracking", f"{run}-webhooks"
    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = args.database
    step(f"creating and migrating the database {args.database}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    log_dir = Path(f"/tmp/{run}")  # noqa: S108 — the workers' logs, kept for a failed run
    log_dir.mkdir(parents=True, exist_ok=True)
    receiver = Receiver()
    try:
        trip, network, key = seed(receiver)
        step(
            f"starting workers: tracking ({args.tracking_processes} processes), "
            f"webhooks ({args.webhook_threads} threads)"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            postmaster = postmaster_of(cursor.fetchone()[0])
        with (
            broker(args.redis_url, default_queue=tracking_queue, webhook_queue=webhook_queue),
            workers(
                args, tracking_queue=tracking_queue, webhook_queue=webhook_queue, log_dir=log_dir
            ) as worker_pids,
        ):
            parties = {**worker_pids, "receiver": receiver.process.pid, "client": os.getpid()}
            if postmaster:
                parties["postgres"] = postmaster
            wait_quiet(patience=args.patience)
            step(f"(1) {args.samples} trip events posted, each to a webhook received")
            measured = latency(receiver, trip, network, key, args.samples, parties)
            wait_quiet(patience=args.patience)
            step(f"(2) one notification to {args.endpoints:,} endpoints, {args.rounds} rounds")
            fanned = fan_out(receiver, args.endpoints, args.rounds, parties)
        report(args, measured, fanned, receiver.bad_signatures)
    finally:
        receiver.close()
        for key_name in set(store.scan_iter(count=1000)) - keys_before:
            store.delete(key_name)
        if args.keep:
            print(f"database kept: {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


CPU_COLUMNS = ["webhooks", "tracking", "postgres", "receiver", "client", "other", "machine"]


def report(args, measured: dict, fanned: list[dict], bad_signatures: int) -> None:
    print()
    print(
        f"Webhooks on {os.cpu_count()} cores: PostgreSQL, Redis, a tracking worker "
        f"({args.tracking_processes} processes), a webhook worker ({args.webhook_threads} "
        "threads), the receiver and this client on one machine"
    )
    print()
    print("(1) carrier POST → webhook received    samples   p50 ms   p90 ms   p99 ms   max ms")
    print(
        f"    one trip event, one shipment      {measured['samples']:>7}  {measured['p50']:>7.1f}"
        f"  {measured['p90']:>7.1f}  {measured['p99']:>7.1f}  {measured['max']:>7.1f}"
        + (f"   ({measured['lost']} lost!)" if measured["lost"] else "")
    )
    print()
    print(
        f"(2) one event → {args.endpoints:,} endpoints   received  store ms  publish ms  "
        "all received s  deliveries/s  all recorded s"
    )
    for number, row in enumerate(fanned, start=1):
        print(
            f"    round {number}                        {row['arrivals']:>8}  "
            f"{row['store_ms']:>8.1f}  {row['publish_ms']:>10.1f}  {row['received_s']:>14.2f}  "
            f"{row['per_second']:>12.0f}  {row['recorded_s']:>14.2f}"
        )
    print()
    print(
        "    cores busy (workers: webhooks, tracking)  "
        + "".join(f"{name:>10}" for name in CPU_COLUMNS)
    )
    for label, cpu in [("(1) latency", measured["cpu"])] + [
        (f"(2) round {n}", row["cpu"]) for n, row in enumerate(fanned, start=1)
    ]:
        print(f"    {label:<38}" + "".join(f"{cpu.get(name, 0):>10.2f}" for name in CPU_COLUMNS))
    rates = [row["per_second"] for row in fanned]
    print(f"    median deliveries/s: {statistics.median(rates):.0f}")
    print(f"    signatures that did not verify: {bad_signatures}")
    problems = [row for row in fanned if not row["complete"] or row["delivered"] != args.endpoints]
    if measured["lost"] or problems or bad_signatures:
        print("\nFAILED: some webhooks were lost or not verified")
        sys.exit(1)


if __name__ == "__main__":
    main()
