"""The HTTP side of the tracking benchmark: gunicorn under production settings, a load generator.

The load generator is plain Python: one forked process per concurrent client, each
sending requests whose bytes were built before the clock starts, over a plain socket:
write the request, read to the end of the answer, read its status line and body. It
runs on the same two cores as the server, so it is kept as lean as a socket allows
(``http.client`` cost three times the CPU per request). Every request asks for the
connection to close, as gunicorn's sync workers (the production setup) do anyway;
reconnecting on loopback costs microseconds. Where the CPU went during a run
(gunicorn, PostgreSQL, the clients, anything else on the machine) is read from ``/proc``.
"""

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- What every benchmark needs first ---------------------------------------------------


def services_or_exit(redis_url: str, *, make_target: str = "make bench"):
    """A client of the Redis at ``redis_url``; exits saying why if it or DATABASE_URL is missing."""
    import redis

    if "DATABASE_URL" not in os.environ:
        sys.exit(
            f"Set DATABASE_URL to the PostgreSQL server to benchmark on (or use {make_target})."
        )
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        sys.exit(f"Redis is needed at {redis_url}: {error}")
    return client


# --- CPU accounting from /proc --------------------------------------------------------


def _process_seconds(pid: int, *, reaped: bool = False) -> float:
    """CPU time of a process; with ``reaped``, plus that of its children that have exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    seconds = int(fields[11]) + int(fields[12])  # utime + stime
    if reaped:
        seconds += int(fields[13]) + int(fields[14])  # cutime + cstime
    return seconds / TICKS


def _tree_seconds(parent: int) -> dict[int, float]:
    """CPU time of a parent (with its exited children) and of each of its live children.

    A backend or worker that exits between two snapshots is then still counted:
    its time moves into the parent's total.
    """
    return {
        parent: _process_seconds(parent, reaped=True),
        **{child: _process_seconds(child) for child in _children(parent)},
    }


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _postgres_pids() -> list[int]:
    """Every process called 'postgres', when the server's postmaster is not known."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return pids


def postmaster_of(backend_pid: int) -> int | None:
    """The postmaster of a backend on this machine (its parent), or None if not local."""
    try:
        stat = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        comm = Path(f"/proc/{backend_pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return int(stat[1]) if comm == "postgres" else None


def _machine_busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICKS


@dataclass
class CpuSnapshot:
    at: float
    busy: float
    gunicorn: dict[int, float]
    postgres: dict[int, float]


def cpu_snapshot(gunicorn_master: int, postmaster: int | None) -> CpuSnapshot:
    if postmaster:
        postgres = _tree_seconds(postmaster)
    else:
        postgres = {pid: _process_seconds(pid) for pid in _postgres_pids()}
    return CpuSnapshot(
        at=time.perf_counter(),
        busy=_machine_busy_seconds(),
        gunicorn=_tree_seconds(gunicorn_master),
        postgres=postgres,
    )


def wait_quiet(*, limit: float = 0.3, patience: float = 300, window: float = 2.0) -> float:
    """Wait (at most ``patience`` seconds) until the machine is nearly idle; the load seen.

    Another job on the machine would take CPU from the server under test and
    skew the figures; each run reports the share others took anyway.
    """
    deadline = time.monotonic() + patience
    warned = False
    while True:
        before = _machine_busy_seconds()
        time.sleep(window)
        busy = (_machine_busy_seconds() - before) / window
        if busy <= limit or time.monotonic() > deadline:
            return busy
        if not warned:
            print(f"  (other work keeps {busy:.1f} cores busy: waiting for a quiet machine)")
            warned = True


def cpu_split(before: CpuSnapshot, after: CpuSnapshot, clients_seconds: float) -> dict[str, float]:
    """CPU seconds per party between two snapshots; 'other' is the rest of the machine."""

    def grown(old: dict[int, float], new: dict[int, float]) -> float:
        # A process gone by the second snapshot is in its parent's total by then.
        return sum(new.values()) - sum(old.values())

    gunicorn = grown(before.gunicorn, after.gunicorn)
    postgres = grown(before.postgres, after.postgres)
    busy = after.busy - before.busy
    return {
        "wall": after.at - before.at,
        "machine": busy,
        "gunicorn": gunicorn,
        "postgres": postgres,
        "clients": clients_seconds,
        "other": max(0.0, busy - gunicorn - postgres - clients_seconds),
    }


# --- gunicorn ------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_dir: Path
    workers: int
    postmaster: int | None = None

    @property
    def pids(self) -> list[int]:
        return [self.process.pid, *_children(self.process.pid)]

    def tail(self, lines: int = 30) -> str:
        text = (self.log_dir / "gunicorn.err").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextmanager
def gunicorn(
    *,
    env: dict[str, str],
    workers: int,
    log_dir: Path,
    postmaster: int | None = None,
    app: str = "config.wsgi",
):
    """gunicorn with production settings on a free loopback port; stopped on exit."""
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if collect.returncode:
        raise RuntimeError(f"collectstatic failed:\n{collect.stderr[-3000:]}")
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        app,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(log_dir / "access.log"),
    ]
    with open(log_dir / "gunicorn.out", "wb") as out, open(log_dir / "gunicorn.err", "wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
    server = Server(
        port=port, process=process, log_dir=log_dir, workers=workers, postmaster=postmaster
    )
    try:
        _wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.tail()}")
        try:
            connection = HTTPConnection("127.0.0.1", server.port, timeout=5)
            connection.request("GET", "/healthz", headers=BASE_HEADERS)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            if response.status == 200 and len(_children(server.process.pid)) >= server.workers:
                return
            if response.status != 200:
                raise RuntimeError(f"/healthz answered {response.status}: {body[:500]!r}")
        except (ConnectionRefusedError, ConnectionResetError, TimeoutError):
            # Workers still booting on a busy machine: the first answer can take a while.
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {timeout} s:\n{server.tail()}")


# --- The load generator ---------------------------------------------------------------

# Behind the TLS-terminating proxy production runs behind, as it would send it.
BASE_HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    status: int = 200  # the answer expected
    expect: int = 0  # events a bulk body holds: all must come back created


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: int
    failure_samples: list[str] = field(default_factory=list)
    clients_cpu_seconds: float = 0.0


def _check(request: Request, status: int, body: bytes) -> str | None:
    if status != request.status:
        return f"{status} {body[:300]!r}"
    if request.expect:
        answer = json.loads(body)
        if answer.get("created") != request.expect or answer.get("error"):
            errors = [r for r in answer.get("results", []) if r.get("result") == "error"][:2]
            return f"created {answer.get('created')}/{request.expect}, errors: {errors}"
    return None


def _request_bytes(request: Request, headers: dict[str, str]) -> bytes:
    lines = [f"{request.method} {request.path} HTTP/1.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if request.body is not None:
        lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (request.body or b"")


def _answer(raw: bytes) -> tuple[int, bytes]:
    """Status and body of a whole HTTP/1.1 answer read to the connection's end."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head[9:12]) if head[:5] == b"HTTP/" else 0
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        body = _unchunked(body)
    return status, body


def _unchunked(body: bytes) -> bytes:
    parts, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        parts.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(parts)


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _client(requests, headers, port, barrier, results) -> None:
    prepared = [(request, _request_bytes(request, headers)) for request in requests]
    latencies, failures, samples = [], 0, []
    barrier.wait()
    cpu_before = os.times()
    started = time.perf_counter()
    for request, data in prepared:
        begin = time.perf_counter()
        try:
            status, body = _answer(_exchange(port, data))
        except OSError as error:
            status, body = 0, str(error).encode()
        latencies.append((time.perf_counter() - begin) * 1000)
        problem = _check(request, status, body)
        if problem:
            failures += 1
            if len(samples) < 3:
                samples.append(f"{request.method} {request.path}: {problem}")
    ended = time.perf_counter()
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    results.put((started, ended, latencies, failures, samples, cpu))


def run_load(
    server: Server,
    requests: list[Request],
    *,
    concurrency: int,
    headers: dict[str, str] | None = None,
) -> tuple[LoadResult, dict[str, float]]:
    """Send the requests from ``concurrency`` clients at once; the result and the CPU split."""
    context = multiprocessing.get_context("fork")
    headers = {**BASE_HEADERS, **(headers or {})}
    barrier = context.Barrier(concurrency + 1)
    results = context.Queue()
    shares = [requests[index::concurrency] for index in range(concurrency)]
    clients = [
        context.Process(target=_client, args=(share, headers, server.port, barrier, results))
        for share in shares
    ]
    for client in clients:
        client.start()
    before = cpu_snapshot(server.process.pid, server.postmaster)
    barrier.wait()
    collected = [results.get() for _client_ in clients]
    after = cpu_snapshot(server.process.pid, server.postmaster)
    for client in clients:
        client.join()
    started = min(item[0] for item in collected)
    ended = max(item[1] for item in collected)
    result = LoadResult(
        requests=len(requests),
        seconds=ended - started,
        latencies_ms=[latency for item in collected for latency in item[2]],
        failures=sum(item[3] for item in collected),
        failure_samples=[sample for item in collected for sample in item[4]][:5],
        clients_cpu_seconds=sum(item[5] for item in collected),
    )
    return result, cpu_split(before, after, result.clients_cpu_seconds)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
