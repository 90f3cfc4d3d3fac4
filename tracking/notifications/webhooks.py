"""Webhooks: each notification POSTed, signed, to the member's endpoints; retried for a day.

How a notification travels:

- ``enqueue`` (inside the transaction that stored the notifications) makes one
  ``WebhookDelivery`` per active endpoint of the member whose topics include the
  notification's (and that the member hears on the webhook channel), in one
  ``INSERT … SELECT``; after the commit a ``send_webhook`` task per delivery goes
  to its own queue (``settings.WEBHOOK_QUEUE``), so receivers that are slow or
  down never hold up tracking work. A broker that is down only logs.
- ``delivery_attempt`` (the task) claims the attempt with a conditional update
  on the delivery's attempt count, so a duplicate task does nothing; checks the
  URL again (DNS may have changed) and POSTs to the address it checked, with
  short timeouts and no redirects; then logs the attempt and either marks the
  delivery delivered, schedules the next attempt (exponential backoff with
  jitter, ``retry_delay``), or gives up 24 hours after the delivery was made.
  While an endpoint is failing, deliveries not yet tried wait for one of its
  retries to get through, then all go at once. An endpoint failing every attempt
  for ``settings.WEBHOOK_DISABLE_AFTER`` is disabled and its member told (topic
  ``account``).
- ``deliveries_send_due`` (a periodic task) sends every pending delivery whose
  time has come: retries, and deliveries whose task was lost (a broker outage,
  a worker killed mid-attempt) once their grace is over.

Delivery is at least once: a receiver may see an event twice (a lost
acknowledgement, a replay) and de-duplicates on the event ``id``. Arrival order
is not guaranteed; ``sequence`` orders events (see ``envelope``).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import random
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from redis import RedisError

from alliance.languages import language_for_country
from alliance.models import Member
from config.exceptions import ApplicationError
from tracking.notifications.models import (
    DEFAULT_TOPICS,
    Channel,
    ChannelPreference,
    Notification,
    Topic,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tracking.notifications.titles import stored_title, title_of

logger = logging.getLogger(__name__)

API_VERSION = "2026-11-01"
SIGNATURE_HEADER = "Lorry-Signature"
USER_AGENT = f"LorryAlliance-Webhooks/{API_VERSION}"
# A receiver accepting signatures up to this many seconds old (or ahead) refuses replays.
SIGNATURE_TOLERANCE_SECONDS = 300

# The retry schedule: the wait after the n-th failed attempt doubles from FIRST_WAIT up to
# LONGEST_WAIT, each drawn between half and all of it; the last attempt is made RETRY_FOR
# after the delivery was made, then it is given up (11 to 14 attempts, about 12).
FIRST_WAIT = timedelta(seconds=settings.WEBHOOK_FIRST_RETRY_SECONDS)
LONGEST_WAIT = timedelta(hours=8)
RETRY_FOR = timedelta(hours=24)
# A task published (or an attempt started) but not finished within this is sent again by
# the periodic sweep: the broker lost it, or its worker died.
GRACE = timedelta(seconds=settings.WEBHOOK_GRACE_SECONDS)

MAX_ENDPOINTS_PER_MEMBER = 20
DEFAULT_OVERLAP = timedelta(hours=24)
LONGEST_OVERLAP = timedelta(days=7)
SECRET_PREFIX = "whsec_"  # noqa: S105 — a prefix, not a secret
EXCERPT_CHARS = 500
READ_LIMIT_BYTES = 4096
PUBLISH_BATCH = 500

# Cloud metadata services, named in refusals (most are link-local or private anyway):
# AWS, GCP, Azure and OpenStack (IPv4), AWS (IPv6), Alibaba Cloud.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class EndpointDisabled(ApplicationError):
    """A delivery of a disabled endpoint cannot be replayed until the endpoint is enabled."""

    code = "endpoint_disabled"
    http_status = 409


class EndpointRefused(ApplicationError):
    """A URL the platform will not POST to: wrong scheme, or an address that is not public."""

    code = "url_refused"

    def __init__(self, message: str):
        super().__init__(message, field="url")


# --- Addresses: no requests to the platform's own network (SSRF) ---------------------------


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why the address may not be POSTed to, or None when it is a public one."""
    embedded = None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            embedded = address.ipv4_mapped
        elif address.sixtofour is not None:
            embedded = address.sixtofour
        elif address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if embedded is not None:
        return _refusal(embedded)
    if address in METADATA_ADDRESSES:
        return _("a cloud metadata address")
    if address.is_loopback:
        return None if settings.WEBHOOK_ALLOW_LOOPBACK else _("a loopback address")
    if address.is_unspecified:
        return _("an unspecified address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_multicast:
        return _("a multicast address")
    if address.is_private:
        return _("a private address")
    if address.is_reserved or not address.is_global:
        return _("a reserved address")
    return None


def validate_endpoint_url(url: str) -> list[tuple[int, tuple]]:
    """Check a webhook URL; returns the addresses it resolves to, as ``(family, sockaddr)``.

    HTTPS only (HTTP too with ``settings.WEBHOOK_ALLOW_HTTP``); no credentials in
    the URL; every address the host resolves to must be public: loopback (unless
    ``settings.WEBHOOK_ALLOW_LOOPBACK``), private, link-local, multicast, reserved,
    unspecified and cloud metadata addresses are refused, IPv4 inside IPv6 included.
    Checked when an endpoint is saved and again before every attempt. Raises
    ``EndpointRefused``.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise EndpointRefused(_("This is not a valid URL.")) from error
    schemes = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes:
        raise EndpointRefused(_("Webhook URLs must start with https://."))
    if parts.username or parts.password:
        raise EndpointRefused(
            _("Put no user name or password in the URL: check the signature instead.")
        )
    host = parts.hostname
    if not host:
        raise EndpointRefused(_("This is not a valid URL."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise EndpointRefused(
            _("The host %(host)s cannot be resolved.") % {"host": host}
        ) from error
    addresses: list[tuple[int, tuple]] = []
    for family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = _refusal(address)
        if reason:
            raise EndpointRefused(
                _(
                    "The host %(host)s resolves to %(what)s (%(address)s); webhooks go to public "
                    "addresses only."
                )
                % {"host": host, "what": reason, "address": address}
            )
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise EndpointRefused(_("The host %(host)s cannot be resolved.") % {"host": host})
    return addresses


# --- The envelope and its signature ---------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def envelope(notification: Notification, language: str | None = None) -> dict:
    """What every webhook POST carries, the same on every attempt.

    - ``id``: the event id (the notification's UUID); the same on retries and replays,
      so a receiver de-duplicates on it.
    - ``type``: what happened, e.g. ``shipment.status_changed``; ``topic``: its group,
      the one endpoints subscribe to.
    - ``created``: when the platform created the event (UTC, ISO 8601).
    - ``api_version``: the envelope's version.
    - ``sequence``: grows with every event; events about one shipment are created in
      the order they happened to it, so a receiver orders them by ``sequence`` (not by
      arrival: retries and parallel deliveries arrive in any order).
    - ``data``: the event's facts (``title``, ``tracking_number``, ``order``, ``code`` …);
      ``data.occurred_at`` is when it happened (the event's own time when known).
      ``data.title`` is written in ``language`` (None: the active language): a delivery's
      in its endpoint's language as it is when sent (``delivery_body``); the codes and
      other facts are the same in every language.
    """
    data = notification.data if isinstance(notification.data, dict) else {}
    return {
        "id": str(notification.pk),
        "type": notification.kind,
        "topic": notification.topic,
        "created": _iso(notification.created_at),
        "api_version": API_VERSION,
        "sequence": notification.sequence,
        "data": {
            "title": title_of(notification, language),
            **data,
            "occurred_at": data.get("occurred_at") or _iso(notification.created_at),
        },
    }


def body_of(notification: Notification, language: str | None = None) -> bytes:
    return json.dumps(
        envelope(notification, language), separators=(",", ":"), ensure_ascii=False
    ).encode()


def delivery_envelope(delivery: WebhookDelivery) -> dict:
    """The envelope a delivery POSTs: its title in the endpoint's language."""
    return envelope(delivery.notification, delivery.endpoint.language)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The bytes a delivery POSTs, and signs: the same body, so the signature verifies."""
    return body_of(delivery.notification, delivery.endpoint.language)


def sign(body: bytes, secrets_: list[str], *, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with one ``v1`` per secret."""
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets_]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap after a rotation lasts."""
    keys = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        keys.append(endpoint.previous_secret)
    return keys


def verify_signature(
    header: str,
    body: bytes | str,
    secret: str,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when the ``Lorry-Signature`` header signs ``body`` (the raw request body) with
    ``secret`` at a time within ``tolerance`` seconds of ``now``. The receiver's side; the
    README shows it to copy."""
    if isinstance(body, str):
        body = body.encode()
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


# --- Queueing ---------------------------------------------------------------------------------


def enqueue(notifications) -> int:
    """Create a delivery per active endpoint wanting each notification's topic; send after commit.

    Called inside the transaction that created the notifications; one statement
    whatever their number. A notification given twice is delivered once. Returns
    the deliveries made.
    """
    notifications = list(notifications)
    if not notifications:
        return 0
    now = timezone.now()
    with connection.cursor() as cursor:
        # The member's webhook-channel topics as ``preferences.topics_by_member`` reads
        # them (no choice made: the defaults), joined in rather than fetched first.
        cursor.execute(
            f"""
            INSERT INTO {WebhookDelivery._meta.db_table}
                (endpoint_id, notification_id, status, attempts, next_attempt_at, created_at)
            SELECT e.id, n.id, %s, 0, %s, %s
            FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bigint[])
                AS n(id, member_id, topic, sequence)
            JOIN {WebhookEndpoint._meta.db_table} e
                ON e.member_id = n.member_id AND e.is_active AND n.topic = ANY(e.topics)
            LEFT JOIN {ChannelPreference._meta.db_table} p
                ON p.member_id = n.member_id AND p.channel = %s
            WHERE n.topic = ANY(COALESCE(p.topics, %s::varchar[]))
            ORDER BY n.sequence, e.id
            ON CONFLICT (endpoint_id, notification_id) DO NOTHING
            RETURNING id
            """,  # noqa: S608 — table names are constants; values are parameters
            [
                WebhookDelivery.Status.PENDING,
                now + GRACE,
                now,
                [str(n.pk) for n in notifications],
                [n.member_id for n in notifications],
                [n.topic for n in notifications],
                [n.sequence for n in notifications],
                Channel.WEBHOOK,
                list(DEFAULT_TOPICS[Channel.WEBHOOK]),
            ],
        )
        made = [(row[0], 0) for row in cursor.fetchall()]
    if made:
        transaction.on_commit(partial(_publish, made), robust=True)
    return len(made)


def _publish(deliveries: list[tuple[int, int]]) -> int:
    """Queue an attempt of each ``(delivery id, attempts made)``; a broker that is down leaves
    the rest to the sweep (their ``next_attempt_at`` is a grace period away)."""
    from tracking.notifications import tasks

    published = 0
    for delivery_id, attempts in deliveries:
        try:
            # No publish retries: the caller must not hang on a broker that is down.
            tasks.send_webhook.apply_async(
                kwargs={"delivery_id": delivery_id, "attempt": attempts},
                queue=settings.WEBHOOK_QUEUE,
                retry=False,
            )
        except Exception:
            logger.warning(
                "broker unavailable; %s webhook deliveries left to the sweep",
                len(deliveries) - published,
            )
            break
        published += 1
    return published


def deliveries_send_due(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Queue an attempt of every pending delivery due by ``now``; returns how many.

    Each is pushed a grace period ahead first, so a sweep running again before its
    task starts does not queue it twice (and a lost one is queued again then). Safe
    to overlap with itself: rows another sweep holds are skipped.
    """
    now = now or timezone.now()
    table = WebhookDelivery._meta.db_table
    queued = 0
    while queued < limit:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {table} d SET next_attempt_at = %s
                FROM (
                    SELECT id FROM {table}
                    WHERE status = %s AND next_attempt_at <= %s
                    ORDER BY next_attempt_at, id
                    LIMIT %s
                    FOR UPDATE SKIP LOCKED
                ) due
                WHERE d.id = due.id
                RETURNING d.id, d.attempts
                """,  # noqa: S608 — the table name is a constant; values are parameters
                [now + GRACE, WebhookDelivery.Status.PENDING, now, min(PUBLISH_BATCH, limit)],
            )
            due = sorted(cursor.fetchall())
        if not due:
            break
        queued += len(due)
        if _publish(due) < len(due):
            break
    return queued


# --- One attempt --------------------------------------------------------------------------------


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after ``attempts`` failed attempts: ``FIRST_WAIT`` doubling with each,
    at most ``LONGEST_WAIT``, drawn between half and all of that ("equal jitter")."""
    nominal = min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)
    return nominal * (rng or random).uniform(0.5, 1.0)


@dataclass(frozen=True)
class Outcome:
    """What one POST gave: the status code (None: no answer), latency, excerpt or error."""

    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever DNS answers next."""

    def __init__(self, host: str, port: int, *, address: tuple[int, tuple], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def _connect_socket(self) -> socket.socket:
        family, sockaddr = self._address
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            sock.close()
            raise
        return sock

    def connect(self):
        self.sock = self._connect_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def __init__(self, host: str, port: int, *, address: tuple[int, tuple], timeout: float):
        super().__init__(host, port, address=address, timeout=timeout)
        self._context = ssl.create_default_context()

    def connect(self):
        sock = self._connect_socket()
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return _("No answer within %(seconds)s s.") % {"seconds": f"{timeout:g}"}
    if isinstance(error, ConnectionRefusedError):
        return _("Connection refused.")
    if isinstance(error, ssl.SSLError):
        return _("TLS failed: %(reason)s") % {"reason": error.reason or error}
    if isinstance(error, http.client.HTTPException):
        return _("Not an HTTP answer: %(error)s") % {"error": error.__class__.__name__}
    return f"{error.__class__.__name__}: {error}"


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url`` once: the URL checked first and the checked address used, at most
    ``settings.WEBHOOK_TIMEOUT_SECONDS`` in all, no redirect followed (a 3xx is a failure)."""
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        addresses = validate_endpoint_url(url)
    except EndpointRefused as refused:
        return Outcome(None, elapsed_ms(), error=refused.message[:300])
    parts = urlsplit(url)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    link = kind(parts.hostname, port, address=addresses[0], timeout=timeout)
    try:
        link.request("POST", path, body=body, headers={**headers, "Connection": "close"})
        link.sock.settimeout(max(0.001, timeout - (time.monotonic() - started)))
        response = link.getresponse()
        latency = elapsed_ms()
        chunk = b""
        try:
            link.sock.settimeout(max(0.001, timeout - (time.monotonic() - started)))
            chunk = response.read(READ_LIMIT_BYTES)
        except (OSError, http.client.HTTPException):
            pass  # the status is in; the body is only for the log
        excerpt = chunk.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        error = ""
        if 300 <= response.status < 400:
            error = _("Redirects are not followed (Location: %(location)s).") % {
                "location": (response.getheader("Location") or "")[:200]
            }
        return Outcome(response.status, latency, excerpt, error[:300])
    except (OSError, http.client.HTTPException) as failure:
        return Outcome(None, elapsed_ms(), error=_describe(failure, timeout)[:300])
    finally:
        link.close()


def headers_for(delivery: WebhookDelivery, body: bytes, *, now: datetime) -> dict[str, str]:
    notification = delivery.notification
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Lorry-Event-Id": str(notification.pk),
        "Lorry-Event-Type": notification.kind,
        "Lorry-Delivery-Id": str(delivery.pk),
        "Lorry-Delivery-Attempt": str(delivery.attempts),
        SIGNATURE_HEADER: sign(
            body, signing_secrets(delivery.endpoint, now=now), timestamp=int(time.time())
        ),
    }


def delivery_attempt(*, delivery_id: int, attempt: int, now: datetime | None = None) -> str:
    """Make the attempt that follows ``attempt`` attempts, if it is still to be made.

    Returns ``delivered``, ``retrying``, ``failed`` (given up), ``waiting`` (not
    tried: its endpoint is down, see ``_waits_for_recovery``), or ``skipped`` when
    another task made it already or the delivery is no longer pending. ``now`` is
    when the attempt counts as made (the HTTP request itself is real).
    """
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, attempts=attempt
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + GRACE)
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("endpoint", "notification").get(
        pk=delivery_id
    )
    if not delivery.endpoint.is_active:
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING
        ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        return "skipped"
    if delivery.attempts == 1 and _waits_for_recovery(delivery, now=now):
        return "waiting"
    body = delivery_body(delivery)
    outcome = post(delivery.endpoint.url, body, headers_for(delivery, body, now=now))
    return _record(delivery, outcome, now=now)


@transaction.atomic(durable=True)
def _record(delivery: WebhookDelivery, outcome: Outcome, *, now: datetime) -> str:
    """Log the attempt and move the delivery and its endpoint on."""
    endpoint = delivery.endpoint
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )
    if outcome.delivered:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None
        )
        if endpoint.failing_since is not None:
            _recovered(endpoint, now=now)
        return "delivered"
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    deadline = delivery.created_at + RETRY_FOR
    gave_up_after = None
    if now >= deadline:
        status, next_at, result = WebhookDelivery.Status.FAILED, None, "failed"
        gave_up_after = delivery.attempt_log.order_by("attempted_at")[0].attempted_at
    else:
        next_at = min(now + retry_delay(delivery.attempts), deadline)
        status, result = WebhookDelivery.Status.PENDING, "retrying"
    # A delivery closed meanwhile (its endpoint disabled) stays closed.
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        status=status, next_attempt_at=next_at
    )
    if not _disable_if_failing(endpoint, now=now, gave_up_after=gave_up_after) and next_at:
        _note_retry(endpoint.pk, next_at, now=now)
    return result


# While an endpoint is down, the retries of the deliveries that failed probe it; deliveries
# never tried wait for one to get through rather than each adding its own attempts (and, for
# a receiver that does not answer, each holding a webhook worker for the whole timeout).


def _retry_key(endpoint_id: int) -> str:
    return f"webhooks:endpoint:{endpoint_id}:next-retry"


def _hint(operation, *args, **kwargs):
    """A cache call for the retry hint, which only saves attempts: when the cache (Redis) is
    down, it reads as no hint and writes nothing, instead of undoing the attempt's record."""
    try:
        return operation(*args, **kwargs)
    except (RedisError, OSError) as error:
        logger.warning("webhook retry hint unavailable: %s", error)
        return None


def _note_retry(endpoint_id: int, next_at: datetime, *, now: datetime) -> None:
    """Remember the endpoint's next retry (the soonest), until a little after it is due."""
    key, when = _retry_key(endpoint_id), next_at.timestamp()
    known = _hint(cache.get, key)
    if known is None or known <= now.timestamp() or when < known:
        _hint(cache.set, key, when, timeout=(next_at - now + GRACE).total_seconds())


def _waits_for_recovery(delivery: WebhookDelivery, *, now: datetime) -> bool:
    """Set aside a delivery about to be tried for the first time while its endpoint is failing
    and a retry will probe it: it waits, its attempt not counted, until a delivery gets through
    (``_recovered``) or else until its last chance a day after it was made."""
    endpoint = delivery.endpoint
    if endpoint.failing_since is None:
        return False
    probe_at = _hint(cache.get, _retry_key(endpoint.pk))
    last_chance = delivery.created_at + RETRY_FOR
    if probe_at is None or probe_at <= now.timestamp() or last_chance - now <= GRACE:
        return False
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=1
        ).update(attempts=0, next_attempt_at=last_chance)
    )


def _recovered(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    """A delivery got through: the endpoint is no longer failing, and every pending delivery
    waiting for later (set aside, or a retry) is sent now (by the sweep, within seconds)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
    _hint(cache.delete, _retry_key(endpoint.pk))
    WebhookDelivery.objects.filter(
        endpoint_id=endpoint.pk,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at__gt=now + GRACE,
    ).update(next_attempt_at=now)


def _disable_if_failing(
    endpoint: WebhookEndpoint, *, now: datetime, gave_up_after: datetime | None = None
) -> bool:
    """Disable an endpoint failing for a day, and tell its member once.

    Failing for a day: every attempt failed since ``failing_since``, for
    ``WEBHOOK_DISABLE_AFTER``; or a delivery was just given up (``gave_up_after``:
    its first attempt) and every attempt failed since that began, its whole day of
    retries. The endpoint's pending deliveries are given up with it (each can be
    replayed once it is enabled again).
    """
    from tracking.notifications.services import Tell, notify

    since = (
        WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .values_list("failing_since", flat=True)
        .first()
    )
    if since is None:
        return False
    whole_retry_period = gave_up_after is not None and since <= gave_up_after
    if now - since < settings.WEBHOOK_DISABLE_AFTER and not whole_retry_period:
        return False
    reason = _("Every attempt failed for a day, since %(since)s.") % {"since": _iso(since)}
    disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=reason[:300]
    )
    if not disabled:
        return False
    WebhookDelivery.objects.filter(
        endpoint_id=endpoint.pk, status=WebhookDelivery.Status.PENDING
    ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    data = {
        "endpoint_id": endpoint.pk,
        "url": endpoint.url,
        "failing_since": _iso(since),
        "reason": reason,
    }
    notify(
        [
            Tell(
                member_id=endpoint.member_id,
                topic=Topic.ACCOUNT,
                kind="webhook.endpoint_disabled",
                title=stored_title("webhook.endpoint_disabled", data),
                dedupe_key=f"webhook-disabled:{endpoint.pk}:{now.date().isoformat()}",
                data=data,
            )
        ]
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return True


# --- Reading ------------------------------------------------------------------------------------


def endpoints_of(*, member):
    """The member's endpoints, oldest first (none for a caller without a member)."""
    if member is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(member=member).order_by("created_at", "pk")


def deliveries_of(*, member, endpoint: WebhookEndpoint | None = None, status: str = ""):
    """Deliveries to the member's endpoints, newest first, with their event and attempts."""
    if member is None:
        return WebhookDelivery.objects.none()
    deliveries = WebhookDelivery.objects.filter(endpoint__member=member)
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    if status:
        deliveries = deliveries.filter(status=status)
    return (
        deliveries.select_related("endpoint", "notification")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")
    )


# --- Managing endpoints ---------------------------------------------------------------------


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _clean_topics(topics) -> list[str]:
    chosen = set(Topic.values if topics is None else topics)
    unknown = chosen - set(Topic.values)
    if unknown:
        raise ApplicationError(
            _("Unknown topics: %(topics)s.") % {"topics": ", ".join(sorted(unknown))},
            field="topics",
        )
    if not chosen:
        raise ApplicationError(_("Choose at least one topic."), field="topics")
    return [topic for topic in Topic.values if topic in chosen]


def unknown_language_message(language) -> str:
    """Why a language is refused, for the service, the portal form and the API alike."""
    return _("Unknown language “%(language)s”: choose one of %(languages)s.") % {
        "language": language,
        "languages": ", ".join(code for code, _name in settings.LANGUAGES),
    }


def _clean_language(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(
            unknown_language_message(language), code="unknown_language", field="language"
        )
    return language


@transaction.atomic(durable=True)
def endpoint_create(
    *,
    member,
    url: str,
    description: str = "",
    topics: list[str] | None = None,
    language: str | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint (all topics unless chosen); returns it and its secret, to show once.

    Its titles are written in ``language``, by default the usual language of the
    member's country (a Vietnamese carrier's system reads Vietnamese).
    """
    language = _clean_language(language or language_for_country(member.country))
    validate_endpoint_url(url)
    # The member's row is locked, so two creations at once cannot both pass the limit.
    Member.objects.select_for_update().filter(pk=member.pk).first()
    if WebhookEndpoint.objects.filter(member=member).count() >= MAX_ENDPOINTS_PER_MEMBER:
        raise ApplicationError(
            _("A member may have at most %(count)d webhook endpoints.")
            % {"count": MAX_ENDPOINTS_PER_MEMBER},
            code="too_many_endpoints",
        )
    secret = _new_secret()
    endpoint = WebhookEndpoint(
        member=member,
        url=url,
        description=description,
        topics=_clean_topics(topics),
        language=language,
        secret=secret,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


@transaction.atomic(durable=True)
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    description: str | None = None,
    topics: list[str] | None = None,
    language: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. Enabling clears the failure record; disabling gives up the
    pending deliveries (each can be replayed once enabled again)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not None and url != endpoint.url:
        validate_endpoint_url(url)
        endpoint.url = url
    if description is not None:
        endpoint.description = description
    if topics is not None:
        endpoint.topics = _clean_topics(topics)
    if language is not None:
        endpoint.language = _clean_language(language)
    if is_active is not None and is_active != endpoint.is_active:
        if is_active:
            validate_endpoint_url(endpoint.url)
            endpoint.failing_since, endpoint.disabled_reason = None, ""
        else:
            endpoint.disabled_reason = _("Disabled by the member.")
            WebhookDelivery.objects.filter(
                endpoint=endpoint, status=WebhookDelivery.Status.PENDING
            ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        endpoint.is_active = is_active
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic(durable=True)
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its deliveries and their log."""
    endpoint.delete()


@transaction.atomic(durable=True)
def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, overlap: timedelta = DEFAULT_OVERLAP, now: datetime | None = None
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret; the old one keeps signing too for ``overlap``.

    Every delivery during the overlap carries both signatures, so the receiver can
    switch to the new secret whenever it likes within it. A secret older than the
    one replaced stops at once. Returns the endpoint and the new secret, to show once.
    """
    if overlap < timedelta(0) or overlap > LONGEST_OVERLAP:
        raise ApplicationError(
            _("The overlap must be between 0 and %(hours)d hours.")
            % {"hours": int(LONGEST_OVERLAP.total_seconds() // 3600)},
            field="overlap_hours",
        )
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = _new_secret()
    if overlap:
        endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + overlap
    else:
        endpoint.previous_secret, endpoint.previous_secret_until = "", None
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint, secret


@transaction.atomic(durable=True)
def delivery_replay(*, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery again now, whatever its state, with the same event id.

    If that attempt fails, the schedule goes on from where it was: retries within
    24 hours of the delivery's creation, given up after.
    """
    now = now or timezone.now()
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .get(pk=delivery.pk)
    )
    if not delivery.endpoint.is_active:
        raise EndpointDisabled(
            _("The endpoint is disabled; enable it before replaying its deliveries.")
        )
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = now + GRACE
    delivery.save(update_fields=["status", "next_attempt_at"])
    transaction.on_commit(partial(_publish, [(delivery.pk, delivery.attempts)]), robust=True)
    return delivery
