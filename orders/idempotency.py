"""Idempotency-Key for create requests: a retry returns the first answer and creates nothing.

The key is claimed with an insert committed on its own, so every later request
with that key finds it. The request that does the work holds the key's row lock
while it runs and stores the answer in the same transaction as what it created;
a duplicate arriving meanwhile waits on that lock (up to ``WAIT_SECONDS``), then
replays the stored answer, or answers 409 if the first is still running. A
request that fails stores nothing, so its retry runs afresh.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.errors import LockNotAvailable

from orders.exceptions import IdempotencyConflict, RequestInProgress
from orders.models import IdempotencyKey

WAIT_SECONDS = 10
MAX_KEY_LENGTH = 255


def fingerprint(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(*, member, scope: str, key: str, request_hash: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_idempotencykey"
            " (member_id, scope, key, request_hash, created_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [member.pk, scope, key, request_hash, timezone.now()],
        )


def run_once(
    *, member, scope: str, key: str, payload, handler: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Run ``handler`` once per (member, scope, key); returns (status, body, replayed)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyConflict(
            _("An Idempotency-Key is 1 to %(max)s characters.") % {"max": MAX_KEY_LENGTH},
            code="idempotency_key_invalid",
        )
    request_hash = fingerprint(payload)
    _claim(member=member, scope=scope, key=key, request_hash=request_hash)
    expired_before = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")
        try:
            record = IdempotencyKey.objects.select_for_update().get(
                member=member, scope=scope, key=key
            )
        except OperationalError as error:
            if isinstance(error.__cause__, LockNotAvailable):
                raise RequestInProgress(
                    _("A request with this Idempotency-Key is still being processed; retry later.")
                ) from error
            raise
        if record.created_at < expired_before:
            record.request_hash, record.created_at = request_hash, timezone.now()
            record.response_status = record.response_body = None
        elif record.request_hash != request_hash:
            raise IdempotencyConflict(
                _(
                    "This Idempotency-Key was used with a different request body; "
                    "use a new key for a new request."
                )
            )
        elif record.response_status is not None:
            return record.response_status, record.response_body, True
        status, body = handler()
        record.response_status = status
        record.response_body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        record.save()
        return status, body, False


def forget_expired() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
