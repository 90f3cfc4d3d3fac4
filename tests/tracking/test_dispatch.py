"""Stored events reach the workers gathered per window: one task for a burst, none lost on exit."""

import base64
import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import redis

from tests.conftest import BASE_DIR, celery_broker, wait_for, worker_process
from tests.tracking.journey import applied, at, carrier_client, departure, journey
from tracking.models import TrackingEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def queued_batches(redis_url: str, queue: str) -> list[list[int]]:
    """The ``event_ids`` of each apply task waiting on ``queue``, oldest first."""
    client = redis.Redis.from_url(redis_url)
    batches = []
    # kombu pushes on the left, so the oldest message is last.
    for raw in reversed(client.lrange(queue, 0, -1)):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        batches.append(kwargs["event_ids"])
    return batches


def trip_poster(network, trips, carrier):
    """A journey, and a function posting an event of its trip as the carrier (a departure)."""
    j = journey(network, trips)
    api = carrier_client(carrier)

    def post(**fields):
        body = {**departure(network), **fields}
        return api.post(f"/api/v1/trips/{j.trip.pk}/events/", body, format="json")

    return j, post


@pytest.fixture
def queue(redis_url):
    name = f"test-dispatch-{uuid.uuid4().hex[:12]}"
    yield name
    redis.Redis.from_url(redis_url).delete(name)


def test_a_burst_of_single_posts_goes_to_the_workers_as_one_task(
    settings, redis_url, queue, network, carrier, trips, tariff
):
    settings.TRACKING_PUBLISH_WINDOW = 3.0
    _journey, post = trip_poster(network, trips, carrier)
    with celery_broker(redis_url, task_always_eager=False, task_default_queue=queue):
        first = post()
        assert first.status_code == 201
        # After a quiet spell, the first event goes out at once.
        assert wait_for(lambda: len(queued_batches(redis_url, queue)) == 1, timeout=10)
        burst = [post(code="note", occurred_at=at(0.2)) for _ in range(4)]
        assert [response.status_code for response in burst] == [201] * 4
        assert len(queued_batches(redis_url, queue)) == 1, "the burst was not held"
        assert wait_for(lambda: len(queued_batches(redis_url, queue)) == 2, timeout=10)

    assert queued_batches(redis_url, queue) == [
        [first.json()["id"]],
        [response.json()["id"] for response in burst],
    ]


def test_events_gathered_in_a_window_are_all_applied(
    settings, redis_url, tmp_path, network, carrier, trips, tariff
):
    settings.TRACKING_PUBLISH_WINDOW = 0.5
    j, post = trip_poster(network, trips, carrier)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with worker_process(redis_url, queue, mail_dir=tmp_path):
        responses = [
            post(),
            post(code="note", occurred_at=at(0.4)),
            post(code="note", occurred_at=at(0.3)),
        ]
        ids = [response.json()["id"] for response in responses]
        events = list(TrackingEvent.objects.filter(pk__in=ids))
        assert len(events) == 3
        for event in events:
            assert wait_for(applied(event), timeout=60), f"event {event.pk} was never applied"
    j.through.refresh_from_db()
    assert j.through.status == "departed_origin"


def test_ids_still_held_when_a_process_exits_are_sent_on_its_way_out(redis_url, queue):
    script = textwrap.dedent(
        """
        import time
        import django
        django.setup()
        from tracking import dispatch
        dispatch.send([101])  # the first after a quiet spell: sent at once
        time.sleep(1)
        dispatch.send([102, 103])  # held for the window, which outlasts the process
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "TRACKING_PUBLISH_WINDOW": "600",
    }
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    assert queued_batches(redis_url, queue) == [[101], [102, 103]]
