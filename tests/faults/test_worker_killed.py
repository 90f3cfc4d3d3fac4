"""A Celery worker killed with SIGKILL, several times, while 10,000 carrier events are ingested."""

import pytest

from tests.faults import checks
from tests.faults.conftest import ALL_EVENTS, wait_worker
from tests.faults.processes import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

# The worker is killed each time this many more events have been applied since the last kill.
KILL_EVERY = 2_000
KILLS = 3


def test_a_worker_killed_again_and_again_leaves_every_event_applied_exactly_once(stack, references):
    events = stack.cluster.events[:ALL_EVENTS]
    reference = references[ALL_EVENTS]
    poster = checks.Poster(stack, events, size=1000, pause=1.0)
    poster.start()

    applied = lambda: stack.count(  # noqa: E731
        "SELECT count(*) FROM tracking_trackingevent WHERE applied_at IS NOT NULL"
    )
    for kill in range(1, KILLS + 1):
        assert wait_for(lambda k=kill: applied() >= k * KILL_EVERY, timeout=180), (
            f"fewer than {kill * KILL_EVERY} events applied before kill {kill}\n{stack.logs()}"
        )
        # Mid-batch: while it holds a transaction open; the worker and its pool die at once.
        assert wait_for(stack.worker_in_transaction, timeout=60, interval=0.05)
        stack.worker.kill()
        # Its supervisor starts it again; nobody does anything else.
        assert wait_for(lambda k=kill: stack.worker.starts > k, timeout=30)
        wait_worker(stack.worker)
    poster.join()
    assert poster.error is None, poster.error
    # Every bulk was accepted at the first try: the API never depended on the worker.
    assert [status for status, _h, _b in poster.answers] == [200] * (len(events) // 1000)

    checks.wait_settled(stack, len(events))
    snapshot = stack.snapshot()
    checks.assert_as_without_faults(snapshot, reference)
    checks.assert_webhooks_received(stack, snapshot)
    assert stack.worker.starts >= KILLS + 1
