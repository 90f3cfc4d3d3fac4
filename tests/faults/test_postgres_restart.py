"""PostgreSQL restarted while carrier events are being posted and applied."""

import json
import threading
import time

import pytest

from tests.faults import checks
from tests.faults.conftest import HALF_EVENTS
from tests.faults.processes import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

# How long the database stays down between its stop and its start.
POSTGRES_DOWN_SECONDS = 10
BULK = 250


def assert_clean_503(status: int, headers: dict, body: bytes, *, api: bool) -> None:
    assert status == 503, (status, body[:300])
    assert headers.get("Retry-After", "").isdigit(), headers
    assert b"Traceback" not in body and b"psycopg" not in body and b"OperationalError" not in body
    if api:
        assert headers["Content-Type"] == "application/json", headers
        error = json.loads(body)["error"]
        assert error["code"] == "service_unavailable"
        assert "send the request again" in error["message"]
    else:
        assert headers["Content-Type"].startswith("text/html"), headers
        assert b"Briefly unavailable" in body


def test_a_database_restart_gives_clean_503s_and_retried_events_are_stored_once(stack, references):
    events = stack.cluster.events[:HALF_EVENTS]
    reference = references[HALF_EVENTS]
    tracking_number = next(iter(stack.cluster.world["trips"].values()))[0]
    poster = checks.Poster(stack, events, size=BULK, pause=0.5)
    poster.start()
    assert wait_for(lambda: len(poster.answers) >= 3, timeout=120)

    portal: list[tuple[int, dict, bytes]] = []
    down = threading.Event()

    def read_the_portal_while_down():
        down.wait()
        portal.append(stack.request("GET", f"/track/{tracking_number}/"))

    reader = threading.Thread(target=read_the_portal_while_down, daemon=True)
    reader.start()
    stack.cluster.postgres.stop(mode="fast")
    down.set()
    time.sleep(POSTGRES_DOWN_SECONDS)
    stack.cluster.postgres.start()
    reader.join(timeout=60)
    poster.join()
    assert poster.error is None, poster.error

    refused = [answer for answer in poster.answers if answer[0] != 200]
    assert refused, "no request was refused while the database was down"
    for status, headers, body in refused:
        assert_clean_503(status, headers, body, api=True)
    [(status, headers, body)] = portal
    assert_clean_503(status, headers, body, api=False)
    # Each bulk was finally accepted; retries answered the events already stored as duplicates.
    accepted = [json.loads(body) for status, _h, body in poster.answers if status == 200]
    assert len(accepted) == len(events) // BULK
    assert sum(answer["error"] for answer in accepted) == 0

    checks.wait_settled(stack, len(events))
    snapshot = stack.snapshot()
    # The stored events are exactly the distinct ids sent, each once.
    assert snapshot["events"] == sorted({event["event_id"] for event in events})
    checks.assert_as_without_faults(snapshot, reference)
    checks.assert_webhooks_received(stack, snapshot)
    # Nobody restarted the web server or the workers: they reconnected by themselves.
    assert all(service.running() and service.starts == 1 for service in stack.services())
    status, _headers, _body = stack.request("GET", "/healthz")
    assert status == 200
