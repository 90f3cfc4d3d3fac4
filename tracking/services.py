"""Writes of tracking: store events durably (applying them is the workers' job) and positions.

Storing is one INSERT for a whole batch. The poster's ``event_id`` is unique per
member in the database, so a retry or a concurrent duplicate inserts nothing and
gets the stored event back. Applying is queued only after the commit
(``tracking.dispatch``); if the broker cannot take it, the event is stored all
the same and the sweeper (``tracking.tasks.sweep_unapplied_events``) applies it
later.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from config.observability import metrics
from tracking import dispatch
from tracking.models import TrackingEvent

COLUMNS = [
    ("member_id", "bigint"),
    ("posted_by_id", "bigint"),
    ("source", "text"),
    ("external_id", "text"),
    ("code", "text"),
    ("reason", "text"),
    ("occurred_at", "timestamptz"),
    ("utc_offset_minutes", "smallint"),
    ("received_at", "timestamptz"),
    ("trip_id", "bigint"),
    ("stop_sequence", "smallint"),
    ("shipment_id", "bigint"),
    ("location_id", "bigint"),
    ("latitude", "numeric"),
    ("longitude", "numeric"),
    ("declaration_number", "text"),
    ("receiver_name", "text"),
    ("signed_by", "text"),
    ("seals_intact", "boolean"),
    ("remarks", "text"),
]


@dataclass
class Stored:
    id: int
    external_id: str
    created: bool


def events_record(*, member, user, source: str, events: list[dict]) -> list[Stored]:
    """Store cleaned events (``tracking.validation.clean_event``), once each; queue applying.

    Returns, in the given order, each event's id and whether this call created it. The
    INSERT is one statement, atomic by itself, so no transaction is opened for it (a round
    trip per post saved); inside a caller's transaction, applying waits for its commit.
    """
    if not events:
        return []
    now = timezone.now()
    blank = dict.fromkeys(
        ("reason", "declaration_number", "receiver_name", "signed_by", "remarks"), ""
    )
    rows = [
        {
            **blank,
            **{name: value for name, value in event.items() if value is not None},
            "member_id": getattr(member, "pk", None),
            "posted_by_id": getattr(user, "pk", None) if hasattr(user, "email") else None,
            "source": source,
            "received_at": now,
        }
        for event in events
    ]
    names = ", ".join(name for name, _type in COLUMNS)
    typed = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO tracking_trackingevent ({names}, seal_numbers, photo)
            SELECT {names}, ARRAY(SELECT json_array_elements_text(v.seal_numbers)), ''
              FROM json_to_recordset(%s::json) AS v({typed}, seal_numbers json)
            ON CONFLICT (member_id, external_id) DO NOTHING
            RETURNING id, external_id
            """,  # noqa: S608 — column names are constants; values are parameters
            [_as_json(rows)],
        )
        created = {external_id: pk for pk, external_id in cursor.fetchall()}
    result: list[Stored] = []
    missing = [row["external_id"] for row in rows if row["external_id"] not in created]
    existing = {}
    if missing:
        existing = dict(
            TrackingEvent.objects.filter(
                member_id=getattr(member, "pk", None), external_id__in=missing
            ).values_list("external_id", "pk")
        )
    seen: set[str] = set()
    for row in rows:
        key = row["external_id"]
        if key in created and key not in seen:
            result.append(Stored(created[key], key, True))
        else:
            result.append(Stored(created.get(key) or existing.get(key), key, False))
        seen.add(key)
    new_ids = [stored.id for stored in result if stored.created]
    if new_ids:
        # Counted once stored for good (a caller's transaction may still roll back).
        transaction.on_commit(partial(metrics.EVENTS_STORED.inc, len(new_ids)), robust=True)
        transaction.on_commit(partial(dispatch.send, new_ids), robust=True)
    return result


def _as_json(rows: list[dict]) -> str:
    """The rows as one JSON array for ``jsonb_to_recordset``: one parameter for any number of
    events, where an array per column cost psycopg more to send than PostgreSQL to insert."""
    return json.dumps(
        [
            {
                **{name: row.get(name) for name, _type in COLUMNS},
                "seal_numbers": row.get("seal_numbers") or [],
            }
            for row in rows
        ],
        default=_json_value,
    )


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()  # in full: Django's encoder would drop the microseconds
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


def event_attach_photo(*, event_id: int, name: str, content) -> None:
    """Keep the proof-of-delivery photo with its event (posted with a single event only).

    ``name``'s extension is the one sniffed from the content (jpg or png). The stored name
    is random, so no path to a photo can be guessed from an event or a date.
    """
    event = TrackingEvent.objects.get(pk=event_id)
    extension = name.rsplit(".", 1)[-1].lower()
    event.photo.save(f"{uuid.uuid4().hex}.{extension}", content, save=True)


@transaction.atomic
def positions_record(*, trip_id: int, pings: list[dict]) -> int:
    """Store GPS pings of a trip; the same instant sent twice is stored once. Returns how many
    were new."""
    names = ["recorded_at", "latitude", "longitude", "speed_kmh", "heading", "temperature_c"]
    kinds = ["timestamptz", "numeric", "numeric", "numeric", "smallint", "numeric"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO tracking_position (trip_id, {", ".join(names)})
            SELECT %s, * FROM unnest({", ".join(f"%s::{kind}[]" for kind in kinds)})
            ON CONFLICT (trip_id, recorded_at) DO NOTHING
            """,  # noqa: S608 — column names are constants; values are parameters
            [trip_id, *[[ping.get(name) for ping in pings] for name in names]],
        )
        return cursor.rowcount


def unapplied_event_ids(*, older_than: datetime, limit: int = 5000) -> list[int]:
    return list(
        TrackingEvent.objects.filter(applied_at__isnull=True, received_at__lt=older_than)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
