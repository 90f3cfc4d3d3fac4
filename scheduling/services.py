"""Writes of the scheduling app: the network, lines, timetables, the fleet and trips.

Bookings and capacity live in ``scheduling.allocation``.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling import tasks
from scheduling.exceptions import (
    CapacityTooSmall,
    InvalidStopPlan,
    InvalidTransition,
    PermitMissing,
    ScheduleConflict,
)
from scheduling.models import (
    Booking,
    BorderCrossing,
    Driver,
    Handover,
    Line,
    LineStop,
    Location,
    ServiceKind,
    Timetable,
    Trip,
    TripLeg,
    TripStop,
    Vehicle,
    VehiclePermit,
    VehicleType,
)
from scheduling.timeutils import hours, local_departure

# --- Network ----------------------------------------------------------------


@transaction.atomic
def location_upsert(*, country: str, name: str, **fields) -> Location:
    """Create the location or bring it up to date; keyed on country and name."""
    location = Location.objects.filter(country=country, name=name).first() or Location(
        country=country, name=name
    )
    for field, value in fields.items():
        setattr(location, field, value)
    location.full_clean()
    location.save()
    return location


@transaction.atomic
def border_crossing_upsert(*, name: str, gate_a: Location, gate_b: Location) -> BorderCrossing:
    crossing = BorderCrossing.objects.filter(name=name).first() or BorderCrossing(name=name)
    crossing.gate_a, crossing.gate_b = gate_a, gate_b
    crossing.full_clean()
    crossing.save()
    return crossing


def crossing_between(first: Location, second: Location) -> BorderCrossing | None:
    return (
        BorderCrossing.objects.filter(
            Q(gate_a=first, gate_b=second) | Q(gate_a=second, gate_b=first)
        )
        .select_related("gate_a", "gate_b")
        .first()
    )


# --- Lines ------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStop:
    location: Location
    arrival_offset_hours: Decimal
    dwell_hours: Decimal = Decimal(0)


def validate_stop_plan(stops: list[PlannedStop]) -> None:
    """Refuse a stop plan that is not a real cross-border route, saying which stop is wrong."""
    if len(stops) < 2:
        raise InvalidStopPlan(_("A line needs at least two stops."), field="stops")
    if stops[0].arrival_offset_hours != 0:
        raise InvalidStopPlan(_("The first stop is the departure: its offset must be 0."))
    seen = set()
    crosses_border = False
    for number, (previous, stop) in enumerate(zip(stops, stops[1:], strict=False), start=2):
        if stop.arrival_offset_hours < 0 or stop.dwell_hours < 0:
            raise InvalidStopPlan(
                _("Stop %(number)d: offsets and dwell times cannot be negative.")
                % {"number": number}
            )
        leaves_previous = previous.arrival_offset_hours + previous.dwell_hours
        if stop.arrival_offset_hours <= leaves_previous:
            raise InvalidStopPlan(
                _(
                    "Stop %(number)d (%(place)s) is reached at %(offset)s h, not after the "
                    "previous stop is left at %(left)s h; offsets must increase."
                )
                % {
                    "number": number,
                    "place": stop.location.name,
                    "offset": stop.arrival_offset_hours,
                    "left": leaves_previous,
                }
            )
        if previous.location.country != stop.location.country:
            crosses_border = True
            if crossing_between(previous.location, stop.location) is None:
                raise InvalidStopPlan(
                    _(
                        "%(first)s → %(second)s changes country but is not a known border "
                        "crossing; put the two gates of the crossing next to each other."
                    )
                    % {"first": previous.location.name, "second": stop.location.name}
                )
    for stop in stops:
        if stop.location.pk in seen:
            raise InvalidStopPlan(
                _("%(place)s appears twice on the line.") % {"place": stop.location.name}
            )
        seen.add(stop.location.pk)
    if not crosses_border:
        raise InvalidStopPlan(_("A line of the alliance crosses at least one border."))


@transaction.atomic
def line_upsert(
    *,
    code: str,
    name: str,
    corridor: str,
    direction: str,
    service_kinds: list[str],
    stops: list[PlannedStop],
    carriers=(),
    booking_cutoff_hours: int = 24,
) -> Line:
    """Create or update a line with its stops; stops are replaced only while no trip exists."""
    validate_stop_plan(stops)
    line = Line.objects.filter(code=code).first() or Line(code=code)
    line.name, line.corridor, line.direction = name, corridor, direction
    line.service_kinds = list(service_kinds)
    line.booking_cutoff_hours = booking_cutoff_hours
    line.full_clean()
    line.save()
    line.carriers.set(carriers)
    current = [
        (s.location_id, s.arrival_offset_hours, s.dwell_hours)
        for s in line.stops.order_by("sequence")
    ]
    wanted = [
        (s.location.pk, Decimal(s.arrival_offset_hours), Decimal(s.dwell_hours)) for s in stops
    ]
    if current != wanted:
        if line.trips.exists():
            raise InvalidStopPlan(
                _("This line already has trips; create a new line instead of changing its stops.")
            )
        line.stops.all().delete()
        LineStop.objects.bulk_create(
            LineStop(
                line=line,
                sequence=number,
                location=stop.location,
                arrival_offset_hours=stop.arrival_offset_hours,
                dwell_hours=stop.dwell_hours,
            )
            for number, stop in enumerate(stops, start=1)
        )
    return line


@transaction.atomic
def timetable_upsert(*, line: Line, valid_from: date, **fields) -> Timetable:
    timetable = Timetable.objects.filter(line=line, valid_from=valid_from).first() or Timetable(
        line=line, valid_from=valid_from
    )
    for field, value in fields.items():
        setattr(timetable, field, value)
    timetable.full_clean()
    timetable.save()
    return timetable


# --- Trips from timetables ---------------------------------------------------


def _trip_plan(line: Line) -> tuple[list[LineStop], dict[tuple[int, int], BorderCrossing]]:
    stops = list(line.stops.select_related("location").order_by("sequence"))
    crossings = {}
    for previous, stop in zip(stops, stops[1:], strict=False):
        if previous.location.country != stop.location.country:
            crossings[(previous.location_id, stop.location_id)] = crossing_between(
                previous.location, stop.location
            )
    return stops, crossings


def _create_trip(*, timetable: Timetable, departure_at: datetime, stops, crossings) -> Trip | None:
    line = timetable.line
    try:
        with transaction.atomic():
            trip = Trip.objects.create(
                line=line,
                timetable=timetable,
                departure_at=departure_at,
                booking_cutoff_at=departure_at - timedelta(hours=line.booking_cutoff_hours),
            )
    except IntegrityError:
        return None  # another timetable or a concurrent run made this departure already
    TripStop.objects.bulk_create(
        TripStop(
            trip=trip,
            sequence=stop.sequence,
            location=stop.location,
            planned_arrival=departure_at + hours(stop.arrival_offset_hours),
            planned_departure=departure_at + hours(stop.departure_offset_hours),
        )
        for stop in stops
    )
    TripLeg.objects.bulk_create(
        TripLeg(
            trip=trip,
            sequence=previous.sequence,
            origin=previous.location,
            destination=stop.location,
            border_crossing=crossings.get((previous.location_id, stop.location_id)),
            planned_start=departure_at + hours(previous.departure_offset_hours),
            planned_end=departure_at + hours(stop.arrival_offset_hours),
            vehicle_type=timetable.vehicle_type,
            capacity_kg=timetable.capacity_kg,
            capacity_m3=timetable.capacity_m3,
        )
        for previous, stop in zip(stops, stops[1:], strict=False)
    )
    return trip


def timetable_departures(timetable: Timetable, *, start: datetime, end: datetime) -> set[datetime]:
    """Departure instants the timetable asks for between two instants."""
    origin = timetable.line.stops.select_related("location").order_by("sequence").first()
    zone = origin.location.zone
    day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    wanted = set()
    while day <= last_day:
        in_validity = timetable.valid_from <= day and (
            timetable.valid_to is None or day <= timetable.valid_to
        )
        if in_validity and day.weekday() in timetable.weekdays:
            moment = local_departure(day, timetable.departure_time, zone)
            if start < moment <= end:
                wanted.add(moment)
        day += timedelta(days=1)
    return wanted


def _follow_timetable(timetable: Timetable, *, now: datetime, end: datetime) -> int:
    """One timetable's future trips, in one transaction; returns how many were created."""
    wanted = timetable_departures(timetable, start=now, end=end)
    # Lock the future planned trips (by id, the order allocation uses) before
    # deciding which hold no booking: an allocation in flight either finishes
    # first and is seen, or waits and then finds its trip gone or resized.
    future = list(
        Trip.objects.select_for_update()
        .filter(timetable=timetable, status=Trip.Status.PLANNED, departure_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    held = set(
        Booking.objects.filter(trip_id__in=future, status=Booking.Status.ALLOCATED).values_list(
            "trip_id", flat=True
        )
    )
    free = [pk for pk in future if pk not in held]
    Trip.objects.filter(pk__in=free, departure_at__lte=end).exclude(
        departure_at__in=wanted
    ).delete()
    TripLeg.objects.filter(trip_id__in=free, vehicle__isnull=True).exclude(
        capacity_kg=timetable.capacity_kg,
        capacity_m3=timetable.capacity_m3,
        vehicle_type=timetable.vehicle_type,
    ).update(
        capacity_kg=timetable.capacity_kg,
        capacity_m3=timetable.capacity_m3,
        vehicle_type=timetable.vehicle_type,
    )
    existing = set(
        Trip.objects.filter(line=timetable.line, departure_at__in=wanted).values_list(
            "departure_at", flat=True
        )
    )
    missing = sorted(wanted - existing)
    if not missing:
        return 0
    stops, crossings = _trip_plan(timetable.line)
    return sum(
        _create_trip(
            timetable=timetable, departure_at=departure_at, stops=stops, crossings=crossings
        )
        is not None
        for departure_at in missing
    )


def trips_generate(*, horizon_days: int | None = None, now: datetime | None = None) -> int:
    """Create the trips timetables ask for within the horizon; safe to run any number of times.

    Future planned trips that no booking holds follow their timetable: those it no
    longer asks for are removed and their capacity follows the timetable's. Trips
    holding bookings are never touched. Each timetable is its own transaction, so
    one that fails does not hold back the others.
    """
    now = now or timezone.now()
    end = now + timedelta(days=horizon_days or settings.SCHEDULING_HORIZON_DAYS)
    created = 0
    for timetable in Timetable.objects.filter(line__is_active=True).select_related("line"):
        with transaction.atomic():
            created += _follow_timetable(timetable, now=now, end=end)
    # New trips and larger legs may make room for bookings on the waiting list.
    transaction.on_commit(tasks.allocate_waiting_bookings.delay, robust=True)
    return created


# --- Trip state and legs -----------------------------------------------------


@transaction.atomic
def trip_transition(*, trip: Trip, status: str, reason: str = "") -> Trip:
    """Move a trip along planned → loading → departed → arrived → completed."""
    if status == Trip.Status.CANCELLED:
        raise InvalidTransition(_("Cancel a trip with the cancellation action, giving a reason."))
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if status not in Trip.TRANSITIONS[trip.status]:
        raise InvalidTransition(
            _("A %(current)s trip cannot become %(target)s.")
            % {
                "current": trip.get_status_display().lower(),
                "target": Trip.Status(status).label.lower(),
            }
        )
    trip.status = status
    trip.save(update_fields=["status"])
    return trip


@transaction.atomic
def trip_cancel(*, trip: Trip, actor=None, reason: str) -> Trip:
    """Cancel a trip; its bookings move to the next suitable trips right after the commit."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Say why the trip is cancelled."), code="reason_required")
    trip = Trip.objects.select_for_update().get(pk=trip.pk)
    if Trip.Status.CANCELLED not in Trip.TRANSITIONS[trip.status]:
        raise InvalidTransition(
            _("A %(current)s trip cannot be cancelled.")
            % {"current": trip.get_status_display().lower()}
        )
    trip.status = Trip.Status.CANCELLED
    trip.cancellation_reason = reason
    trip.save(update_fields=["status", "cancellation_reason"])
    # Frees the vehicles and drivers for other legs at the same time.
    trip.legs.update(is_cancelled=True)
    # robust: the cancellation stands even if the broker is down; the periodic
    # sweep of stranded bookings moves them later.
    transaction.on_commit(
        partial(
            tasks.rehome_cancelled_trip_bookings.delay,
            trip_id=trip.pk,
            actor_id=getattr(actor, "pk", None),
        ),
        robust=True,
    )
    return trip


def _leg_local_dates(leg: TripLeg) -> tuple[date, date]:
    """The calendar days a leg starts and ends on, where it starts and where it ends."""
    return (
        leg.planned_start.astimezone(leg.origin.zone).date(),
        leg.planned_end.astimezone(leg.destination.zone).date(),
    )


def _capacity_with(leg: TripLeg, vehicle: Vehicle | None) -> tuple[Decimal, Decimal, str]:
    """A leg's capacity and vehicle type once this vehicle is on it (or taken off it)."""
    if vehicle is not None:
        return vehicle.capacity_kg, vehicle.capacity_m3, vehicle.vehicle_type
    timetable = leg.trip.timetable
    if leg.vehicle_id and timetable is not None:
        # Without a vehicle the leg plans on the timetable's default again.
        return timetable.capacity_kg, timetable.capacity_m3, timetable.vehicle_type
    return leg.capacity_kg, leg.capacity_m3, leg.vehicle_type


def _carries_cold_chain(leg: TripLeg) -> bool:
    return Booking.objects.filter(
        trip_id=leg.trip_id,
        status=Booking.Status.ALLOCATED,
        service_kind=ServiceKind.COLD_CHAIN,
        first_leg__lte=leg.sequence,
        last_leg__gte=leg.sequence,
    ).exists()


def _permit_covers(vehicle: Vehicle, leg: TripLeg) -> bool:
    start, end = _leg_local_dates(leg)
    return VehiclePermit.objects.filter(
        vehicle=vehicle,
        crossings=leg.border_crossing,
        valid_from__lte=start,
        valid_until__gte=end,
    ).exists()


@transaction.atomic
def leg_assign(*, leg: TripLeg, vehicle: Vehicle | None, driver: Driver | None) -> TripLeg:
    """Put a carrier's vehicle and driver on a leg; the leg's capacity becomes the vehicle's."""
    leg = (
        TripLeg.objects.select_for_update(of=("self",))
        .select_related("trip__line", "trip__timetable", "border_crossing", "origin", "destination")
        .get(pk=leg.pk)
    )
    trip = leg.trip
    if trip.status not in (*Trip.BOOKABLE, Trip.Status.DEPARTED):
        raise InvalidTransition(_("Vehicles can only be assigned to trips that still run."))
    carriers = set(trip.line.carriers.values_list("pk", flat=True))
    for resource, label in ((vehicle, _("vehicle")), (driver, _("driver"))):
        if resource is not None and resource.carrier_id not in carriers:
            raise ScheduleConflict(
                _("This %(what)s does not belong to a carrier operating the line.")
                % {"what": label},
                field="vehicle" if resource is vehicle else "driver",
            )
    if vehicle is not None and leg.border_crossing_id and not _permit_covers(vehicle, leg):
        start, end = _leg_local_dates(leg)
        raise PermitMissing(
            _(
                "%(plate)s has no cross-border permit valid for %(crossing)s from "
                "%(start)s to %(end)s."
            )
            % {
                "plate": vehicle.plate,
                "crossing": leg.border_crossing.name,
                "start": start,
                "end": end,
            },
            field="vehicle",
        )
    capacity_kg, capacity_m3, vehicle_type = _capacity_with(leg, vehicle)
    if capacity_kg < leg.booked_kg or capacity_m3 < leg.booked_m3:
        raise CapacityTooSmall(
            _(
                "That leaves %(kg)s kg / %(m3)s m³, less than the %(booked_kg)s kg / "
                "%(booked_m3)s m³ already booked on this leg."
            )
            % {
                "kg": capacity_kg,
                "m3": capacity_m3,
                "booked_kg": leg.booked_kg,
                "booked_m3": leg.booked_m3,
            },
            field="vehicle",
        )
    if vehicle_type != VehicleType.REEFER and _carries_cold_chain(leg):
        raise CapacityTooSmall(
            _("Cold-chain cargo is booked on this leg; it needs a refrigerated vehicle."),
            field="vehicle",
        )
    grew = capacity_kg > leg.capacity_kg or capacity_m3 > leg.capacity_m3
    leg.capacity_kg, leg.capacity_m3, leg.vehicle_type = capacity_kg, capacity_m3, vehicle_type
    leg.vehicle, leg.driver = vehicle, driver
    try:
        with transaction.atomic():
            leg.save(
                update_fields=["vehicle", "driver", "capacity_kg", "capacity_m3", "vehicle_type"]
            )
    except IntegrityError as error:
        raise ScheduleConflict(
            _("This vehicle or driver is already on another leg at an overlapping time.")
        ) from error
    if grew:
        transaction.on_commit(tasks.allocate_waiting_bookings.delay, robust=True)
    return leg


def _vehicle_future_legs(vehicle: Vehicle):
    return TripLeg.objects.filter(
        vehicle=vehicle,
        is_cancelled=False,
        trip__status__in=[*Trip.BOOKABLE, Trip.Status.DEPARTED],
    )


def vehicle_change_problems(
    *, vehicle: Vehicle, capacity_kg: Decimal, capacity_m3: Decimal, vehicle_type: str
) -> dict[str, str]:
    """Why a vehicle's new size or type would not fit the legs it is already on, by field."""
    problems = {}
    if vehicle.pk is None:
        return problems
    legs = _vehicle_future_legs(vehicle)
    if legs.filter(booked_kg__gt=capacity_kg).exists():
        problems["capacity_kg"] = _("Cargo already booked on this vehicle's legs weighs more.")
    if legs.filter(booked_m3__gt=capacity_m3).exists():
        problems["capacity_m3"] = _("Cargo already booked on this vehicle's legs takes more room.")
    if vehicle_type != VehicleType.REEFER and any(_carries_cold_chain(leg) for leg in legs):
        problems["vehicle_type"] = _("Cold-chain cargo is booked on this vehicle's legs.")
    return problems


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, **fields) -> Vehicle:
    """Change a vehicle; the legs it is on take its new capacity, never below what is booked."""
    legs = list(
        _vehicle_future_legs(vehicle)
        .select_for_update(of=("self",))
        .order_by("trip_id", "sequence")
    )
    for field, value in fields.items():
        setattr(vehicle, field, value)
    problems = vehicle_change_problems(
        vehicle=vehicle,
        capacity_kg=vehicle.capacity_kg,
        capacity_m3=vehicle.capacity_m3,
        vehicle_type=vehicle.vehicle_type,
    )
    if problems:
        raise ValidationError(problems)
    vehicle.full_clean()
    vehicle.save()
    grew = any(
        vehicle.capacity_kg > leg.capacity_kg or vehicle.capacity_m3 > leg.capacity_m3
        for leg in legs
    )
    TripLeg.objects.filter(pk__in=[leg.pk for leg in legs]).update(
        capacity_kg=vehicle.capacity_kg,
        capacity_m3=vehicle.capacity_m3,
        vehicle_type=vehicle.vehicle_type,
    )
    if grew:
        transaction.on_commit(tasks.allocate_waiting_bookings.delay, robust=True)
    return vehicle


@transaction.atomic
def trip_stop_record_actual(
    *, stop: TripStop, arrival: datetime | None = None, departure: datetime | None = None
) -> TripStop:
    """Record when a trip really reached or left a stop (called by tracking, or staff)."""
    stop = TripStop.objects.select_for_update().get(pk=stop.pk)
    fields = []
    if arrival is not None:
        stop.actual_arrival = arrival
        fields.append("actual_arrival")
    if departure is not None:
        if (stop.actual_arrival or arrival) and departure < (stop.actual_arrival or arrival):
            raise ValidationError({"actual_departure": _("A lorry leaves after it arrives.")})
        stop.actual_departure = departure
        fields.append("actual_departure")
    if fields:
        stop.save(update_fields=fields)
    return stop


@transaction.atomic
def handover_record(
    *,
    trip: Trip,
    stop: TripStop,
    seal_numbers: list[str],
    seals_intact: bool,
    signed_by: str,
    occurred_at: datetime,
    recorded_by=None,
    remarks: str = "",
) -> Handover:
    """Record a trailer changing hands at a stop, with the seals checked."""
    if stop.trip_id != trip.pk:
        raise ValidationError({"stop": _("This stop is not on this trip.")})
    seals = [seal.strip() for seal in seal_numbers if seal.strip()]
    if not seals:
        raise ValidationError({"seal_numbers": _("List the seal numbers that were checked.")})
    handover = Handover(
        trip=trip,
        stop=stop,
        seal_numbers=seals,
        seals_intact=seals_intact,
        signed_by=signed_by.strip(),
        occurred_at=occurred_at,
        recorded_by=recorded_by,
        remarks=remarks,
    )
    handover.full_clean()
    handover.save()
    return handover
