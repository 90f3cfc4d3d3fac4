"""Reads of the scheduling app, each scoped to what the caller may see.

Locations, lines, timetables, trip times and free capacity are open to every
active member; bookings to the member that made them, the carriers operating
their line and staff; vehicles and drivers to their carrier and staff.
"""

from datetime import datetime

from django.db.models import DecimalField, ExpressionWrapper, F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from scheduling.models import (
    Booking,
    Driver,
    Line,
    LineStop,
    Location,
    Timetable,
    Trip,
    TripLeg,
    TripStop,
    Vehicle,
)


def _ratio(booked: str, capacity: str):
    return ExpressionWrapper(
        F(booked) * 100 / F(capacity), output_field=DecimalField(max_digits=7, decimal_places=2)
    )


def locations(*, kind: str = "", country: str = "", search: str = "") -> QuerySet[Location]:
    rows = Location.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if country:
        rows = rows.filter(country=country)
    if search:
        rows = rows.filter(
            Q(name__icontains=search) | Q(local_name__icontains=search) | Q(unlocode__iexact=search)
        )
    return rows


def lines() -> QuerySet[Line]:
    return Line.objects.filter(is_active=True).prefetch_related(
        Prefetch(
            "stops", queryset=LineStop.objects.select_related("location").order_by("sequence")
        ),
        "carriers",
    )


def timetables() -> QuerySet[Timetable]:
    return Timetable.objects.filter(line__is_active=True).select_related("line")


def trips() -> QuerySet[Trip]:
    """Trips with their load: the fullest leg by weight and by volume, in percent.

    Ordered explicitly: the aggregate groups the query, which drops Meta.ordering.
    """
    return (
        Trip.objects.select_related("line")
        .annotate(
            load_kg_pct=Max(_ratio("legs__booked_kg", "legs__capacity_kg")),
            load_m3_pct=Max(_ratio("legs__booked_m3", "legs__capacity_m3")),
        )
        .prefetch_related(
            Prefetch(
                "stops", queryset=TripStop.objects.select_related("location").order_by("sequence")
            ),
        )
        .order_by("departure_at", "pk")
    )


def trip_legs(*, trip: Trip) -> QuerySet[TripLeg]:
    return trip.legs.select_related("origin", "destination", "vehicle", "driver", "border_crossing")


def upcoming_trips(*, line: Line | None = None, now: datetime | None = None) -> QuerySet[Trip]:
    now = now or timezone.now()
    rows = trips().filter(departure_at__gte=now).exclude(status=Trip.Status.CANCELLED)
    return rows.filter(line=line) if line is not None else rows


def trips_operated_by(*, member) -> QuerySet[Trip]:
    return trips().filter(line__carriers=member)


def operates(*, member, trip: Trip) -> bool:
    return member is not None and trip.line.carriers.filter(pk=member.pk).exists()


def bookings_visible_to(*, member, is_staff: bool = False) -> QuerySet[Booking]:
    rows = Booking.objects.select_related("origin", "destination", "trip__line", "member")
    if is_staff:
        return rows
    if member is None:
        return rows.none()
    return rows.filter(Q(member=member) | Q(trip__line__carriers=member)).distinct()


def bookings_on_trip(*, trip: Trip) -> QuerySet[Booking]:
    return (
        trip.bookings.filter(status=Booking.Status.ALLOCATED)
        .select_related("origin", "destination", "member")
        .order_by("first_leg", "created_at")
    )


def vehicles_of(*, member, is_staff: bool = False) -> QuerySet[Vehicle]:
    rows = Vehicle.objects.select_related("carrier").prefetch_related("permits__crossings")
    return rows if is_staff else rows.filter(carrier=member)


def drivers_of(*, member, is_staff: bool = False) -> QuerySet[Driver]:
    rows = Driver.objects.select_related("carrier")
    return rows if is_staff else rows.filter(carrier=member)


def hide_other_carriers(legs, *, member, is_staff: bool = False) -> list[TripLeg]:
    """Legs as a co-operating carrier may see them: its own vehicles and drivers only.

    A line may have several operating carriers; each sees the other's lorry and
    driver only as "assigned" (``vehicle_hidden`` / ``driver_hidden``), never
    the plate, the name or the licence. The instances are for display only.
    """
    legs = list(legs)
    for leg in legs:
        leg.vehicle_hidden = leg.driver_hidden = False
        if is_staff:
            continue
        if leg.vehicle is not None and leg.vehicle.carrier_id != getattr(member, "pk", None):
            leg.vehicle, leg.vehicle_hidden = None, True
        if leg.driver is not None and leg.driver.carrier_id != getattr(member, "pk", None):
            leg.driver, leg.driver_hidden = None, True
    return legs


def load_level(percent) -> str:
    """A colour band for a load factor: plenty of room, filling up, nearly full."""
    if percent is None or percent < 60:
        return "low"
    if percent < 90:
        return "medium"
    return "high"
