"""Emails of onboarding and account security, sent by workers after their transaction commits."""

from celery import shared_task

from alliance import emails


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=8)
def send_application_received(*, application_id: int) -> None:
    emails.send_application_received(application_id=application_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=8)
def send_application_rejected(*, application_id: int) -> None:
    emails.send_application_rejected(application_id=application_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=8)
def send_invitation(*, user_id: int) -> None:
    emails.send_invitation(user_id=user_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_jitter=True, max_retries=8)
def send_two_factor_changed(*, user_id: int, change: str) -> None:
    emails.send_two_factor_changed(user_id=user_id, change=change)
