"""Webhooks with real Celery workers on Redis: a slow receiver holds up no tracking work, and a
notification told while the broker is down is delivered by the sweep once it is back."""

import time
import uuid

import pytest
from django.utils import timezone

from tests.conftest import celery_broker, wait_for, worker_process
from tests.tracking.journey import applied, carrier_client, departure, journey
from tests.tracking.test_webhooks import Receiver
from tracking.models import TrackingEvent
from tracking.notifications import tasks, webhooks
from tracking.notifications.models import Topic, WebhookAttempt, WebhookDelivery
from tracking.notifications.services import Tell, notify

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def webhook_queue(monkeypatch, settings) -> str:
    """A queue of this test's own for webhooks, in this process and in the workers it starts."""
    queue = f"test-webhooks-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("WEBHOOK_QUEUE", queue)
    settings.WEBHOOK_QUEUE = queue
    return queue


def tell(member_id: int, key: str) -> Tell:
    return Tell(
        member_id=member_id,
        topic=Topic.MILESTONES,
        kind="shipment.status_changed",
        title=f"{key}: departed",
        dedupe_key=f"worker-test:{key}",
        data={"code": "departed_origin", "occurred_at": timezone.now().isoformat()},
    )


def test_a_slow_receiver_holds_up_no_tracking_work(
    redis_url, tmp_path, monkeypatch, webhook_queue, receiver, network, carrier, trips, tariff
):
    # The webhook worker waits on the receiver for all of its 10 seconds.
    monkeypatch.setenv("WEBHOOK_TIMEOUT_SECONDS", "15")
    receiver.default = {"sleep": 10, "status": 200}
    j = journey(network, trips)
    member_id = j.through.order.member_id
    webhooks.endpoint_create(member=j.through.order.member, url=receiver.url())
    tracking_queue = f"test-{uuid.uuid4().hex[:12]}"
    # The webhook worker first: the tracking one, inside, is the one this process sends to.
    with (
        worker_process(redis_url, webhook_queue, mail_dir=tmp_path),
        worker_process(redis_url, tracking_queue, mail_dir=tmp_path),
    ):
        notify([tell(member_id, "slow")])
        assert wait_for(lambda: receiver.received, timeout=60), "the webhook was never sent"
        in_flight = receiver.received[0]

        started = time.monotonic()
        response = carrier_client(carrier).post(
            f"/api/v1/trips/{j.trip.pk}/events/",
            departure(network),
            format="json",
        )
        assert response.status_code == 201
        event = TrackingEvent.objects.get()

        assert wait_for(applied(event), timeout=30, interval=0.05), "the event was not applied"
        waited = time.monotonic() - started
        # Applied while the webhook was still waiting on its receiver.
        assert not in_flight.done.is_set()
        assert not WebhookAttempt.objects.exists()
        assert waited < 5, f"the event took {waited:.1f} s to apply"

        assert wait_for(
            lambda: WebhookDelivery.objects.filter(
                notification__dedupe_key="worker-test:slow", status="delivered"
            ).exists(),
            timeout=60,
        ), "the slow delivery did not complete"
    j.through.refresh_from_db()
    assert j.through.status == "departed_origin"


def test_a_notification_told_while_the_broker_is_down_is_delivered_by_the_sweep(
    redis_url, tmp_path, webhook_queue, receiver, member
):
    endpoint, secret = webhooks.endpoint_create(member=member, url=receiver.url())
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with worker_process(redis_url, queue, mail_dir=tmp_path, extra_queues=[webhook_queue]):
        with celery_broker(DEAD_BROKER, task_always_eager=False):
            [notification] = notify([tell(member.pk, "outage")])
        delivery = WebhookDelivery.objects.get()
        assert delivery.attempts == 0 and delivery.status == "pending"
        time.sleep(1)
        assert receiver.received == []  # nobody could be told

        # What beat runs every 15 seconds, here with the grace period already over.
        tasks.send_due_webhooks.delay(horizon_seconds=webhooks.GRACE.total_seconds())
        assert wait_for(lambda: receiver.received, timeout=60), "the sweep did not deliver it"

        def delivered():
            delivery.refresh_from_db()
            return delivery.status == "delivered"

        assert wait_for(delivered, timeout=30)
    [request] = receiver.received
    assert request.envelope["id"] == str(notification.pk)
    assert webhooks.verify_signature(request.headers["Lorry-Signature"], request.body, secret)
    assert delivery.attempts == 1
    assert endpoint.deliveries.get() == delivery
