"""Capacity: booking space on trips, never overbooking, whatever the concurrency.

Each booking occupies the legs between its origin stop and its destination stop
and must fit on every one of them. Locks are always taken in one order —
bookings (by id), then trips (by id), then legs (by trip, sequence) — so two
allocations never wait on each other in a circle; the database's check
constraint on every leg is the last line of defence.
"""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial, wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.errors import DeadlockDetected

from scheduling import tasks
from scheduling.exceptions import NotBookable
from scheduling.models import (
    Booking,
    BookingEvent,
    Line,
    LineStop,
    Location,
    ServiceKind,
    Trip,
    TripLeg,
    TripStop,
    VehicleType,
)
from scheduling.signals import booking_changed
from scheduling.timeutils import local_midnight

logger = logging.getLogger(__name__)

# --- Finding room (set-based: one query, whatever the number of trips) -------


def candidate_trips(
    *,
    origin: Location,
    destination: Location,
    ready_date: date,
    weight_kg: Decimal,
    volume_m3: Decimal,
    service_kind: str,
    now: datetime | None = None,
    exclude_trip_id: int | None = None,
) -> QuerySet[Trip]:
    """Open trips serving origin before destination, departing on/after the ready date, with room.

    Each trip is annotated with ``origin_seq``, ``destination_seq`` and
    ``origin_departure``; the earliest departure comes first.
    """
    now = now or timezone.now()
    horizon_end = now + timedelta(days=settings.SCHEDULING_HORIZON_DAYS)
    earliest = max(now, local_midnight(ready_date, origin.zone))
    # Two joins to the trip's stops, one at the origin and one at the destination,
    # let PostgreSQL start from the (location, planned_departure) index.
    trips = (
        Trip.objects.annotate(
            at_origin=FilteredRelation("stops", condition=Q(stops__location=origin)),
            at_destination=FilteredRelation("stops", condition=Q(stops__location=destination)),
        )
        .filter(
            status__in=Trip.BOOKABLE,
            booking_cutoff_at__gt=now,
            line__is_active=True,
            line__service_kinds__contains=[service_kind],
            at_origin__planned_departure__gte=earliest,
            at_origin__planned_departure__lt=horizon_end,
            at_destination__sequence__gt=F("at_origin__sequence"),
        )
        .annotate(
            origin_seq=F("at_origin__sequence"),
            origin_departure=F("at_origin__planned_departure"),
            destination_seq=F("at_destination__sequence"),
        )
    )
    legs_on_the_way = TripLeg.objects.filter(
        trip=OuterRef("pk"),
        sequence__gte=OuterRef("origin_seq"),
        sequence__lt=OuterRef("destination_seq"),
    )
    trips = trips.filter(
        ~Exists(
            legs_on_the_way.filter(
                Q(booked_kg__gt=F("capacity_kg") - weight_kg)
                | Q(booked_m3__gt=F("capacity_m3") - volume_m3)
            )
        )
    )
    if service_kind == ServiceKind.COLD_CHAIN:
        trips = trips.filter(~Exists(legs_on_the_way.exclude(vehicle_type=VehicleType.REEFER)))
    if exclude_trip_id:
        trips = trips.exclude(pk=exclude_trip_id)
    return trips.select_related("line").order_by("origin_departure", "pk")


def open_departures_for(booking: Booking, *, now: datetime) -> QuerySet[Trip]:
    """Trips the booking may go on by every rule but room: route, service, date, cut-off, reefer."""
    return candidate_trips(
        origin=booking.origin,
        destination=booking.destination,
        ready_date=booking.ready_date,
        weight_kg=Decimal(0),
        volume_m3=Decimal(0),
        service_kind=booking.service_kind,
        now=now,
    )


def waiting_reason(booking: Booking, *, now: datetime | None = None) -> str:
    """Why nothing fits: no line at all, no open departure, or only full ones."""
    now = now or timezone.now()
    serving_lines = Line.objects.filter(
        is_active=True, service_kinds__contains=[booking.service_kind]
    ).filter(
        Exists(
            LineStop.objects.filter(line=OuterRef("pk"), location=booking.destination).filter(
                sequence__gt=Subquery(
                    LineStop.objects.filter(
                        line=OuterRef(OuterRef("pk")), location=booking.origin
                    ).values("sequence")[:1]
                )
            )
        )
    )
    if not serving_lines.exists():
        return Booking.WaitingReason.NO_LINE
    if not open_departures_for(booking, now=now).exists():
        return Booking.WaitingReason.NO_DEPARTURE
    return Booking.WaitingReason.NO_ROOM


# --- Taking and giving back room ---------------------------------------------


def _lock_trips(trip_ids) -> dict[int, Trip]:
    ids = sorted({trip_id for trip_id in trip_ids if trip_id})
    return {
        trip.pk: trip for trip in Trip.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


def _locked_legs(trip_id: int, first: int, last: int) -> list[TripLeg]:
    return list(
        TripLeg.objects.select_for_update()
        .filter(trip_id=trip_id, sequence__gte=first, sequence__lte=last)
        .order_by("sequence")
    )


def _take_room(booking: Booking, trip: Trip, first: int, last: int, now: datetime) -> bool:
    """Book the legs if the trip is still open and every leg still has room (locks held)."""
    if trip.status not in Trip.BOOKABLE or trip.booking_cutoff_at <= now:
        return False
    legs = _locked_legs(trip.pk, first, last)
    if len(legs) != last - first + 1:
        return False
    for leg in legs:
        if (
            leg.booked_kg + booking.weight_kg > leg.capacity_kg
            or leg.booked_m3 + booking.volume_m3 > leg.capacity_m3
        ):
            return False
    TripLeg.objects.filter(pk__in=[leg.pk for leg in legs]).update(
        booked_kg=F("booked_kg") + booking.weight_kg,
        booked_m3=F("booked_m3") + booking.volume_m3,
    )
    booking.status = Booking.Status.ALLOCATED
    booking.trip = trip
    booking.first_leg, booking.last_leg = first, last
    booking.waiting_reason = ""
    booking.allocated_at = now
    return True


def _give_back_room(booking: Booking) -> None:
    """Return the booking's weight and volume to its legs (trip and legs locked by the caller)."""
    legs = _locked_legs(booking.trip_id, booking.first_leg, booking.last_leg)
    TripLeg.objects.filter(pk__in=[leg.pk for leg in legs]).update(
        booked_kg=F("booked_kg") - booking.weight_kg,
        booked_m3=F("booked_m3") - booking.volume_m3,
    )
    booking.status = Booking.Status.WAITING
    booking.trip = None
    booking.first_leg = booking.last_leg = None
    booking.allocated_at = None


_BOOKING_FIELDS = ["status", "trip", "first_leg", "last_leg", "waiting_reason", "allocated_at"]

# How many candidate trips to try before concluding the booking must wait; a
# candidate can fill up between the search and the lock.
MAX_ATTEMPTS = 5


class _NoRoom(Exception):
    """Rolls an attempt back to its savepoint, releasing the locks it took."""


def _place(booking: Booking, *, now: datetime, exclude_trip_id: int | None = None) -> Trip | None:
    """Put a locked, unallocated booking on the earliest trip with room; None if none fits.

    Each attempt runs in a savepoint: a trip that filled up since the search is
    unlocked again before the next is tried, so an allocation never holds two
    trips at once.
    """
    candidates = candidate_trips(
        origin=booking.origin,
        destination=booking.destination,
        ready_date=booking.ready_date,
        weight_kg=booking.weight_kg,
        volume_m3=booking.volume_m3,
        service_kind=booking.service_kind,
        now=now,
        exclude_trip_id=exclude_trip_id,
    ).values_list("pk", "origin_seq", "destination_seq")[:MAX_ATTEMPTS]
    for trip_id, origin_seq, destination_seq in candidates:
        try:
            with transaction.atomic():
                trip = _lock_trips([trip_id]).get(trip_id)
                if trip is None or not _take_room(
                    booking, trip, origin_seq, destination_seq - 1, now
                ):
                    raise _NoRoom  # full, closed, or removed since the search
                return trip
        except _NoRoom:
            continue
    return None


def _record(booking: Booking, action: str, *, trip=None, reason: str = "", actor=None) -> None:
    event = BookingEvent.objects.create(
        booking=booking, action=action, trip=trip, reason=reason, actor=actor
    )
    booking_changed.send(sender=BookingEvent, booking_event=event)


def _wait(booking: Booking, *, now: datetime, actor=None, reason_prefix: str = "") -> None:
    booking.status = Booking.Status.WAITING
    booking.waiting_reason = waiting_reason(booking, now=now)
    booking.save(update_fields=_BOOKING_FIELDS)
    reason = booking.get_waiting_reason_display()
    _record(
        booking,
        BookingEvent.Action.WAITLISTED,
        reason=f"{reason_prefix}{reason}" if reason_prefix else reason,
        actor=actor,
    )


# --- Services ---------------------------------------------------------------


def _validate_cargo(booking: Booking) -> None:
    """The booking's own rules, checked in Python: this is on the hot path of every order.

    Model.full_clean would spend a query per constraint and per foreign key that the
    caller already holds; the database constraints stay as the backstop.
    """
    booking.full_clean(
        exclude=["member", "origin", "destination"],
        validate_unique=False,
        validate_constraints=False,
    )
    errors = {}
    if booking.weight_kg <= 0:
        errors["weight_kg"] = _("The weight must be more than 0 kg.")
    if booking.volume_m3 <= 0:
        errors["volume_m3"] = _("The volume must be more than 0 m³.")
    if booking.origin_id == booking.destination_id:
        errors["destination"] = _("The destination must differ from the origin.")
    if Booking.objects.filter(member=booking.member, reference=booking.reference).exists():
        errors["reference"] = _("You already have a booking with this reference.")
    if errors:
        raise ValidationError(errors)


def retry_on_deadlock(func):
    """Run the whole transaction again if PostgreSQL broke a deadlock by aborting it.

    The fixed lock order should make this unreachable; it is the safety net that
    keeps a deadlock from ever reaching a user. Inside a caller's transaction
    nothing can be retried, so the error goes up to that caller.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        for attempt in range(DEADLOCK_RETRIES):
            try:
                return func(*args, **kwargs)
            except OperationalError as error:
                deadlock = isinstance(error.__cause__, DeadlockDetected)
                last = attempt == DEADLOCK_RETRIES - 1
                if not deadlock or last or transaction.get_connection().in_atomic_block:
                    raise
        raise AssertionError("unreachable")

    return wrapper


DEADLOCK_RETRIES = 3


@retry_on_deadlock
@transaction.atomic
def booking_create(
    *,
    member,
    reference: str,
    origin: Location,
    destination: Location,
    ready_date: date,
    weight_kg: Decimal,
    volume_m3: Decimal,
    service_kind: str,
    dangerous_goods: bool = False,
    actor=None,
) -> Booking:
    """Reserve space on the earliest suitable trip, or put the booking on the waiting list."""
    booking = Booking(
        member=member,
        reference=reference,
        origin=origin,
        destination=destination,
        ready_date=ready_date,
        weight_kg=weight_kg,
        volume_m3=volume_m3,
        service_kind=service_kind,
        dangerous_goods=dangerous_goods,
    )
    _validate_cargo(booking)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:  # the same reference sent twice at once
        raise ValidationError(
            {"reference": _("You already have a booking with this reference.")}
        ) from error
    now = timezone.now()
    trip = _place(booking, now=now)
    if trip is None:
        _wait(booking, now=now, actor=actor)
    else:
        booking.save(update_fields=_BOOKING_FIELDS)
        _record(booking, BookingEvent.Action.ALLOCATED, trip=trip, actor=actor)
    return booking


@retry_on_deadlock
@transaction.atomic
def booking_allocate(*, booking: Booking, actor=None) -> Booking:
    """Try again to place a waiting booking (the waiting list, first come first served)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.WAITING:
        return booking
    now = timezone.now()
    trip = _place(booking, now=now)
    if trip is None:
        new_reason = waiting_reason(booking, now=now)
        if new_reason != booking.waiting_reason:
            booking.waiting_reason = new_reason
            booking.save(update_fields=["waiting_reason"])
        return booking
    booking.save(update_fields=_BOOKING_FIELDS)
    _record(booking, BookingEvent.Action.ALLOCATED, trip=trip, actor=actor)
    return booking


@retry_on_deadlock
@transaction.atomic
def booking_reallocate(*, booking: Booking, trip: Trip, actor=None, reason: str = "") -> Booking:
    """Move an allocated or waiting booking to a chosen trip (a dispatcher's decision)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == Booking.Status.RELEASED:
        raise NotBookable(_("This booking was released; make a new one."))
    if booking.trip_id == trip.pk:
        return booking
    stops = dict(
        TripStop.objects.filter(
            trip=trip, location__in=[booking.origin_id, booking.destination_id]
        ).values_list("location_id", "sequence")
    )
    origin_seq, destination_seq = stops.get(booking.origin_id), stops.get(booking.destination_id)
    if origin_seq is None or destination_seq is None or destination_seq <= origin_seq:
        raise NotBookable(
            _("This trip does not go from %(origin)s to %(destination)s.")
            % {"origin": booking.origin.name, "destination": booking.destination.name},
            field="trip",
        )
    if booking.service_kind not in trip.line.service_kinds:
        raise NotBookable(_("This trip's line does not offer the booking's service."), field="trip")
    now = timezone.now()
    # The same rules as automatic allocation, room aside (checked under the lock).
    if not open_departures_for(booking, now=now).filter(pk=trip.pk).exists():
        raise NotBookable(
            _(
                "This trip cannot take the booking: it leaves before the ready date, is past "
                "its booking cut-off or no longer runs, or lacks a reefer the cargo needs."
            ),
            field="trip",
        )
    old_trip_id = booking.trip_id
    locked = _lock_trips([old_trip_id, trip.pk])
    if old_trip_id:
        _give_back_room(booking)
    if not _take_room(booking, locked[trip.pk], origin_seq, destination_seq - 1, now):
        raise NotBookable(
            _("This trip is closed for booking or has no room for %(kg)s kg / %(m3)s m³.")
            % {"kg": booking.weight_kg, "m3": booking.volume_m3},
            field="trip",
        )
    booking.save(update_fields=_BOOKING_FIELDS)
    _record(booking, BookingEvent.Action.REALLOCATED, trip=trip, reason=reason, actor=actor)
    if old_trip_id:
        transaction.on_commit(tasks.allocate_waiting_bookings.delay, robust=True)
    return booking


@retry_on_deadlock
@transaction.atomic
def booking_release(*, booking: Booking, actor=None, reason: str = "") -> Booking:
    """Give the booking's space back (a cancelled shipment); others waiting may then move in."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == Booking.Status.RELEASED:
        return booking
    had_room = booking.trip_id is not None
    if had_room:
        _lock_trips([booking.trip_id])
        _give_back_room(booking)
    booking.status = Booking.Status.RELEASED
    booking.waiting_reason = ""
    booking.save(update_fields=_BOOKING_FIELDS)
    _record(booking, BookingEvent.Action.RELEASED, reason=reason, actor=actor)
    if had_room:
        # First come, first served: those waiting on the same route get the room
        # right after the commit, before a new booking can take it; the rest of
        # the waiting list follows in the background.
        transaction.on_commit(partial(serve_waiting_on_route, booking=booking), robust=True)
        transaction.on_commit(tasks.allocate_waiting_bookings.delay, robust=True)
    return booking


@retry_on_deadlock
@transaction.atomic
def _leave_cancelled_trip(*, booking: Booking, actor=None) -> bool:
    """Take a booking off its cancelled trip and put it on the waiting list, saying why."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    cancelled = booking.trip
    if cancelled is None or cancelled.status != Trip.Status.CANCELLED:
        return False
    _lock_trips([cancelled.pk])
    _give_back_room(booking)
    booking.waiting_reason = Booking.WaitingReason.NO_ROOM
    booking.save(update_fields=_BOOKING_FIELDS)
    reason = _("Trip %(trip)s was cancelled: %(reason)s") % {
        "trip": cancelled,
        "reason": cancelled.cancellation_reason,
    }
    _record(booking, BookingEvent.Action.TRIP_CANCELLED, trip=cancelled, reason=reason, actor=actor)
    return True


def booking_rehome(*, booking: Booking, actor=None) -> Booking:
    """Move a booking off its cancelled trip to the next suitable one, or onto the waiting list.

    Two transactions, so that neither holds two trips out of order: leaving the
    cancelled trip, then the ordinary allocation.
    """
    if _leave_cancelled_trip(booking=booking, actor=actor):
        booking = booking_allocate(booking=booking, actor=actor)
    return booking


def trip_rehome_bookings(*, trip_id: int | None = None, actor=None) -> int:
    """Move bookings off cancelled trips (one trip, or all); each booking on its own.

    A booking that fails is logged and left for the next sweep, not the end of the run.
    """
    stranded = Booking.objects.filter(
        status=Booking.Status.ALLOCATED, trip__status=Trip.Status.CANCELLED
    )
    if trip_id is not None:
        stranded = stranded.filter(trip_id=trip_id)
    moved = 0
    for booking in stranded.order_by("created_at", "pk"):
        try:
            booking_rehome(booking=booking, actor=actor)
            moved += 1
        except Exception:
            logger.exception("booking %s could not leave its cancelled trip", booking.pk)
    return moved


def serve_waiting_on_route(*, booking: Booking) -> int:
    """Try the bookings waiting for the same route and service, oldest first."""
    placed = 0
    waiting = Booking.objects.filter(
        status=Booking.Status.WAITING,
        origin_id=booking.origin_id,
        destination_id=booking.destination_id,
        service_kind=booking.service_kind,
    ).order_by("created_at", "id")
    for candidate in waiting:
        if booking_allocate(booking=candidate).status == Booking.Status.ALLOCATED:
            placed += 1
    return placed


def bookings_allocate_waiting() -> int:
    """Give room to waiting bookings, first come first served; each in its own transaction.

    Every waiting booking is tried on every run, so old ones that cannot move
    (no line at all) never starve newer ones behind them.
    """
    placed = 0
    waiting = Booking.objects.filter(status=Booking.Status.WAITING).order_by("created_at", "id")
    for booking in waiting.iterator(chunk_size=500):
        if booking_allocate(booking=booking).status == Booking.Status.ALLOCATED:
            placed += 1
    return placed
