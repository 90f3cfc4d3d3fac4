"""Celery adapters of webhooks: one attempt of one delivery, and the sweep of due deliveries.

``send_webhook`` runs on its own queue (``settings.WEBHOOK_QUEUE``, routed in
``CELERY_TASK_ROUTES``): receivers that are slow or down keep only webhook
workers waiting. Retries are not Celery retries: the next attempt's time is
stored on the delivery, and the sweep queues it when due, so a long wait never
sits in the broker (where Redis would hand it out again after its visibility
timeout).
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_webhook(*, delivery_id: int, attempt: int) -> str:
    """Make the attempt that follows ``attempt`` attempts; a duplicate task does nothing."""
    from tracking.notifications.webhooks import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id, attempt=attempt)


@shared_task(acks_late=True)
def send_due_webhooks(*, horizon_seconds: float = 0) -> int:
    """Queue every pending delivery due now (or within ``horizon_seconds``): retries, and those
    whose task a broker outage or a dead worker lost. Safe to overlap with itself."""
    from tracking.notifications.webhooks import deliveries_send_due

    return deliveries_send_due(now=timezone.now() + timedelta(seconds=horizon_seconds))
