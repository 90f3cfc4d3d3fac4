"""One member's webhook receiver down: its deliveries back off, then arrive once it is back;
the other members' deliveries go on as if nothing happened."""

import time

import pytest

from tests.faults import checks
from tests.faults.conftest import FIRST_RETRY_SECONDS
from tests.faults.processes import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

# How long the receiver stays down after the first delivery to it failed.
RECEIVER_DOWN_SECONDS = 30
EVENTS = 1_000  # the trips' journeys (milestones for every member) and exceptions


def attempts_of(stack, endpoint_id: int) -> dict[int, list[tuple[float, int | None]]]:
    """Per delivery of the endpoint: its attempts (unix time, status code), oldest first."""
    rows = stack.sql(
        """
        SELECT d.id, extract(epoch FROM a.attempted_at)::float, a.status_code
          FROM tracking_webhookattempt a JOIN tracking_webhookdelivery d ON d.id = a.delivery_id
         WHERE d.endpoint_id = %s ORDER BY a.attempted_at
        """,
        [endpoint_id],
    )
    found: dict[int, list[tuple[float, int | None]]] = {}
    for delivery, at, status in rows:
        found.setdefault(delivery, []).append((at, status))
    return found


def deliveries_of(stack, endpoint_id: int, status: str | None = None) -> int:
    query = "SELECT count(*) FROM tracking_webhookdelivery WHERE endpoint_id = %s"
    if status is None:
        return stack.count(query, [endpoint_id])
    return stack.count(query + " AND status = %s", [endpoint_id, status])


def test_a_receiver_down_gets_backoff_then_everything_once_it_is_back(stack):
    world = stack.cluster.world
    down_member = world["shippers"][0]
    down = world["endpoints"][str(down_member)]
    others = [world["endpoints"][str(m)] for m in (world["carrier"], world["shippers"][1])]
    stack.receivers[down_member].stop()

    status, _headers, body = stack.post_events(stack.cluster.events[:EVENTS])
    assert status == 200, body[:300]

    # The others' deliveries all arrive, each at its first attempt, while one receiver is down.
    def others_done():
        return all(
            deliveries_of(stack, e)
            and deliveries_of(stack, e) == deliveries_of(stack, e, "delivered")
            for e in others
        )

    assert wait_for(others_done, timeout=120), stack.logs()
    for endpoint in others:
        assert all(len(tried) == 1 for tried in attempts_of(stack, endpoint).values())
        assert stack.count(
            "SELECT count(*) FROM tracking_webhookendpoint WHERE id = %s AND failing_since IS NULL",
            [endpoint],
        )

    assert wait_for(lambda: attempts_of(stack, down), timeout=60)
    first_failure = min(at for tried in attempts_of(stack, down).values() for at, _s in tried)
    time.sleep(max(0.0, first_failure + RECEIVER_DOWN_SECONDS - time.time()))
    while_down = attempts_of(stack, down)
    stack.receivers[down_member].start()

    # Backoff: each delivery's retries wait at least the lower bound of the doubling wait
    # (half of FIRST_RETRY_SECONDS × 2^(n-1)), and the endpoint is probed by retries rather
    # than every pending delivery hammering it.
    pending = deliveries_of(stack, down)
    assert all(status is None for tried in while_down.values() for _at, status in tried)
    retried = [tried for tried in while_down.values() if len(tried) >= 3]
    assert retried, f"no delivery was retried twice in {RECEIVER_DOWN_SECONDS} s"
    for tried in retried:
        gaps = [later[0] - earlier[0] for earlier, later in zip(tried, tried[1:], strict=False)]
        for n, gap in enumerate(gaps, start=1):
            assert gap >= 0.5 * FIRST_RETRY_SECONDS * 2 ** (n - 1) - 0.5, gaps
    failed_attempts = sum(len(tried) for tried in while_down.values())
    assert failed_attempts < pending, (failed_attempts, pending)

    checks.wait_settled(stack, EVENTS, timeout=180)
    snapshot = stack.snapshot()
    checks.assert_webhooks_received(stack, snapshot)
    received = stack.receivers[down_member].received()
    assert len(received) == pending
    assert stack.count(
        "SELECT count(*) FROM tracking_webhookendpoint WHERE id = %s AND failing_since IS NULL"
        " AND is_active",
        [down],
    )
