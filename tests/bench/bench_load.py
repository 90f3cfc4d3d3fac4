"""Mixed load: carriers, members and the public at once, against gunicorn, for a few minutes.

What runs, all on this machine:

- a database migrated and seeded with the demo members and network, and a history
  loaded by COPY (``tracking_load``): a few thousand shipments, each with its order,
  booking and a timeline of about six events; one API key per simulated carrier;
- gunicorn with production settings (DEBUG off, the Redis cache) and sync workers,
  as ``bench_tracking`` starts it, with the throttles on but their rates raised
  (``API_USER_RATE``, ``API_ANON_RATE``, ``TRACKING_RATE``, ``LOGIN_RATE``) so the
  run measures capacity, not throttling;
- the Celery workers of ``make stack`` (tracking and webhooks, as ``bench_webhooks``
  starts them) on this run's own Redis queues, applying every event posted;
- locust, headless, with the users of ``load_mix.py``: carriers 40 %, members 35 %,
  the public 25 %.

It reports, per endpoint, requests, failures and p50/p95/p99, the throughput, and
the resident memory (VmRSS) of every gunicorn and Celery worker process after a
warm-up and at the end. It exits non-zero if any answer was a 5xx or otherwise
unexpected, if an accepted event was not applied by the worker, or if the workers'
memory grew by more than 10 % between the two samples.

The database is dropped at the end unless ``--keep``.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.bench import bench_tracking, bench_webhooks, tracking_http, tracking_load  # noqa: E402
from tests.bench.bench_tracking import Report, step  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
GROWTH_LIMIT = 0.10
CARRIER_KEYS = 20
RECENT_TRIPS = 30
FULL = {"shipments": 5_000, "duration": "3m", "users": 40, "warmup": 45.0}
QUICK = {"shipments": 400, "duration": "30s", "users": 12, "warmup": 10.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", help="how long locust runs, e.g. 3m or 90s (default 3m)")
    parser.add_argument("--users", type=int, help="simulated users at once (default 40)")
    parser.add_argument("--shipments", type=int, help="shipments loaded (default 5,000)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--tracking-processes", type=int, default=2)
    parser.add_argument("--webhook-threads", type=int, default=4)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--database", default="lorry_bench_load")
    parser.add_argument("--quick", action="store_true", help="tiny data, 30 s: a dry run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    preset = QUICK if args.quick else FULL
    for name in ("shipments", "duration", "users"):
        if getattr(args, name) is None:
            setattr(args, name, preset[name])
    args.seconds = seconds_of(args.duration)
    # The warm-up sample: the workers have served every kind of request by then.
    args.warmup = min(preset["warmup"], args.seconds / 3)
    return args


def seconds_of(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    text = duration.strip().lower()
    if text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


# --- Data ---------------------------------------------------------------------------------


def prepare(args, workdir: Path) -> tuple[dict, tracking_load.Loaded]:
    """Seed, load the history by COPY and write what the simulated users need."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from alliance.constants import ApiScope
    from alliance.models import User
    from orders.models import Order, Shipment
    from tests.factories import api_key_for

    carrier, key = bench_tracking.seed()
    keys = [key] + [
        api_key_for(carrier, scopes=[ApiScope.EVENTS_WRITE])[1] for _ in range(CARRIER_KEYS - 1)
    ]
    network = tracking_load.read_network(carrier_id=carrier.pk)
    history = tracking_load.load_history(
        network, shipments=args.shipments, events_per_shipment=6, special={}
    )
    # The most recent trips: the ones on the road, that carriers report about.
    recent = sorted(history.trips, key=lambda trip: -trip.departure)[:RECENT_TRIPS]
    on_trip: dict[int, list[str]] = {}
    for plan in history.plans:
        on_trip.setdefault(plan.trip.id, []).append(tracking_load.tracking_number(plan.index))
    trips = [
        {
            "id": trip.id,
            "stops": [
                {
                    "unlocode": network.unlocodes[location] or location,
                    "offset": network.offsets[location],
                }
                for location, _arrival, _dwell in trip.line.stops
            ],
            "shipments": on_trip[trip.id][:200],
        }
        for trip in recent
        if on_trip.get(trip.id)
    ]
    # Production settings check passwords with Django's default hasher, not the test settings'
    # fast one: the members' passwords are stored as production stores them.
    User.objects.filter(member_id__in=network.members).update(
        password=PBKDF2PasswordHasher().encode("bench-password-1", PBKDF2PasswordHasher().salt())
    )
    members = []
    for user in User.objects.filter(member_id__in=network.members, is_active=True).order_by("pk"):
        orders = list(
            Order.objects.filter(member_id=user.member_id)
            .order_by("-created_at")
            .values_list("reference", flat=True)[:300]
        )
        shipments = list(
            Shipment.objects.filter(order__member_id=user.member_id)
            .order_by("-created_at")
            .values_list("tracking_number", flat=True)[:300]
        )
        if orders and shipments:
            members.append(
                {
                    "email": user.email,
                    "password": "bench-password-1",
                    "orders": orders,
                    "shipments": shipments,
                }
            )
    if not members:
        raise RuntimeError("no member with orders to sign in as")
    numbers = [tracking_load.tracking_number(plan.index) for plan in history.plans]
    data = {
        "carrier_keys": keys,
        "trips": trips,
        "members": members,
        "public_numbers": numbers,
        # Well-formed numbers no shipment has: a mistyped or forged one.
        "unknown_numbers": [tracking_load.tracking_number(10**9 + i) for i in range(50)],
    }
    (workdir / "mix.json").write_text(json.dumps(data))
    return data, history


# --- Memory -------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS, KiB); 0 once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def worker_pids(server, celery: dict[str, int]) -> dict[str, list[int]]:
    """The processes that serve: gunicorn's workers, each Celery worker and its pool."""
    groups = {"gunicorn workers": tracking_http._children(server.process.pid)}
    for name, pid in celery.items():
        groups[f"celery {name}"] = [pid, *tracking_http._children(pid)]
    return groups


@dataclass
class MemorySample:
    at: float
    rss: dict[str, dict[int, int]]  # group → pid → KiB

    def total(self, group: str) -> int:
        return sum(self.rss[group].values())


def sample_memory(server, celery) -> MemorySample:
    return MemorySample(
        at=time.monotonic(),
        rss={
            group: {pid: rss_kib(pid) for pid in pids}
            for group, pids in worker_pids(server, celery).items()
        },
    )


# --- locust -------------------------------------------------------------------------------


def run_locust(args, server, workdir: Path, on_warm) -> dict:
    """locust headless for ``args.duration``; ``on_warm`` is called once the warm-up is over."""
    locust = str(Path(sys.executable).with_name("locust"))
    command = [
        locust,
        *("-f", str(ROOT / "tests" / "bench" / "load_mix.py")),
        "--headless",
        *("--users", str(args.users), "--spawn-rate", str(max(1, args.users // 5))),
        *("--run-time", args.duration, "--stop-timeout", "10"),
        *("--host", f"http://127.0.0.1:{server.port}"),
        *("--csv", str(workdir / "locust"), "--only-summary", "--loglevel", "WARNING"),
    ]
    env = {
        **os.environ,
        "LOAD_MIX_DATA": str(workdir / "mix.json"),
        "LOAD_MIX_RESULT": str(workdir / "statuses.json"),
    }
    with open(workdir / "locust.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        timer = threading.Timer(args.warmup, on_warm)
        timer.start()
        process.wait()
        timer.cancel()
    if not (workdir / "locust_stats.csv").exists():
        raise RuntimeError(f"locust wrote no statistics:\n{(workdir / 'locust.log').read_text()}")
    with open(workdir / "locust_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    failures = []
    if (workdir / "locust_failures.csv").exists():
        with open(workdir / "locust_failures.csv") as found:
            failures = list(csv.DictReader(found))
    statuses = {}
    if (workdir / "statuses.json").exists():
        statuses = json.loads((workdir / "statuses.json").read_text())
    return {"rows": rows, "failures": failures, "statuses": statuses, "command": command}


# --- Checks -------------------------------------------------------------------------------


def wait_drained(broker, queue: str, patience: float = 300) -> float:
    """Wait until this run's queue is empty and no event gets applied for a few seconds."""
    from tracking.models import TrackingEvent

    started = time.monotonic()
    unapplied = TrackingEvent.objects.filter(external_id__startswith="load-", applied_at=None)
    last, still = None, 0
    while time.monotonic() - started < patience:
        queued = sum(broker.llen(name) for name in broker.scan_iter(match=f"{queue}*"))
        waiting = unapplied.count()
        if not waiting:
            break
        still = still + 1 if (waiting == last and not queued) else 0
        if still >= 5:
            break
        last = waiting
        time.sleep(1)
    return time.monotonic() - started


def apply_all(broker, queue: str, log_dir: Path) -> dict:
    """Let the worker apply every event posted; what it could not apply at first, the sweeper does.

    An event whose application failed (the worker logs why) stays unapplied until
    the periodic sweep; here the sweep is sent at once, as beat would send it later.
    """
    from tracking.models import TrackingEvent
    from tracking.tasks import sweep_unapplied_events

    posted = TrackingEvent.objects.filter(external_id__startswith="load-")
    waited = wait_drained(broker, queue)
    left = posted.filter(applied_at=None).count()
    if left:
        sweep_unapplied_events.apply_async(kwargs={"older_than_seconds": 0}, queue=queue)
        waited += wait_drained(broker, queue)
    failures = []
    for log in sorted(log_dir.glob("tracking-*.log")):
        text = log.read_text(errors="replace")
        failures += [line for line in text.splitlines() if "could not be applied" in line]
    causes = {}
    for log in sorted(log_dir.glob("tracking-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(("psycopg.errors.", "django.db.utils.")):
                causes[line] = causes.get(line, 0) + 1
    return {
        "posted": posted.count(),
        "applied": posted.exclude(applied_at=None).count(),
        "left_to_sweeper": left,
        "failed_attempts": len(failures),
        "causes": causes,
        "waited": waited,
    }


def check(report: Report, result: dict, applied: tuple[int, int, float], memory) -> None:
    server_errors = {
        name: {code: count for code, count in counts.items() if code.startswith("5")}
        for name, counts in result["statuses"].items()
    }
    server_errors = {name: codes for name, codes in server_errors.items() if codes}
    report.check(not server_errors, f"5xx answers: {server_errors}")
    total = next(row for row in result["rows"] if row["Name"] == "Aggregated")
    report.check(
        int(total["Failure Count"]) == 0,
        f"{total['Failure Count']} failed requests, e.g. "
        + "; ".join(
            f"{row['Method']} {row['Name']}: {row['Error'][:200]} ×{row['Occurrences']}"
            for row in result["failures"][:5]
        ),
    )
    report.check(int(total["Request Count"]) > 0, "locust sent no requests")
    created = sum(
        counts.get("201", 0) for name, counts in result["statuses"].items() if "/events/" in name
    )
    posted, done = applied["posted"], applied["applied"]
    report.check(posted == created, f"{created} events accepted (201) but {posted} stored")
    report.check(done == posted, f"{posted - done} of {posted} events not applied by the worker")
    warm, end = memory
    for group in warm.rss:
        before, after = warm.total(group), end.total(group)
        report.check(
            before and after <= before * (1 + GROWTH_LIMIT),
            f"{group}: resident memory grew from {before / 1024:.0f} to {after / 1024:.0f} MiB "
            f"(more than {GROWTH_LIMIT:.0%})",
        )
        replaced = set(warm.rss[group]) ^ set(end.rss[group])
        report.check(not replaced, f"{group}: processes replaced during the run: {replaced}")


# --- Report -------------------------------------------------------------------------------


def table(result: dict) -> list[str]:
    """The per-endpoint table, Markdown, ready for the README."""
    lines = [
        "| Endpoint | Requests | Failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = sorted(result["rows"], key=lambda row: (row["Name"] == "Aggregated", row["Name"]))
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} `{row['Name']}`"
        lines.append(
            f"| {name} | {int(row['Request Count']):,} | {int(row['Failure Count']):,} "
            f"| {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    return lines


def memory_lines(warm: MemorySample, end: MemorySample) -> list[str]:
    lines = [
        "| Processes | After warm-up MiB | At the end MiB | Growth |",
        "|---|---:|---:|---:|",
    ]
    for group in warm.rss:
        before, after = warm.total(group), end.total(group)
        growth = (after - before) / before if before else float("nan")
        lines.append(
            f"| {group} ({len(end.rss[group])}) | {before / 1024:.0f} | {after / 1024:.0f} "
            f"| {growth:+.1%} |"
        )
    return lines


def machine_line(busy_before: float) -> str:
    load1, load5, _load15 = os.getloadavg()
    return (
        f"{os.cpu_count()} cores; other work kept {busy_before:.1f} cores busy before the run; "
        f"load average {load1:.1f} (1 min), {load5:.1f} (5 min) at the end"
    )


def main() -> None:
    args = parse_args()
    broker = tracking_http.services_or_exit(args.redis_url, make_target="make load")
    queue, webhook_queue = f"bench-load-{os.getpid()}", f"bench-load-webhooks-{os.getpid()}"
    report = Report()
    setup_test_environment()
    connection.settings_dict["TEST"]["NAME"] = args.database
    step(f"creating and migrating the database {args.database}")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    failed = True
    try:
        step(f"loading {args.shipments:,} shipments by COPY; {CARRIER_KEYS} carrier API keys")
        data, history = prepare(args, workdir)
        env = bench_tracking.server_env(args, workdir, queue)
        env.update(WEBHOOK_QUEUE=webhook_queue, LOGIN_RATE="1000000/s")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            postmaster = tracking_http.postmaster_of(cursor.fetchone()[0])
        step(
            f"starting gunicorn ({args.workers} sync workers, production settings) and the "
            f"Celery workers (tracking: {args.tracking_processes} processes)"
        )
        with (
            bench_webhooks.broker(args.redis_url, default_queue=queue, webhook_queue=webhook_queue),
            bench_webhooks.workers(
                SimpleNamespace(
                    redis_url=args.redis_url,
                    tracking_processes=args.tracking_processes,
                    webhook_threads=args.webhook_threads,
                ),
                tracking_queue=queue,
                webhook_queue=webhook_queue,
                log_dir=workdir,
            ) as celery,
            tracking_http.gunicorn(
                env=env, workers=args.workers, log_dir=workdir, postmaster=postmaster
            ) as server,
        ):
            busy = tracking_http.wait_quiet(patience=30)
            samples: dict[str, MemorySample] = {}
            step(
                f"locust: {args.users} users for {args.duration} "
                f"(memory sampled after {args.warmup:.0f} s)"
            )
            started = time.monotonic()
            result = run_locust(
                args,
                server,
                workdir,
                on_warm=lambda: samples.setdefault("warm", sample_memory(server, celery)),
            )
            wall = time.monotonic() - started
            step("waiting for the worker to apply every event posted")
            applied = apply_all(broker, queue, workdir)
            samples["end"] = sample_memory(server, celery)
            samples.setdefault("warm", samples["end"])
        check(report, result, applied, (samples["warm"], samples["end"]))
        print_report(report, args, result, applied, samples, busy, history, wall, data)
        failed = bool(report.problems)
    finally:
        for name in broker.scan_iter(match="*bench-load-*"):
            broker.delete(name)
        if args.keep:
            print(f"database kept: {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if failed:
            print(f"logs kept in {workdir}")
        else:
            for path in sorted(workdir.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            workdir.rmdir()
    if report.problems:
        print("\nFAILED:\n  " + "\n  ".join(report.problems))
        sys.exit(1)


def print_report(report, args, result, applied, samples, busy, history, wall, data) -> None:
    add = report.add
    code = bench_tracking.code_state()
    add("")
    add("Mixed load")
    add(f"  machine: {machine_line(busy)}")
    add(
        f"  server: gunicorn {args.workers} sync workers, production settings, Redis cache; "
        f"Celery tracking worker ({args.tracking_processes} processes) applying events"
    )
    add(f"  code: {code}")
    add(
        f"  data: {history.shipments:,} shipments (each with its order), {history.entries:,} "
        f"events; {len(data['members'])} member sign-ins, {len(data['carrier_keys'])} carrier "
        f"keys, {len(data['trips'])} trips reported on"
    )
    add(
        f"  mix: carriers 40 %, members 35 %, public 25 %; {args.users} users, "
        f"{args.duration} ({wall:.0f} s with start and stop)"
    )
    add(
        f"  events: {applied['posted']:,} posted, {applied['applied']:,} applied by the worker "
        f"({applied['waited']:.0f} s to drain after the run); "
        f"{applied['left_to_sweeper']:,} left to the sweeper after "
        f"{applied['failed_attempts']:,} failed attempts"
    )
    for cause, count in applied["causes"].items():
        add(f"    worker log: {count} × {cause}")
    add("")
    add(
        "  command: DATABASE_URL=postgres://… python tests/bench/bench_load.py "
        f"--duration {args.duration} --users {args.users}" + (" --quick" if args.quick else "")
    )
    add("")
    lines = table(result)
    lines += [""] + memory_lines(samples["warm"], samples["end"])
    add("\n".join(lines))
    print("\n".join(report.lines), flush=True)


if __name__ == "__main__":
    main()
