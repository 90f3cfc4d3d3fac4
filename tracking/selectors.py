"""Reads of tracking: what anyone holding a tracking number may see.

``public_tracking`` answers the public tracking page and its JSON. It returns
plain dataclasses, not model instances, so a template or serializer cannot
reach a price, a party's contact, a document, a carrier's remarks, a receiver's
name or a declaration number by following a relation: they are never loaded.

Cost: a malformed number costs no query; otherwise at most three queries,
each an indexed lookup, whatever the length of the history:

1. the shipment by its unique tracking number, with its order's origin and
   destination, its booking and its ``ShipmentState`` (joins on primary keys);
2. its timeline through the ``(shipment, occurred_at)`` index, with each
   event's place;
3. the stops of its trip that it travels, through the ``(trip, sequence)``
   unique index, with their forecasts (skipped when the booking has no trip).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from orders.models import Shipment
from orders.tracking_numbers import is_valid_tracking_number, normalise
from scheduling.models import Location, TripStop
from tracking.codes import ARRIVALS, DEPARTURES, Code, Reason
from tracking.eta import describe
from tracking.models import TimelineEntry

# A place's ``local_name`` is written in its country's script; a visitor reading
# that language sees it, everyone else the romanised ``name``.
LOCAL_SCRIPT_LANGUAGE = {
    "CN": "zh",
    "HK": "zh",
    "MO": "zh",
    "TW": "zh",
    "VN": "vi",
    "TH": "th",
    "LA": "lo",
    "KH": "km",
    "MM": "my",
}
# Statuses after which the lorry has reached the shipment's destination stop.
AT_DESTINATION = frozenset({Code.ARRIVED_DESTINATION, Code.OUT_FOR_DELIVERY, Code.DELIVERED})
# Notes are free text from carriers and say nothing without it: never public.
PRIVATE_CODES = (Code.NOTE,)

_PLACE_FIELDS = (
    "name",
    "local_name",
    "unlocode",
    "country",
    "timezone",
    "kind",
    "latitude",
    "longitude",
)


def basis_text(basis) -> str:
    """A forecast's reasons (parts kept as data) in the active language; text is kept as is."""
    if basis is None or isinstance(basis, str):
        return basis or ""
    return describe(basis)


def _reason_label(reason: str) -> str:
    return str(Reason(reason).label) if reason in Reason.values else str(Reason.OTHER.label)


def _fields(prefix: str) -> list[str]:
    return [f"{prefix}__{field}" for field in _PLACE_FIELDS]


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

    @classmethod
    def of(cls, location: Location | None) -> Place | None:
        if location is None:
            return None
        return cls(
            name=location.name,
            local_name=location.local_name,
            unlocode=location.unlocode,
            country=str(location.country),
            timezone=location.timezone,
            kind=location.kind,
            latitude=location.latitude,
            longitude=location.longitude,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_border_gate(self) -> bool:
        return self.kind == Location.Kind.BORDER_GATE

    def label(self, language: str | None) -> str:
        """The name in the local script when the visitor reads that script's language."""
        wanted = LOCAL_SCRIPT_LANGUAGE.get(self.country)
        if self.local_name and wanted and (language or "").split("-")[0] == wanted:
            return self.local_name
        return self.name


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


def _shipment_row(tracking_number: str) -> Shipment | None:
    rows = (
        Shipment.objects.filter(tracking_number=tracking_number)
        .select_related("order__origin", "order__destination", "booking", "state")
        .only(
            "id",
            "tracking_number",
            "status",
            "status_at",
            "order__id",
            *_fields("order__origin"),
            *_fields("order__destination"),
            "booking__id",
            "booking__trip",
            "booking__first_leg",
            "booking__last_leg",
            "state__shipment",
            "state__eta",
            "state__eta_basis",
            "state__open_exceptions",
        )
        .order_by()  # the number is unique: no sort through the order's default ordering
    )
    return next(iter(rows[:1]), None)


def _shared_entries(shipment_id: int, *fields: str) -> list[TimelineEntry]:
    """A shipment's timeline without private entries, oldest first: one indexed query."""
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
            *fields,
        )
        .order_by("occurred_at", "id")
    )


def _timeline(shipment_id: int) -> list[TimelineEntry]:
    return _shared_entries(
        shipment_id, "event__trip", "event__stop_sequence", *_fields("event__location")
    )


def _trip_stops(trip_id: int, first: int, last: int) -> list[TripStop]:
    return list(
        TripStop.objects.filter(trip_id=trip_id, sequence__gte=first, sequence__lte=last)
        .select_related("location", "forecast")
        .only(
            "id",
            "sequence",
            "planned_arrival",
            "planned_departure",
            "actual_arrival",
            "actual_departure",
            *_fields("location"),
            "forecast__stop",
            "forecast__expected_arrival",
            "forecast__expected_departure",
            "forecast__basis",
        )
        .order_by("sequence")
    )


def _forecast(stop: TripStop):
    try:
        return stop.forecast
    except TripStop.forecast.RelatedObjectDoesNotExist:
        return None


def _state(shipment: Shipment):
    try:
        return shipment.state
    except Shipment.state.RelatedObjectDoesNotExist:
        return None


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
    stops: list[TripStop], entries: list[TimelineEntry], *, trip_id: int, status: str
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
        event = entry.event
        if event.trip_id != trip_id or event.stop_sequence is None:
            continue
        # A crossing is posted at a gate of the crossing: the lorry has been there.
        if entry.code in ARRIVALS or entry.code in DEPARTURES or entry.code == Code.CROSSED_BORDER:
            reached.add(event.stop_sequence)
        if entry.code in DEPARTURES:
            left.add(event.stop_sequence)
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
        forecast = _forecast(stop)
        if last_reached is None or stop.sequence > last_reached:
            state = RouteStop.UPCOMING
        elif stop.sequence == last_reached:
            state = RouteStop.CURRENT
        else:
            state = RouteStop.PASSED
        route.append(
            RouteStop(
                sequence=stop.sequence,
                place=Place.of(stop.location),
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


def _arrival_entry(entries: list[TimelineEntry]) -> dt.datetime | None:
    return next(
        (entry.occurred_at for entry in entries if entry.code == Code.ARRIVED_DESTINATION), None
    )


def public_tracking(tracking_number: str) -> PublicTracking | None:
    """The public view of one shipment, or None for a malformed or unknown number.

    A number whose check digit fails never reaches the database.
    """
    number = normalise(tracking_number or "")
    if not is_valid_tracking_number(number):
        return None
    shipment = _shipment_row(number)
    if shipment is None:
        return None
    entries = _timeline(shipment.pk)
    booking = shipment.booking
    trip_id = booking.trip_id
    stops = []
    if trip_id is not None and booking.first_leg is not None:
        last = (booking.last_leg if booking.last_leg is not None else booking.first_leg) + 1
        stops = _trip_stops(trip_id, booking.first_leg, last)
    order = shipment.order
    origin, destination = Place.of(order.origin), Place.of(order.destination)
    status = shipment.status

    if stops:
        route = _route(stops, entries, trip_id=trip_id, status=status)
    else:
        route = [RouteStop(sequence=1, place=origin), RouteStop(sequence=2, place=destination)]
        if status in AT_DESTINATION:
            route = [
                RouteStop(sequence=1, place=origin, state=RouteStop.PASSED, departed=True),
                RouteStop(sequence=2, place=destination, state=RouteStop.CURRENT),
            ]

    state = _state(shipment)
    eta, eta_basis, eta_source = None, None, ""
    arrived_at = delivered_at = None
    final = stops[-1] if stops else None
    if status == Code.DELIVERED:
        delivered_at = shipment.status_at
    elif status in AT_DESTINATION:
        arrived_at = (final.actual_arrival if final else None) or _arrival_entry(entries)
    elif status != Code.CANCELLED:
        if state is not None and state.eta is not None:
            eta, eta_basis, eta_source = state.eta, state.eta_basis, "state"
        elif final is not None:
            forecast = _forecast(final)
            if forecast is not None:
                eta, eta_basis, eta_source = forecast.expected_arrival, forecast.basis, "forecast"
            else:
                eta, eta_source = final.planned_arrival, "timetable"

    return PublicTracking(
        tracking_number=shipment.tracking_number,
        status=status,
        status_at=shipment.status_at,
        origin=origin,
        destination=destination,
        eta=eta,
        eta_basis=eta_basis,
        eta_source=eta_source,
        arrived_at=arrived_at,
        delivered_at=delivered_at,
        waiting_for_departure=trip_id is None and status != Code.CANCELLED,
        open_exceptions=tuple(state.open_exceptions) if state is not None else (),
        timeline=tuple(
            TimelineItem(
                code=entry.code,
                reason=entry.event.reason,
                occurred_at=entry.occurred_at,
                utc_offset_minutes=entry.event.utc_offset_minutes,
                place=Place.of(entry.event.location),
            )
            for entry in entries
        ),
        route=tuple(route),
        has_trip=bool(stops),
    )


def epcis_entries(shipment_id: int) -> list[TimelineEntry]:
    """A shipment's timeline for the EPCIS export (notes left out), one indexed query."""
    return _shared_entries(
        shipment_id,
        "event__occurred_at",
        "event__received_at",
        "event__latitude",
        "event__longitude",
        "event__seals_intact",
        "event__location__id",
        "event__location__unlocode",
    )
