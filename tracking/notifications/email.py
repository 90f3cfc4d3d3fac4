"""Email: one digest per member and shipment per short window, sent once.

A trip event fans out to every shipment on board; rather than a storm of
emails, each member gets one email per shipment listing everything it was
told about that shipment within ``EMAIL_DIGEST_WINDOW_SECONDS`` (orders and
platform notices, which have no shipment, share one digest per member).

- ``enqueue`` (inside the transaction that created the notifications) adds each
  notification whose member hears its topic by email to the member's open
  digest for the shipment, opening one due at the end of the window if there
  is none; the partial unique constraint keeps one open digest per member and
  shipment whatever the concurrency. After the commit, a task is queued to
  send each new digest when it is due; a broker that is down only logs.
- ``digest_send`` locks the digest, sends one email per language of its
  recipients (``language_of``: their own, else their company's country's), the
  titles in it too, and marks it sent in the same transaction: running it twice,
  or applying the same event twice, sends one email.
- ``digests_send_due`` (a periodic task) sends every digest due and unsent, so a
  lost task or a broker outage delays an email by a minute and loses none.
"""

import copy
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from alliance.languages import language_of
from config import l10n
from scheduling.models import Location
from tracking.notifications.models import Channel, EmailDigest, Notification
from tracking.notifications.preferences import email_recipients_of, topics_by_member
from tracking.notifications.titles import title_of

logger = logging.getLogger(__name__)

# Attempts at finding or opening the open digests: a digest being sent meanwhile is
# closed under our feet at most once per attempt.
OPEN_ATTEMPTS = 5


# --- Collecting ---------------------------------------------------------------------------------


def enqueue(notifications) -> int:
    """Add notifications to their member's open digest for the shipment; send when due.

    Called inside the transaction that created the notifications. Returns how
    many notifications were put in a digest.
    """
    notifications = list(notifications)
    if not notifications:
        return 0
    hearing = topics_by_member({n.member_id for n in notifications}, Channel.EMAIL)
    wanted = [n for n in notifications if n.topic in hearing[n.member_id]]
    if not wanted:
        return 0
    due_at = timezone.now() + timedelta(seconds=settings.EMAIL_DIGEST_WINDOW_SECONDS)
    digests, opened = _open_digests({(n.member_id, n.shipment_id) for n in wanted}, due_at)
    Through = EmailDigest.notifications.through
    Through.objects.bulk_create(
        [
            Through(emaildigest_id=digests[(n.member_id, n.shipment_id)], notification_id=n.pk)
            for n in wanted
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    if opened:
        transaction.on_commit(partial(_schedule, opened, due_at), robust=True)
    return len(wanted)


def _open_digests(pairs, due_at: datetime) -> tuple[dict, list[int]]:
    """The open digest of each (member, shipment) pair, opened where missing, locked in share
    mode until the commit so that no sender closes it under the notifications being added.

    Returns the digest id of each pair and the ids of the digests opened here.
    """
    table = EmailDigest._meta.db_table
    found: dict[tuple[int, int | None], int] = {}
    opened: list[int] = []
    for _attempt in range(OPEN_ATTEMPTS):
        missing = sorted(set(pairs) - found.keys(), key=lambda p: (p[0], p[1] or 0))
        if not missing:
            break
        members = [member_id for member_id, _shipment in missing]
        shipments = [shipment_id for _member, shipment_id in missing]
        with connection.cursor() as cursor:
            # In a steady order, so two transactions opening the same digests never deadlock.
            cursor.execute(
                f"""
                INSERT INTO {table} (member_id, shipment_id, due_at)
                SELECT k.member_id, k.shipment_id, %s
                FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY
                    AS k(member_id, shipment_id, position)
                ORDER BY k.position
                ON CONFLICT DO NOTHING
                RETURNING id
                """,  # noqa: S608 — the table name is a constant; values are parameters
                [due_at, members, shipments],
            )
            opened += [row[0] for row in cursor.fetchall()]
            # A digest being sent is waited for, then skipped if it was sent: its pair is
            # opened afresh on the next attempt.
            cursor.execute(
                f"""
                SELECT d.id, d.member_id, d.shipment_id
                FROM {table} d
                JOIN unnest(%s::bigint[], %s::bigint[]) AS k(member_id, shipment_id)
                    ON d.member_id = k.member_id
                    AND COALESCE(d.shipment_id, 0) = COALESCE(k.shipment_id, 0)
                WHERE d.sent_at IS NULL
                ORDER BY d.id
                FOR SHARE OF d
                """,  # noqa: S608 — the table name is a constant; values are parameters
                [members, shipments],
            )
            for digest_id, member_id, shipment_id in cursor.fetchall():
                found[(member_id, shipment_id)] = digest_id
    if set(pairs) - found.keys():
        raise RuntimeError(f"no open email digest after {OPEN_ATTEMPTS} attempts")
    return found, opened


def _schedule(digest_ids: list[int], due_at: datetime) -> None:
    """Queue sending each digest when it is due; a broker that is down leaves them to the sweep."""
    from tracking.notifications import email_tasks

    countdown = max(0.0, (due_at - timezone.now()).total_seconds())
    for digest_id in digest_ids:
        try:
            # No publish retries: a request must not hang on a broker that is down.
            email_tasks.send_email_digest.apply_async(
                kwargs={"digest_id": digest_id}, countdown=countdown, retry=False
            )
        except Exception:
            logger.warning(
                "broker unavailable; %s email digests left to the sweep", len(digest_ids)
            )
            return


# --- Sending ------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def digest_send(*, digest_id: int) -> int:
    """Send the digest if it is still open, and mark it sent; returns the emails sent.

    A digest locked by another sender, or by a transaction still adding to it, is
    skipped (0): the other sender sends it, or the sweep does once it is free.
    """
    digest = (
        EmailDigest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("member", "shipment")
        .filter(pk=digest_id, sent_at__isnull=True)
        .first()
    )
    if digest is None:
        return 0
    notifications = list(
        digest.notifications.select_related("shipment", "order").order_by("sequence")
    )
    # A suspended member hears nothing; its digest is closed all the same.
    recipients = email_recipients_of(digest.member) if digest.member.is_active else []
    messages = _messages(digest, notifications, recipients) if notifications else []
    if messages:
        get_connection().send_messages(messages)
    digest.sent_at = timezone.now()
    digest.save(update_fields=["sent_at"])
    return len(messages)


def due_digest_ids(*, before: datetime, limit: int = 5000) -> list[int]:
    """Open digests due before ``before``, oldest first (the partial unique index holds them)."""
    return list(
        EmailDigest.objects.filter(sent_at__isnull=True, due_at__lte=before)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def digests_send_due(*, grace_seconds: float = 0) -> int:
    """Send every digest due ``grace_seconds`` ago and still open; returns the emails sent.

    Safe to overlap with itself and with the per-digest tasks. A digest that fails
    (the mail server refusing) is logged and left open for the next sweep.
    """
    sent = 0
    before = timezone.now() - timedelta(seconds=grace_seconds)
    for digest_id in due_digest_ids(before=before):
        try:
            sent += digest_send(digest_id=digest_id)
        except Exception:
            logger.exception("email digest %s not sent; left for the next sweep", digest_id)
    return sent


# --- Rendering ----------------------------------------------------------------------------------


def _messages(digest: EmailDigest, notifications: list[Notification], recipients) -> list:
    """One email per language of the recipients, to everyone reading that language."""
    by_language = defaultdict(list)
    for user in recipients:
        by_language[language_of(user)].append(user.email)
    moments = local_moments(notifications)
    messages = []
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            context = _context(digest, _titled_in(notifications, language), moments)
            subject = render_to_string("tracking/email/digest_subject.txt", context)
            body = render_to_string("tracking/email/digest.txt", context)
        messages.append(
            EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=addresses)
        )
    return messages


def _titled_in(notifications: list[Notification], language: str) -> list[Notification]:
    """Copies of the notifications whose ``title`` is written in ``language``: the digest's
    templates (its subject too, for a single notification) read ``title``."""
    titled = []
    for notification in notifications:
        shown = copy.copy(notification)
        shown.title = title_of(notification, language)
        titled.append(shown)
    return titled


def _context(digest: EmailDigest, notifications: list[Notification], moments: dict) -> dict:
    return {
        "digest": digest,
        "member": digest.member,
        "shipment": digest.shipment,
        "count": len(notifications),
        "first": notifications[0],
        "rows": [
            {
                "notification": n,
                "when": format_moment(moments[n.pk]),
                "url": settings.SITE_URL + link_path(n),
            }
            for n in notifications
        ],
        "site_url": settings.SITE_URL,
        "list_url": settings.SITE_URL + reverse("notifications:list"),
        "settings_url": settings.SITE_URL + reverse("notifications:settings"),
    }


def local_moments(notifications) -> dict:
    """When what each notification tells happened, in the place's zone where it is known.

    Producers put ``occurred_at`` (ISO 8601) in ``data``, and the place as
    ``timezone`` (IANA), ``unlocode`` (a location of the network) or
    ``utc_offset_minutes`` (as posted); failing those, the notification's creation
    time in UTC. One query for the places, whatever the number of notifications.
    """
    notifications = list(notifications)
    unlocodes = {
        n.data["unlocode"]
        for n in notifications
        if isinstance(n.data, dict) and isinstance(n.data.get("unlocode"), str)
    } - {""}
    zones = (
        dict(Location.objects.filter(unlocode__in=unlocodes).values_list("unlocode", "timezone"))
        if unlocodes
        else {}
    )
    return {n.pk: _moment(n).astimezone(_zone(n, zones)) for n in notifications}


def _moment(notification: Notification) -> datetime:
    data = notification.data if isinstance(notification.data, dict) else {}
    moment = (
        parse_datetime(data["occurred_at"]) if isinstance(data.get("occurred_at"), str) else None
    )
    if moment is None or timezone.is_naive(moment):
        return notification.created_at
    return moment


def _zone(notification: Notification, zones: dict[str, str]) -> tzinfo:
    data = notification.data if isinstance(notification.data, dict) else {}
    for name in (data.get("timezone"), zones.get(data.get("unlocode"))):
        if isinstance(name, str) and (zone := _zone_named(name)) is not None:
            return zone
    offset = data.get("utc_offset_minutes")
    if isinstance(offset, int) and -18 * 60 < offset < 18 * 60:
        hours, minutes = divmod(abs(offset), 60)
        name = f"UTC{'-' if offset < 0 else '+'}{hours:02d}" + (
            f":{minutes:02d}" if minutes else ""
        )
        return dt_timezone(timedelta(minutes=offset), name)
    return UTC


def format_moment(local: datetime) -> str:
    """A local time written the reader's way, its zone named in their language ("Vietnam
    Time"; "GMT+08:00" where only the offset is known)."""
    moment = l10n.as_read(local, with_year=True)
    return f"{moment.text} {moment.zone}"


def link_path(notification: Notification) -> str:
    """The page the notification is about: its shipment, its order, or the list."""
    if notification.shipment_id is not None:
        return reverse(
            "shipments:detail", kwargs={"tracking_number": notification.shipment.tracking_number}
        )
    if notification.order_id is not None:
        return reverse("orders:detail", kwargs={"reference": notification.order.reference})
    return reverse("notifications:list")


def _zone_named(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
