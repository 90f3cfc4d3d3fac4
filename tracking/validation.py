"""The rules an event must meet, in one place for the API (single and bulk) and the portal.

Checking is split from looking up: a ``Scope`` loads, in a few set queries for a
whole batch, the trips, shipments and places an event may name for this poster;
``clean_event`` then checks one event in plain Python against it. So a bulk of
1,000 events costs the same handful of queries as one.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.text import postgresql_can_hold
from orders.constants import declaration_validator
from orders.tracking_numbers import normalise
from tracking.codes import (
    CODE_VALUES,
    NEEDS_DECLARATION,
    NEEDS_LOCATION,
    REASON_VALUES,
    SHIPMENT_CODES,
    TRIP_CODES,
    Code,
    Reason,
)

MAX_FUTURE = timedelta(minutes=10)
MAX_BULK = 1000  # events in one bulk request
MAX_POSITIONS = 1000  # GPS pings in one request


def photo_too_large(size: int) -> str | None:
    """Why a proof-of-delivery photo of ``size`` bytes is refused, in a person's units."""
    limit = settings.TRACKING_PHOTO_MAX_BYTES
    if size <= limit:
        return None
    said = {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    if said["size"] == said["limit"]:  # "1.0 MB; the limit is 1.0 MB" helps nobody: in bytes
        said = {name: _in_bytes(value) for name, value in (("size", size), ("limit", limit))}
    return _("The photo is %(size)s; the limit is %(limit)s.") % said


def _in_bytes(count: int) -> str:
    return (ngettext("%(size)d byte", "%(size)d bytes", count) % {"size": count}).replace(
        " ", "\xa0"
    )


MAX_REMARKS = 1000
MAX_EVENT_ID = 100


@dataclass
class TripInfo:
    id: int
    created_at: datetime
    stop_of_location: dict[int, int] = field(default_factory=dict)  # location id → sequence


@dataclass
class ShipmentInfo:
    id: int
    tracking_number: str
    created_at: datetime
    trip_id: int | None
    # Without a trip, the only places it can be: its order's origin and destination.
    ends: set[int] = field(default_factory=set)


@dataclass
class Scope:
    """What one poster may post events about, loaded once for a batch."""

    trips: dict[int, TripInfo]
    shipments: dict[str, ShipmentInfo]
    locations: dict[str, int]  # UN/LOCODE or id as text → location id
    location_trips: dict[int, TripInfo] = field(default_factory=dict)


# The poster's whole scope in one call: it runs on every event post. Staff see everything;
# a member sees trips of lines it operates, and shipments it placed or carries. The
# statement is a database function (migration tracking 0006) so that PostgreSQL plans it
# once per connection rather than on every post.
SCOPE_SQL = """
SELECT scope_kind, scope_id, scope_created, scope_text, scope_number
  FROM tracking_event_scope(%(trip_ids)s::bigint[], %(staff)s, %(member)s::bigint,
                            %(numbers)s::text[], %(codes)s::text[], %(ids)s::bigint[])
"""


BIGINT = 2**63


def load_scope(*, member, is_staff: bool, trip_ids, tracking_numbers, location_refs) -> Scope:
    """Trips the poster operates, shipments it carries or placed, and the places named."""
    refs = [str(ref) for ref in location_refs if ref]
    with connection.cursor() as cursor:
        cursor.execute(
            SCOPE_SQL,
            {
                "staff": is_staff,
                "member": getattr(member, "pk", None),
                # An id past bigint names no trip (and would fail the cast).
                "trip_ids": [
                    t for t in trip_ids if trip_id_of(t) is not None and -BIGINT < t < BIGINT
                ],
                "numbers": list(tracking_numbers),
                "codes": [ref.upper() for ref in refs if not is_location_id(ref)],
                "ids": [int(ref) for ref in refs if is_location_id(ref)],
            },
        )
        rows = cursor.fetchall()
    scope = Scope(trips={}, shipments={}, locations={})
    stops, ends = [], []
    for kind, pk, created, text, number in rows:
        if kind == "trip":
            scope.trips[pk] = TripInfo(pk, created)
        elif kind == "shipment":
            scope.shipments[text] = ShipmentInfo(pk, text, created, number)
        elif kind == "place":
            scope.locations[str(pk)] = pk
            if text:
                scope.locations[text] = pk
        elif kind == "end":
            ends.append((text, number))
        elif kind == "stop_trip":
            scope.location_trips[pk] = TripInfo(pk, created)
        else:
            stops.append((pk, int(text), number))
    # Every trip whose stops an event may need: its own, or its shipment's.
    for trip_id, location_id, sequence in stops:
        scope.location_trips[trip_id].stop_of_location[location_id] = sequence
    for tracking_number, location_id in ends:
        scope.shipments[tracking_number].ends.add(location_id)
    return scope


def location_ref(value) -> str:
    """A place as posted (UN/LOCODE in any case and spacing, or an id), as the scope keys it;
    "" (no place has it) for text PostgreSQL cannot hold."""
    if value is None or not _storable_text(str(value)):
        return ""
    return str(value).strip().upper().replace(" ", "")


def is_location_id(ref: str) -> bool:
    """ASCII digits only: ``"²".isdigit()`` is true, and ``int("²")`` fails."""
    return ref.isascii() and ref.isdigit() and len(ref) <= 18


def trip_id_of(value) -> int | None:
    """A trip id as JSON sends it: an integer, and not ``true`` (a bool is an int in Python)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Invalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _storable_text(value) -> bool:
    return isinstance(value, str) and postgresql_can_hold(value)


def _text(raw, name: str, limit: int) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not _storable_text(value):
        raise ValueError(_("Send text."))
    value = value.strip()
    if len(value) > limit:
        raise ValueError(_("At most %(limit)s characters.") % {"limit": limit})
    return value


def _when(value, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise ValueError(_("Send a date and time in ISO 8601, e.g. 2026-11-23T08:30:00+07:00."))
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            _("Not a date and time in ISO 8601, e.g. 2026-11-23T08:30:00+07:00.")
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(_("Give the UTC offset of the local time, e.g. +07:00 or Z."))
    if moment > now + MAX_FUTURE:
        raise ValueError(_("This is more than 10 minutes in the future."))
    return moment


def _coordinate(value, low: int, high: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("Send a number.")) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(_("Must be between %(low)s and %(high)s.") % {"low": low, "high": high})
    return number.quantize(Decimal("0.000001"))


def clean_event(
    raw,
    *,
    about_trip: int | None,
    about_shipment: str | None,
    scope: Scope,
    now: datetime | None = None,
) -> dict:
    """One event's fields ready for TrackingEvent, or ``Invalid`` with a message per field.

    ``about_trip`` / ``about_shipment`` is what the event is posted to; a trip or
    shipment outside the scope raises ``LookupError`` (the API answers 404).
    """
    now = now or timezone.now()
    if not isinstance(raw, dict):
        raise Invalid({"non_field_errors": [_("Each event is a JSON object.")]})
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def check(name, parse):
        try:
            return parse()
        except ValueError as error:
            errors.setdefault(name, []).append(str(error))
            return None

    trip = shipment = None
    if about_shipment is not None:
        shipment = scope.shipments.get(normalise(about_shipment))
        if shipment is None:
            raise LookupError(about_shipment)
    else:
        trip = scope.trips.get(about_trip)
        if trip is None:
            raise LookupError(about_trip)

    event_id = check("event_id", lambda: _text(raw, "event_id", MAX_EVENT_ID))
    if not event_id and "event_id" not in errors:
        errors["event_id"] = [_("Give your own id of this event, so a retry is not stored twice.")]
    allowed = SHIPMENT_CODES if shipment else TRIP_CODES
    code = raw.get("code")
    if not isinstance(code, str) or code not in CODE_VALUES:
        errors["code"] = [
            _("Unknown code. Use one of: %(codes)s.") % {"codes": ", ".join(sorted(allowed))}
        ]
        code = None  # the rules that depend on the code are not checked against nonsense
    elif code not in allowed:
        errors["code"] = [
            _("'%(code)s' is posted per trip, to /trips/{id}/events/.") % {"code": code}
            if shipment
            else _("'%(code)s' is posted per shipment, to /shipments/{tracking_number}/events/.")
            % {"code": code}
        ]
    reason = raw.get("reason")
    reason = "" if reason is None else reason
    if not isinstance(reason, str):  # never dropped: a resolution without one closes them all
        errors["reason"] = [
            _("Unknown reason. Use one of: %(reasons)s.") % {"reasons": ", ".join(Reason.values)}
        ]
        reason = ""
    elif code == Code.EXCEPTION and not reason:
        errors["reason"] = [
            _("An exception needs a reason: %(reasons)s.") % {"reasons": ", ".join(Reason.values)}
        ]
    elif reason and code is not None and code not in (Code.EXCEPTION, Code.EXCEPTION_RESOLVED):
        errors["reason"] = [_("A reason goes with exception and exception_resolved only.")]
    elif reason and reason not in REASON_VALUES:
        errors["reason"] = [
            _("Unknown reason. Use one of: %(reasons)s.") % {"reasons": ", ".join(Reason.values)}
        ]

    occurred_at = check("occurred_at", lambda: _when(raw.get("occurred_at"), now))
    if occurred_at is None and "occurred_at" not in errors:
        errors["occurred_at"] = [_("Say when it happened.")]
    existed = shipment.created_at if shipment else trip.created_at
    if occurred_at and occurred_at < existed:
        errors["occurred_at"] = [
            _("This is before the shipment existed.")
            if shipment
            else _("This is before the trip existed.")
        ]

    stops_trip = scope.location_trips.get(shipment.trip_id if shipment else trip.id)
    location_id = stop_sequence = None
    ref = raw.get("location")
    if ref not in (None, ""):
        location_id = scope.locations.get(location_ref(ref))
        if location_id is None:
            errors["location"] = [_("No place has this UN/LOCODE or id.")]
        elif stops_trip is not None:
            stop_sequence = stops_trip.stop_of_location.get(location_id)
            if stop_sequence is None:
                errors["location"] = [_("This place is not a stop of the trip's line.")]
        elif shipment is not None and location_id not in shipment.ends:
            errors["location"] = [
                _(
                    "The shipment is on no trip yet: it can only be at its origin or its "
                    "destination."
                )
            ]
    elif code in NEEDS_LOCATION:
        errors["location"] = [_("Say where: the UN/LOCODE or id of the stop.")]

    lat, lon = raw.get("latitude"), raw.get("longitude")
    if (lat is None) != (lon is None):
        errors["latitude" if lat is None else "longitude"] = [_("Send both coordinates or none.")]
    elif lat is not None:
        cleaned["latitude"] = check("latitude", lambda: _coordinate(lat, -90, 90))
        cleaned["longitude"] = check("longitude", lambda: _coordinate(lon, -180, 180))

    declaration = check("declaration_number", lambda: _text(raw, "declaration_number", 40))
    if code in NEEDS_DECLARATION and not declaration and "declaration_number" not in errors:
        errors["declaration_number"] = [_("Customs clearance carries the declaration number.")]
    elif declaration:
        try:
            declaration_validator(declaration)
        except Exception as error:  # noqa: BLE001 — a Django ValidationError with its message
            errors["declaration_number"] = list(getattr(error, "messages", [str(error)]))
    receiver = check("receiver_name", lambda: _text(raw, "receiver_name", 150))
    if code == Code.DELIVERED and not receiver and "receiver_name" not in errors:
        errors["receiver_name"] = [_("Say who received the goods.")]
    signed_by = check("signed_by", lambda: _text(raw, "signed_by", 150))
    seals = raw.get("seal_numbers")
    seals = [] if seals is None else seals
    # Checked whatever the code: a malformed field is refused, never silently dropped.
    if not isinstance(seals, list) or not all(_storable_text(seal) for seal in seals):
        errors["seal_numbers"] = [_("Send the seal numbers as a list of text.")]
        seals = []
    if raw.get("seals_intact") is not None and not isinstance(raw["seals_intact"], bool):
        errors["seals_intact"] = [_("Say whether the seals were intact: true or false.")]
    if code == Code.HANDOVER:
        if not [s for s in seals if s.strip()] and "seal_numbers" not in errors:
            errors["seal_numbers"] = [_("List the seal numbers that were checked.")]
        if not isinstance(raw.get("seals_intact"), bool):
            errors["seals_intact"] = [_("Say whether the seals were intact: true or false.")]
        if not signed_by and "signed_by" not in errors:
            errors["signed_by"] = [_("Say who signed for the handover.")]
    remarks = check("remarks", lambda: _text(raw, "remarks", MAX_REMARKS))

    if errors:
        raise Invalid(errors)
    cleaned.update(
        external_id=event_id,
        code=code,
        reason=reason,
        occurred_at=occurred_at,
        utc_offset_minutes=int(occurred_at.utcoffset().total_seconds() // 60),
        trip_id=trip.id if trip else shipment.trip_id,
        shipment_id=shipment.id if shipment else None,
        stop_sequence=stop_sequence,
        location_id=location_id,
        declaration_number=declaration or "",
        receiver_name=receiver or "",
        signed_by=signed_by or "",
        seal_numbers=[s.strip() for s in seals if s.strip()] if code == Code.HANDOVER else [],
        seals_intact=raw.get("seals_intact") if code == Code.HANDOVER else None,
        remarks=remarks or "",
    )
    return cleaned
