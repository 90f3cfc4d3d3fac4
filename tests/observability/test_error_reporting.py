"""Error reports reach a Sentry-compatible service when SENTRY_DSN is set, tagged with the
request id, without personal data; with no DSN nothing is sent."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


class Receiver(ThreadingHTTPServer):
    """Stands in for a Sentry-compatible service: records every envelope posted to it."""

    daemon_threads = True

    def __init__(self):
        self.envelopes: list[tuple[str, list[dict]]] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 — http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # the SDK's choice when the brotli module happens to be there
            import brotli

            body = brotli.decompress(body)
        items = [json.loads(line) for line in body.splitlines() if line.strip().startswith(b"{")]
        self.server.envelopes.append((self.path, items))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_probe(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.observability.sentry_probe"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def events_of(receiver) -> list[dict]:
    return [item for _path, items in receiver.envelopes for item in items if "exception" in item]


def test_a_failing_view_and_a_failing_task_are_reported_with_their_request_ids(receiver):
    port = receiver.server_address[1]
    probe = run_probe(
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
        SENTRY_ENVIRONMENT="ci-probe",
        SENTRY_RELEASE="lorry@1.2.3",
    )
    assert probe.returncode == 0, probe.stderr
    assert "view answered 500 req-view-0001" in probe.stdout
    assert "task state FAILURE" in probe.stdout

    assert {path for path, _items in receiver.envelopes} == {"/api/42/envelope/"}
    events = events_of(receiver)
    by_type = {event["exception"]["values"][-1]["type"]: event for event in events}
    view = by_type["ZeroDivisionError"]
    assert view["tags"]["request_id"] == "req-view-0001"
    assert view["environment"] == "ci-probe"
    assert view["release"] == "lorry@1.2.3"
    # No personal data: no cookies, no client address.
    assert "cookies" not in view.get("request", {})
    assert "ip_address" not in view.get("user", {})
    assert "REMOTE_ADDR" not in view.get("request", {}).get("env", {})

    task = by_type["RuntimeError"]
    assert task["tags"]["request_id"] == "req-task-0002"
    assert task["tags"]["task_name"] == "tests.probe.failing_task"


def test_nothing_is_sent_without_a_dsn(receiver):
    probe = run_probe(SENTRY_DSN="")
    assert probe.returncode == 0, probe.stderr
    assert "view answered 500 req-view-0001" in probe.stdout
    assert receiver.envelopes == []
