"""Redis (broker and cache) stopped for a minute while carrier events keep coming."""

import time

import pytest

from tests.faults import checks
from tests.faults.conftest import HALF_EVENTS

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

# How long Redis stays down: the minute.
REDIS_OUTAGE_SECONDS = 60
# Bulks of this many events, a pause between them, so posting spans the whole outage.
BULK = 100
PAUSE_SECONDS = 1.5


def test_events_keep_being_accepted_while_redis_is_down_and_all_complete_after(stack, references):
    events = stack.cluster.events[:HALF_EVENTS]
    reference = references[HALF_EVENTS]
    poster = checks.Poster(stack, events, size=BULK, pause=PAUSE_SECONDS)
    poster.start()
    time.sleep(8)
    stack.redis.stop()
    assert not stack.redis.answers()
    accepted_before = len(poster.answers)
    time.sleep(REDIS_OUTAGE_SECONDS)
    accepted_during = len(poster.answers) - accepted_before
    stack.redis.start()  # on the same port; nobody touches the web servers or workers
    poster.join()

    assert poster.error is None, poster.error
    # Every bulk accepted at its first try, those posted during the outage included.
    assert [status for status, _h, _b in poster.answers] == [200] * (len(events) // BULK)
    assert accepted_during >= REDIS_OUTAGE_SECONDS / (PAUSE_SECONDS + 1) / 2, (
        f"only {accepted_during} bulks answered while Redis was down"
    )

    checks.wait_settled(stack, len(events))
    snapshot = stack.snapshot()
    checks.assert_as_without_faults(snapshot, reference)
    checks.assert_webhooks_received(stack, snapshot)
    assert snapshot["digests_unsent"] == 0
