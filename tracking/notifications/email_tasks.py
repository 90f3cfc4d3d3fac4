"""Celery adapters of the email channel: send one digest when due, and sweep up the rest.

Kept apart from ``tracking/notifications/tasks.py`` (the webhook tasks); imported
by ``tracking/tasks.py`` so that Celery's autodiscovery registers them.
"""

from celery import shared_task

SWEEP_GRACE_SECONDS = 30.0


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=8,
)
def send_email_digest(*, digest_id: int) -> int:
    """Send one digest (queued with a countdown until it is due); safe to run twice."""
    from tracking.notifications.email import digest_send

    return digest_send(digest_id=digest_id)


@shared_task(acks_late=True)
def send_due_email_digests(*, grace_seconds: float = SWEEP_GRACE_SECONDS) -> int:
    """Send every digest due and unsent (its task lost to a broker outage or a dead worker).

    Only digests due ``grace_seconds`` ago are taken, so ones whose task is merely
    running late are left to it; running both is harmless all the same.
    """
    from tracking.notifications.email import digests_send_due

    return digests_send_due(grace_seconds=grace_seconds)
