"""No event is ever lost: a broker that is down, and a worker killed half-way through."""

import signal
import threading
import uuid

import pytest
from django.db import connection, connections

from scheduling.models import TripStop
from tests.conftest import celery_broker, wait_for, worker_process
from tests.tracking.journey import applied, carrier_client, departure, journey
from tracking import tasks
from tracking.models import TimelineEntry, TrackingEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there


def test_events_posted_while_the_broker_is_down_are_kept_and_swept_up(
    celery_worker, network, carrier, trips, tariff
):
    j = journey(network, trips)
    api = carrier_client(carrier)
    with celery_broker(DEAD_BROKER, task_always_eager=False):
        response = api.post(f"/api/v1/trips/{j.trip.pk}/events/", departure(network), format="json")
    assert response.status_code == 201
    event = TrackingEvent.objects.get()
    assert event.applied_at is None  # stored, but nobody could be told

    tasks.sweep_unapplied_events.delay(older_than_seconds=0)

    assert wait_for(applied(event), timeout=60), "the sweeper did not apply the stored event"
    j.through.refresh_from_db()
    assert j.through.status == "departed_origin"


def kill_the_worker_mid_task(j, network, carrier, *, redis_url, queue, mail_dir, extra_env=None):
    """Post a departure and SIGKILL the worker applying it, inside its transaction.

    Another transaction holds the stop the worker must write last, so the worker is caught
    after it has written the timeline and the statuses, before its commit.
    """
    stop = TripStop.objects.get(trip=j.trip, sequence=1)
    locked, release = threading.Event(), threading.Event()

    def hold_the_stop():
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT 1 FROM scheduling_tripstop WHERE id = %s FOR UPDATE", [stop.pk])
            locked.set()
            release.wait(timeout=120)
            cursor.execute("ROLLBACK")
        connections["default"].close()

    holder = threading.Thread(target=hold_the_stop)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        with worker_process(redis_url, queue, mail_dir=mail_dir, extra_env=extra_env) as worker:
            response = carrier_client(carrier).post(
                f"/api/v1/trips/{j.trip.pk}/events/", departure(network), format="json"
            )
            assert response.status_code == 201

            def waiting_on_the_lock():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                    return cursor.fetchone()[0] > 0

            assert wait_for(waiting_on_the_lock, timeout=60), "the worker never reached the stop"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    finally:
        release.set()
        holder.join(timeout=30)

    event = TrackingEvent.objects.get()
    assert event.applied_at is None
    assert not TimelineEntry.objects.exists()
    j.through.refresh_from_db()
    assert j.through.status == "booked"
    return event


def test_a_worker_killed_mid_task_leaves_nothing_half_applied(
    redis_url, tmp_path, network, carrier, trips, tariff
):
    j = journey(network, trips)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    event = kill_the_worker_mid_task(
        j, network, carrier, redis_url=redis_url, queue=queue, mail_dir=tmp_path
    )

    with worker_process(redis_url, queue, mail_dir=tmp_path):
        tasks.sweep_unapplied_events.delay(older_than_seconds=0)

        assert wait_for(applied(event), timeout=60), "the event was not applied after the crash"
    assert TimelineEntry.objects.filter(event=event).count() == 2
    j.through.refresh_from_db()
    assert j.through.status == "departed_origin"


def test_a_task_whose_worker_died_is_redone_by_another_worker_without_the_sweeper(
    redis_url, tmp_path, network, carrier, trips, tariff
):
    j = journey(network, trips)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    quick = {"DJANGO_SETTINGS_MODULE": "tests.quick_redelivery_settings"}
    event = kill_the_worker_mid_task(
        j, network, carrier, redis_url=redis_url, queue=queue, mail_dir=tmp_path, extra_env=quick
    )

    # Acknowledged late, the task is still the broker's: once its visibility timeout has
    # passed, the next worker takes it again. Nothing asks the sweeper here.
    with worker_process(redis_url, queue, mail_dir=tmp_path, extra_env=quick):
        assert wait_for(applied(event), timeout=90), "the broker did not hand the task back"
    assert TimelineEntry.objects.filter(event=event).count() == 2
    j.through.refresh_from_db()
    assert j.through.status == "departed_origin"
