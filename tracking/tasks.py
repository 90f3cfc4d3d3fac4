"""Celery adapters of tracking: apply stored events, and sweep up any a lost message left."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from tracking.notifications import email_tasks  # noqa: F401 — registers the email channel's tasks
from tracking.notifications import tasks as webhook_tasks  # noqa: F401 — registers webhook tasks

SWEEP_AFTER = timedelta(seconds=30)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=5, default_retry_delay=5)
def apply_events(*, event_ids: list[int]) -> int:
    from tracking.apply import events_apply

    return events_apply(event_ids=event_ids)


@shared_task(acks_late=True)
def sweep_unapplied_events(*, older_than_seconds: float = SWEEP_AFTER.total_seconds()) -> int:
    """Apply events stored while the broker was down, or whose worker died; safe to overlap.

    Only events older than ``older_than_seconds`` are taken, so ones whose task is
    merely still queued are left to it.
    """
    from tracking.apply import events_apply
    from tracking.dispatch import APPLY_CHUNK
    from tracking.services import unapplied_event_ids

    applied = 0
    ids = unapplied_event_ids(older_than=timezone.now() - timedelta(seconds=older_than_seconds))
    for start in range(0, len(ids), APPLY_CHUNK):
        applied += events_apply(event_ids=ids[start : start + APPLY_CHUNK])
    return applied


@shared_task(acks_late=True)
def detect_delays() -> int:
    """Raise delay exceptions for running trips overdue at a stop; raising twice does nothing."""
    from tracking.delays import detect_delays as detect

    return detect()


@shared_task(acks_late=True)
def refresh_operations(*, weeks: int | None = None) -> int:
    """Recompute the last weeks' operations figures and the index; running twice is harmless."""
    from tracking.operations.refresh import DEFAULT_WEEKS, refresh

    now = timezone.now()
    since = (now - timedelta(weeks=(weeks or DEFAULT_WEEKS) - 1)).date()
    return refresh(since=since, now=now)
