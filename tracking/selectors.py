"""Reads of tracking: what anyone holding a tracking number may see.

``public_tracking`` answers the public tracking page and its JSON. It returns
plain dataclasses, not model instances, so a template or serializer cannot
reach a price, a party's contact, a document, a carrier's remarks, a receiver's
name or a declaration number by following a relation: they are never loaded.

Cost: a malformed number costs no query; otherwise one statement
(``PUBLIC_SQL``) of indexed lookups, whatever the length of the history:

- the shipment by its unique tracking number, with its order's origin and
  destination, its booking and its ``ShipmentState`` (joins on primary keys);
- its timeline through the ``(shipment, occurred_at)`` index, with each
  event's reason, offset and stop;
- the stops of its trip that it travels, through the ``(trip, sequence)``
  unique index, with their forecasts (none when the booking has no trip);
- the places all of these name.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from orders.models import Shipment
from orders.tracking_numbers import is_valid_tracking_number, normalise
from scheduling.models import Location
from scheduling.place_names import place_name
from tracking.codes import ARRIVALS, DEPARTURES, Code, Reason
from tracking.eta import describe
from tracking.models import TimelineEntry

# Statuses after which the lorry has reached the shipment's destination stop.
AT_DESTINATION = frozenset({Code.ARRIVED_DESTINATION, Code.OUT_FOR_DELIVERY, Code.DELIVERED})
# Notes are free text from carriers and say nothing without it: never public.
PRIVATE_CODES = (Code.NOTE,)


def basis_text(basis) -> str:
    """A forecast's reasons (parts kept as data) in the active language; text is kept as is."""
    if basis is None or isinstance(basis, str):
        return basis or ""
    return describe(basis)


def _reason_label(reason: str) -> str:
    return str(Reason(reason).label) if reason in Reason.values else str(Reason.OTHER.label)


@dataclass(frozen=True)
class Place:
    """A place on the network, as the public may see it."""

    name: str
    local_name: str
    unlocode: str
    country: str
    timezone: str
    kind: str
    latitude: Decimal
    longitude: Decimal

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_border_gate(self) -> bool:
        return self.kind == Location.Kind.BORDER_GATE

    def label(self, language: str | None) -> str:
        """The name in the local script when the visitor reads that script's language."""
        return place_name(
            name=self.name, local_name=self.local_name, country=self.country, language=language
        )


@dataclass(frozen=True)
class TimelineItem:
    """One entry of the shipment's timeline: what, why, when and where; nothing else."""

    code: str
    reason: str
    occurred_at: dt.datetime
    utc_offset_minutes: int
    place: Place | None

    @property
    def label(self) -> str:
        return str(Code(self.code).label)

    @property
    def reason_label(self) -> str:
        return _reason_label(self.reason) if self.reason else ""

    @property
    def zone(self) -> dt.tzinfo:
        """The place's zone; without a place, the offset the poster gave."""
        if self.place is not None:
            return self.place.zone
        return dt.timezone(dt.timedelta(minutes=self.utc_offset_minutes))

    @property
    def local(self) -> dt.datetime:
        return self.occurred_at.astimezone(self.zone)


@dataclass(frozen=True)
class RouteStop:
    """A stop of the shipment's route with its times (UTC) and where the lorry stands.

    ``state`` is ``passed`` (reached and left behind), ``current`` (the last stop
    reached) or ``upcoming``; ``departed`` says whether the lorry has left it.
    Times are empty on the fallback route of a shipment without a trip.
    """

    sequence: int
    place: Place
    state: str = "upcoming"
    departed: bool = False
    planned_arrival: dt.datetime | None = None
    planned_departure: dt.datetime | None = None
    actual_arrival: dt.datetime | None = None
    actual_departure: dt.datetime | None = None
    expected_arrival: dt.datetime | None = None
    expected_departure: dt.datetime | None = None

    PASSED = "passed"
    CURRENT = "current"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class PublicTracking:
    """Everything the public tracking page and JSON show for one shipment.

    ``eta`` is set while the shipment is on its way; ``arrived_at`` once the
    lorry reached the destination; ``delivered_at`` once delivered.
    ``eta_source`` says where the ETA comes from: ``state`` (the platform's
    estimate, with ``eta_basis``), ``forecast`` (the stop's forecast),
    ``timetable`` (the trip's planned arrival) or empty. ``eta_basis`` is kept
    as stored (reasons as data, or text) and read through ``eta_reason``.
    """

    tracking_number: str
    status: str
    status_at: dt.datetime
    origin: Place
    destination: Place
    eta: dt.datetime | None
    eta_basis: object
    eta_source: str
    arrived_at: dt.datetime | None
    delivered_at: dt.datetime | None
    waiting_for_departure: bool
    open_exceptions: tuple[str, ...]
    timeline: tuple[TimelineItem, ...]
    route: tuple[RouteStop, ...]
    has_trip: bool

    @property
    def eta_reason(self) -> str:
        """Why the ETA is what it is, in the active language ('' when there is nothing to say)."""
        return basis_text(self.eta_basis)

    @property
    def status_label(self) -> str:
        return str(Shipment.Status(self.status).label)

    @property
    def open_exception_labels(self) -> list[str]:
        return [_reason_label(reason) for reason in self.open_exceptions]

    @property
    def current_stop(self) -> RouteStop | None:
        return next((stop for stop in self.route if stop.state == RouteStop.CURRENT), None)

    @property
    def next_stop(self) -> RouteStop | None:
        """Where the lorry heads once it has left its current stop; None while it stands."""
        current = self.current_stop
        if current is None:
            return None
        if not current.departed:
            return None
        later = [stop for stop in self.route if stop.sequence > current.sequence]
        return later[0] if later else None


# The public view in one statement: the shipment with its order's places, booking and
# state; its public timeline; the stops it travels with their forecasts; and every place
# these name, as one JSON document. Through the ORM this was three queries whose
# compiling and model instances cost Python several times what PostgreSQL spends.
PUBLIC_SQL = """
WITH
  shipment AS (
    SELECT s.id, s.tracking_number, s.status, s.status_at, o.origin_id, o.destination_id,
           b.trip_id, b.first_leg, b.last_leg,
           st.eta, st.eta_basis, st.open_exceptions
      FROM orders_shipment s
      JOIN orders_order o ON o.id = s.order_id
      LEFT JOIN scheduling_booking b ON b.id = s.booking_id
      LEFT JOIN tracking_shipmentstate st ON st.shipment_id = s.id
     WHERE s.tracking_number = %(number)s),
  timeline AS (
    SELECT t.id, t.code, t.occurred_at, e.reason, e.utc_offset_minutes, e.location_id,
           e.trip_id, e.stop_sequence
      FROM tracking_timelineentry t
      JOIN tracking_trackingevent e ON e.id = t.event_id
     WHERE t.shipment_id = (SELECT id FROM shipment) AND t.code <> ALL(%(private)s)),
  stops AS (
    SELECT ts.sequence, ts.location_id, ts.planned_arrival, ts.planned_departure,
           ts.actual_arrival, ts.actual_departure, f.stop_id IS NOT NULL AS has_forecast,
           f.expected_arrival, f.expected_departure, f.basis
      FROM shipment sh
      JOIN scheduling_tripstop ts ON ts.trip_id = sh.trip_id
       AND ts.sequence BETWEEN sh.first_leg AND coalesce(sh.last_leg, sh.first_leg) + 1
      LEFT JOIN tracking_stopforecast f ON f.stop_id = ts.id)
SELECT json_build_object(
  'shipment', json_build_array(
    sh.tracking_number, sh.status, sh.status_at, sh.origin_id, sh.destination_id, sh.trip_id,
    sh.eta, sh.eta_basis, sh.open_exceptions),
  'timeline', (SELECT json_agg(json_build_array(code, reason, occurred_at, utc_offset_minutes,
                                                location_id, trip_id, stop_sequence)
                               ORDER BY occurred_at, id) FROM timeline),
  'stops', (SELECT json_agg(json_build_array(sequence, location_id, planned_arrival,
                                             planned_departure, actual_arrival, actual_departure,
                                             has_forecast, expected_arrival, expected_departure,
                                             basis)
                            ORDER BY sequence) FROM stops),
  'places', (SELECT json_object_agg(l.id, json_build_array(
                      l.name, l.local_name, l.unlocode, l.country, l.timezone, l.kind,
                      l.latitude::text, l.longitude::text))
               FROM scheduling_location l
              WHERE l.id IN (SELECT origin_id FROM shipment
                             UNION SELECT destination_id FROM shipment
                             UNION SELECT location_id FROM timeline
                             UNION SELECT location_id FROM stops)))::text
  FROM shipment sh
"""


def _moment(text: str | None) -> dt.datetime | None:
    """A time as PostgreSQL writes it in JSON: ISO 8601 with its UTC offset."""
    return dt.datetime.fromisoformat(text) if text is not None else None


@dataclass(frozen=True)
class _Forecast:
    expected_arrival: dt.datetime
    expected_departure: dt.datetime
    basis: object


@dataclass(frozen=True)
class _Stop:
    """A stop of the shipment's trip as loaded: its times, and the forecast if there is one."""

    sequence: int
    place: Place
    planned_arrival: dt.datetime | None
    planned_departure: dt.datetime | None
    actual_arrival: dt.datetime | None
    actual_departure: dt.datetime | None
    forecast: _Forecast | None


@dataclass(frozen=True)
class _Entry:
    """A public timeline entry, with the trip stop its event was posted at (for the route)."""

    item: TimelineItem
    trip_id: int | None
    stop_sequence: int | None


@dataclass(frozen=True)
class _Loaded:
    tracking_number: str
    status: str
    status_at: dt.datetime
    origin: Place
    destination: Place
    trip_id: int | None
    eta: dt.datetime | None
    eta_basis: object
    open_exceptions: tuple[str, ...]
    entries: list[_Entry]
    stops: list[_Stop]


def _load(tracking_number: str) -> _Loaded | None:
    with connection.cursor() as cursor:
        cursor.execute(PUBLIC_SQL, {"number": tracking_number, "private": list(PRIVATE_CODES)})
        row = cursor.fetchone()
    if row is None:
        return None
    document = json.loads(row[0])
    places = {
        int(pk): Place(name, local, unlocode, country, zone, kind, Decimal(lat), Decimal(lon))
        for pk, (name, local, unlocode, country, zone, kind, lat, lon) in (
            document["places"] or {}
        ).items()
    }
    (number, status, status_at, origin, destination, trip_id, eta, basis, open_) = document[
        "shipment"
    ]
    entries = [
        _Entry(
            TimelineItem(
                code=code,
                reason=reason,
                occurred_at=_moment(occurred_at),
                utc_offset_minutes=offset,
                place=places.get(location),
            ),
            trip_id=entry_trip,
            stop_sequence=sequence,
        )
        for code, reason, occurred_at, offset, location, entry_trip, sequence in (
            document["timeline"] or []
        )
    ]
    stops = [
        _Stop(
            sequence=sequence,
            place=places[location],
            planned_arrival=_moment(planned_arrival),
            planned_departure=_moment(planned_departure),
            actual_arrival=_moment(actual_arrival),
            actual_departure=_moment(actual_departure),
            forecast=_Forecast(_moment(expected_arrival), _moment(expected_departure), why)
            if has_forecast
            else None,
        )
        for (
            sequence,
            location,
            planned_arrival,
            planned_departure,
            actual_arrival,
            actual_departure,
            has_forecast,
            expected_arrival,
            expected_departure,
            why,
        ) in (document["stops"] or [])
    ]
    return _Loaded(
        tracking_number=number,
        status=status,
        status_at=_moment(status_at),
        origin=places[origin],
        destination=places[destination],
        trip_id=trip_id,
        eta=_moment(eta),
        eta_basis=basis,
        open_exceptions=tuple(open_ or ()),
        entries=entries,
        stops=stops,
    )


MOVING = frozenset(
    {
        Code.DEPARTED_ORIGIN,
        Code.ARRIVED_BORDER,
        Code.CROSSED_BORDER,
        Code.IMPORT_CLEARED,
        Code.ARRIVED_DESTINATION,
        Code.OUT_FOR_DELIVERY,
        Code.DELIVERED,
    }
)


def _route(
    stops: list[_Stop], entries: list[_Entry], *, trip_id: int, status: str
) -> list[RouteStop]:
    """The stops the shipment travels, each marked passed, current or to come.

    A stop is reached when the trip recorded an actual time there, when the
    timeline has a movement at it, or when the status says the lorry is past it.
    """
    reached, left = set(), set()
    for stop in stops:
        if stop.actual_arrival or stop.actual_departure:
            reached.add(stop.sequence)
        if stop.actual_departure:
            left.add(stop.sequence)
    for entry in entries:
        if entry.trip_id != trip_id or entry.stop_sequence is None:
            continue
        code = entry.item.code
        # A crossing is posted at a gate of the crossing: the lorry has been there.
        if code in ARRIVALS or code in DEPARTURES or code == Code.CROSSED_BORDER:
            reached.add(entry.stop_sequence)
        if code in DEPARTURES:
            left.add(entry.stop_sequence)
    sequences = [stop.sequence for stop in stops]
    # Export clearance may happen at inland customs before departure, so it says nothing
    # about the lorry; the statuses that do say it has left the first stop are these.
    if sequences and status in MOVING:
        reached.add(sequences[0])
        left.add(sequences[0])
    if sequences and status in AT_DESTINATION:
        reached.update(sequences)
    last_reached = max(reached & set(sequences), default=None)
    route = []
    for stop in stops:
        forecast = stop.forecast
        if last_reached is None or stop.sequence > last_reached:
            state = RouteStop.UPCOMING
        elif stop.sequence == last_reached:
            state = RouteStop.CURRENT
        else:
            state = RouteStop.PASSED
        route.append(
            RouteStop(
                sequence=stop.sequence,
                place=stop.place,
                state=state,
                departed=stop.sequence in left
                or (last_reached is not None and stop.sequence < last_reached),
                planned_arrival=stop.planned_arrival,
                planned_departure=stop.planned_departure,
                actual_arrival=stop.actual_arrival,
                actual_departure=stop.actual_departure,
                expected_arrival=forecast.expected_arrival if forecast else None,
                expected_departure=forecast.expected_departure if forecast else None,
            )
        )
    return route


def _arrival_entry(entries: list[_Entry]) -> dt.datetime | None:
    return next(
        (
            entry.item.occurred_at
            for entry in entries
            if entry.item.code == Code.ARRIVED_DESTINATION
        ),
        None,
    )


def public_tracking(tracking_number: str) -> PublicTracking | None:
    """The public view of one shipment, or None for a malformed or unknown number.

    A number whose check digit fails never reaches the database.
    """
    number = normalise(tracking_number or "")
    if not is_valid_tracking_number(number):
        return None
    loaded = _load(number)
    if loaded is None:
        return None
    stops, entries, status = loaded.stops, loaded.entries, loaded.status
    origin, destination = loaded.origin, loaded.destination

    if stops:
        route = _route(stops, entries, trip_id=loaded.trip_id, status=status)
    else:
        route = [RouteStop(sequence=1, place=origin), RouteStop(sequence=2, place=destination)]
        if status in AT_DESTINATION:
            route = [
                RouteStop(sequence=1, place=origin, state=RouteStop.PASSED, departed=True),
                RouteStop(sequence=2, place=destination, state=RouteStop.CURRENT),
            ]

    eta, eta_basis, eta_source = None, None, ""
    arrived_at = delivered_at = None
    final = stops[-1] if stops else None
    if status == Code.DELIVERED:
        delivered_at = loaded.status_at
    elif status in AT_DESTINATION:
        arrived_at = (final.actual_arrival if final else None) or _arrival_entry(entries)
    elif status != Code.CANCELLED:
        if loaded.eta is not None:
            eta, eta_basis, eta_source = loaded.eta, loaded.eta_basis, "state"
        elif final is not None:
            if final.forecast is not None:
                eta, eta_basis = final.forecast.expected_arrival, final.forecast.basis
                eta_source = "forecast"
            else:
                eta, eta_source = final.planned_arrival, "timetable"

    return PublicTracking(
        tracking_number=loaded.tracking_number,
        status=status,
        status_at=loaded.status_at,
        origin=origin,
        destination=destination,
        eta=eta,
        eta_basis=eta_basis,
        eta_source=eta_source,
        arrived_at=arrived_at,
        delivered_at=delivered_at,
        waiting_for_departure=loaded.trip_id is None and status != Code.CANCELLED,
        open_exceptions=loaded.open_exceptions,
        timeline=tuple(entry.item for entry in entries),
        route=tuple(route),
        has_trip=bool(stops),
    )


def epcis_entries(shipment_id: int) -> list[TimelineEntry]:
    """A shipment's timeline for the EPCIS export (notes left out), oldest first: one indexed
    query."""
    return list(
        TimelineEntry.objects.filter(shipment_id=shipment_id)
        .exclude(code__in=PRIVATE_CODES)
        .select_related("event__location")
        .only(
            "id",
            "code",
            "occurred_at",
            "event__id",
            "event__reason",
            "event__utc_offset_minutes",
            "event__occurred_at",
            "event__received_at",
            "event__latitude",
            "event__longitude",
            "event__seals_intact",
            "event__location__id",
            "event__location__unlocode",
        )
        .order_by("occurred_at", "id")
    )
