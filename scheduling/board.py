"""Reads for the schedule board pages, built on ``scheduling.selectors``.

What these return is open to every active member (lines, trip times, free
capacity) except ``trip_manifest``, whose bookings, vehicles and drivers the
caller shows only to the carrier operating the trip and to staff.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from scheduling import selectors
from scheduling.allocation import candidate_trips
from scheduling.models import Booking, Line, Location, Timetable, Trip, TripLeg, TripStop


def _percent(booked: str, capacity: str):
    return ExpressionWrapper(
        F(booked) * 100 / F(capacity), output_field=DecimalField(max_digits=7, decimal_places=2)
    )


def board_lines(
    *, corridor: str = "", direction: str = "", now: datetime | None = None
) -> QuerySet[Line]:
    """Active lines with their stops, carriers and the instant of their next departure."""
    now = now or timezone.now()
    next_trip = (
        Trip.objects.filter(line=OuterRef("pk"), departure_at__gte=now)
        .exclude(status=Trip.Status.CANCELLED)
        .order_by("departure_at")
    )
    rows = selectors.lines().annotate(
        next_departure=Subquery(next_trip.values("departure_at")[:1]),
        next_trip_id=Subquery(next_trip.values("pk")[:1]),
    )
    if corridor:
        rows = rows.filter(corridor=corridor)
    if direction:
        rows = rows.filter(direction=direction)
    return rows.order_by("code")


def line_departures(*, line: Line) -> QuerySet[Trip]:
    """The line's next departures with their load, earliest first."""
    return selectors.upcoming_trips(line=line).order_by("departure_at", "pk")


def next_departures(*, limit: int, now: datetime | None = None) -> list[Trip]:
    """The alliance's next departures on its active lines, earliest first, with their stops."""
    rows = selectors.upcoming_trips(now=now).filter(line__is_active=True)
    return list(rows.order_by("departure_at", "pk")[:limit])


def line_timetables(*, line: Line, today: date | None = None) -> QuerySet[Timetable]:
    """The line's timetables still in force today or later."""
    today = today or timezone.localdate()
    return (
        selectors.timetables()
        .filter(line=line)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("valid_from")
    )


def trip_legs_with_load(*, trip: Trip) -> QuerySet[TripLeg]:
    """The trip's legs in order, each with its load factor by weight and by volume in percent."""
    return (
        selectors.trip_legs(trip=trip)
        .annotate(
            load_kg_pct=_percent("booked_kg", "capacity_kg"),
            load_m3_pct=_percent("booked_m3", "capacity_m3"),
        )
        .order_by("sequence")
    )


def departures_with_room(
    *,
    origin: Location,
    destination: Location,
    ready_date: date,
    weight_kg: Decimal,
    volume_m3: Decimal,
    service_kind: str,
    limit: int = 10,
    now: datetime | None = None,
) -> list[Trip]:
    """The next open trips from origin to destination with room for the cargo, earliest first.

    Besides ``candidate_trips``' annotations (``origin_departure`` …), each trip
    carries ``destination_arrival`` and the room left on its tightest leg between
    the two places (``room_kg``, ``room_m3``).
    """
    legs_on_the_way = (
        TripLeg.objects.filter(
            trip=OuterRef("pk"),
            sequence__gte=OuterRef("origin_seq"),
            sequence__lt=OuterRef("destination_seq"),
        )
        .order_by()
        .values("trip")
    )
    arrival = TripStop.objects.filter(trip=OuterRef("pk"), location=destination)
    trips = candidate_trips(
        origin=origin,
        destination=destination,
        ready_date=ready_date,
        weight_kg=weight_kg,
        volume_m3=volume_m3,
        service_kind=service_kind,
        now=now,
    ).annotate(
        destination_arrival=Subquery(arrival.values("planned_arrival")[:1]),
        room_kg=Subquery(
            legs_on_the_way.annotate(room=Min(F("capacity_kg") - F("booked_kg"))).values("room")
        ),
        room_m3=Subquery(
            legs_on_the_way.annotate(room=Min(F("capacity_m3") - F("booked_m3"))).values("room")
        ),
    )
    return list(trips[:limit])


# --- The manifest (carrier and staff only) -----------------------------------


@dataclass
class ManifestStop:
    """One stop of a trip with the bookings that load and that drop there."""

    stop: TripStop
    loading: list[Booking] = field(default_factory=list)
    dropping: list[Booking] = field(default_factory=list)

    @property
    def loading_kg(self) -> Decimal:
        return sum((booking.weight_kg for booking in self.loading), Decimal(0))

    @property
    def loading_m3(self) -> Decimal:
        return sum((booking.volume_m3 for booking in self.loading), Decimal(0))

    @property
    def dropping_kg(self) -> Decimal:
        return sum((booking.weight_kg for booking in self.dropping), Decimal(0))

    @property
    def dropping_m3(self) -> Decimal:
        return sum((booking.volume_m3 for booking in self.dropping), Decimal(0))


@dataclass
class Manifest:
    trip: Trip
    legs: list[TripLeg]
    stops: list[ManifestStop]
    bookings: list[Booking]

    @property
    def total_kg(self) -> Decimal:
        return sum((booking.weight_kg for booking in self.bookings), Decimal(0))

    @property
    def total_m3(self) -> Decimal:
        return sum((booking.volume_m3 for booking in self.bookings), Decimal(0))

    @property
    def working_stops(self) -> list[ManifestStop]:
        """The stops where something is loaded or dropped."""
        return [stop for stop in self.stops if stop.loading or stop.dropping]


def trip_manifest(*, trip: Trip) -> Manifest:
    """The loading list of a trip: legs with vehicles and drivers, bookings by stop."""
    bookings = list(selectors.bookings_on_trip(trip=trip))
    stops = [ManifestStop(stop=stop) for stop in trip.stops.all()]
    by_location = {entry.stop.location_id: entry for entry in stops}
    for booking in bookings:
        if booking.origin_id in by_location:
            by_location[booking.origin_id].loading.append(booking)
        if booking.destination_id in by_location:
            by_location[booking.destination_id].dropping.append(booking)
    return Manifest(
        trip=trip,
        legs=list(trip_legs_with_load(trip=trip)),
        stops=stops,
        bookings=bookings,
    )
