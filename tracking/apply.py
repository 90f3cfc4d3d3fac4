"""Applying stored events: timelines, statuses, trip stop times, handovers, ETA, exceptions.

Each batch runs in one transaction that also marks its events applied, so a
worker killed half-way leaves nothing half-done and the event is applied again
later; an applied event is skipped, so applying twice changes nothing.
Events are locked with SKIP LOCKED: two workers never apply the same one. A batch
then locks every trip it touches, in id order, before touching any shipment, so two
batches sharing shipments queue on their first shared trip instead of each locking some
of the shipments and waiting for the other's (a deadlock PostgreSQL resolves by failing
one of them); shipments waiting for a trip are locked themselves, after the trips.
Queued so, a batch sees every event applied before it, which the exception cases
(``tracking.cases``) are worked out from.

A trip event reaches every shipment on board at that point of the trip, in a
few set-based queries whatever their number, and means something per shipment:
the lorry reaching Hanoi is ``arrived_destination`` for cargo unloaded there and
``arrived_stop`` for cargo going on; leaving Nanning is ``departed_origin`` for
cargo loaded there. Statuses follow DESIGN.md through ``orders.services``.
"""

import json
import logging
from collections import defaultdict
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.observability import metrics
from orders.models import Shipment
from orders.services import shipments_advance
from scheduling import services as scheduling_services
from scheduling.models import Location, Trip, TripStop
from tracking import eta
from tracking.cases import cases_rework
from tracking.codes import ARRIVALS, DEPARTURES, STATUS_BEARING, Code
from tracking.models import TimelineEntry, TrackingEvent
from tracking.notifications import generate
from tracking.notifications.services import notify

logger = logging.getLogger(__name__)


def _on_board(event: TrackingEvent) -> list[tuple[int, str]]:
    """(shipment id, code for that shipment) for a trip event, from one query."""
    n = event.stop_sequence
    code = event.code
    if code in ARRIVALS:
        covers = "b.first_leg < %(n)s AND b.last_leg + 1 >= %(n)s"
    elif code in DEPARTURES or code == Code.HANDOVER:
        covers = "b.first_leg <= %(n)s AND b.last_leg >= %(n)s"
    elif code == Code.CROSSED_BORDER:
        # The crossing leg ends at the gate posted (the one entered) or starts at it.
        covers = "b.first_leg <= %(leg)s AND b.last_leg >= %(leg)s"
    elif n is not None:
        covers = "b.first_leg <= %(n)s AND b.last_leg + 1 >= %(n)s"
    else:
        covers = "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.id, b.first_leg, b.last_leg
              FROM orders_shipment s JOIN scheduling_booking b ON b.id = s.booking_id
             WHERE b.trip_id = %(trip)s AND b.status = 'allocated'
               AND s.status NOT IN ('delivered', 'cancelled') AND {covers}
            """,  # noqa: S608 — the condition is one of the constants above
            {"trip": event.trip_id, "n": n, "leg": _crossing_leg(event)},
        )
        rows = cursor.fetchall()
    border = event.location_id and event.location.kind == Location.Kind.BORDER_GATE
    meant = []
    for shipment_id, first_leg, last_leg in rows:
        effective = code
        if code in ARRIVALS:
            if last_leg + 1 == n:
                effective = Code.ARRIVED_DESTINATION
            else:
                effective = Code.ARRIVED_BORDER if border else Code.ARRIVED_STOP
        elif code in DEPARTURES:
            effective = Code.DEPARTED_ORIGIN if first_leg == n else Code.DEPARTED_STOP
        meant.append((shipment_id, effective))
    return meant


def _crossing_leg(event: TrackingEvent) -> int | None:
    """The leg between the two gates: it ends at the gate entered, or starts at the gate left."""
    if event.code != Code.CROSSED_BORDER or event.stop_sequence is None:
        return None
    crossing = event.trip.legs.filter(border_crossing__isnull=False).values_list(
        "sequence", flat=True
    )
    n = event.stop_sequence
    for leg in crossing:
        if leg in (n - 1, n):
            return leg
    return n - 1


def _at_the_end(trip: Trip) -> bool:
    """Whether the trip's arrival at its last stop is recorded."""
    last = trip.stops.order_by("-sequence").values_list("actual_arrival", flat=True).first()
    return last is not None


def _stop_times(event: TrackingEvent) -> None:
    """The trip's actual times at the stop, through scheduling's service."""
    if event.stop_sequence is None:
        return
    stop = TripStop.objects.filter(trip_id=event.trip_id, sequence=event.stop_sequence).first()
    if stop is None:
        return
    if event.code in ARRIVALS | DEPARTURES:
        # The trip as it is now, locked: an earlier event of the same batch may have moved it
        # since the batch loaded its events (each with its own copy of the trip).
        trip = Trip.objects.select_for_update().get(pk=event.trip_id)
    if event.code in ARRIVALS:
        if stop.actual_departure is None or stop.actual_departure >= event.occurred_at:
            scheduling_services.trip_stop_record_actual(stop=stop, arrival=event.occurred_at)
        if trip.status == Trip.Status.DEPARTED and _at_the_end(trip):
            scheduling_services.trip_transition(trip=trip, status=Trip.Status.ARRIVED)
    elif event.code in DEPARTURES:
        if stop.actual_arrival is None or stop.actual_arrival <= event.occurred_at:
            scheduling_services.trip_stop_record_actual(stop=stop, departure=event.occurred_at)
        if trip.status in Trip.BOOKABLE:
            trip = scheduling_services.trip_transition(trip=trip, status=Trip.Status.DEPARTED)
            if _at_the_end(trip):  # the arrival there was applied before this departure
                scheduling_services.trip_transition(trip=trip, status=Trip.Status.ARRIVED)
    elif event.code == Code.CROSSED_BORDER:
        leg = _crossing_leg(event)
        near = TripStop.objects.filter(trip_id=event.trip_id, sequence=leg).first()
        left_after_arriving = near is not None and (
            near.actual_arrival is None or near.actual_arrival <= event.occurred_at
        )
        if left_after_arriving and near.actual_departure is None:
            scheduling_services.trip_stop_record_actual(stop=near, departure=event.occurred_at)
    elif event.code == Code.HANDOVER:
        scheduling_services.handover_record(
            trip=event.trip,
            stop=stop,
            seal_numbers=event.seal_numbers,
            seals_intact=bool(event.seals_intact),
            signed_by=event.signed_by,
            occurred_at=event.occurred_at,
            recorded_by=event.posted_by,
            remarks=event.remarks,
        )


def _states(event: TrackingEvent, shipment_ids: list[int]) -> None:
    """Last event and last place of each shipment, in one statement."""
    if not shipment_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tracking_shipmentstate
                   (shipment_id, eta_basis, open_exceptions, last_event_at, last_location_id)
            SELECT id, '[]'::jsonb, '{}'::varchar[], %(at)s, %(location)s
              FROM unnest(%(ids)s::bigint[]) AS id
            ON CONFLICT (shipment_id) DO UPDATE SET
                last_event_at = GREATEST(
                    tracking_shipmentstate.last_event_at, EXCLUDED.last_event_at),
                last_location_id = CASE
                    WHEN %(location)s::bigint IS NOT NULL AND (
                        tracking_shipmentstate.last_event_at IS NULL
                        OR tracking_shipmentstate.last_event_at <= %(at)s)
                    THEN %(location)s::bigint
                    ELSE tracking_shipmentstate.last_location_id END
            """,
            {"ids": shipment_ids, "at": event.occurred_at, "location": event.location_id},
        )


def _eta_moves(trip: Trip, new_eta: dict[int, object]) -> list[tuple[int, object, object]]:
    """Shipments on the trip whose ETA moves by more than the threshold: (id, old, new)."""
    threshold = timedelta(minutes=settings.ETA_NOTIFY_THRESHOLD_MINUTES)
    rows = (
        Shipment.objects.filter(booking__trip=trip, booking__status="allocated")
        .exclude(status__in=["delivered", "cancelled"])
        .values_list("pk", "booking__last_leg", "state__eta")
    )
    moves = []
    for shipment_id, last_leg, old in rows:
        new = new_eta.get(last_leg + 1)
        if old is not None and new is not None and abs(new - old) >= threshold:
            moves.append((shipment_id, old, new))
    return moves


def refresh_forecast(trip: Trip) -> None:
    """Expected times at the stops ahead, and each shipment's ETA at its destination."""
    forecasts = {f.stop.sequence: f for f in eta.forecast_save(trip)}
    stops = {stop.sequence: stop for stop in trip.stops.all()}
    moves = _eta_moves(
        trip, {sequence: forecast.expected_arrival for sequence, forecast in forecasts.items()}
    )
    sequences, etas, bases = [], [], []
    for sequence, stop in stops.items():
        forecast = forecasts.get(sequence)
        sequences.append(sequence)
        if forecast is not None:
            etas.append(forecast.expected_arrival)
            bases.append(forecast.basis)
        else:  # already left: the stop's real arrival is the arrival
            etas.append(stop.actual_arrival or stop.planned_arrival)
            bases.append([])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tracking_shipmentstate
                   (shipment_id, eta, eta_basis, open_exceptions)
            SELECT s.id, v.eta, v.basis::jsonb, '{}'::varchar[]
              FROM orders_shipment s
              JOIN scheduling_booking b ON b.id = s.booking_id
              JOIN unnest(%s::int[], %s::timestamptz[], %s::text[]) AS v(seq, eta, basis)
                ON v.seq = b.last_leg + 1
             WHERE b.trip_id = %s AND b.status = 'allocated'
            ON CONFLICT (shipment_id) DO UPDATE SET eta = EXCLUDED.eta,
                                                     eta_basis = EXCLUDED.eta_basis
            """,
            [sequences, etas, [json.dumps(basis) for basis in bases], trip.pk],
        )
    basis_at = dict(zip(sequences, bases, strict=True))
    last_legs = dict(
        Shipment.objects.filter(pk__in=[sid for sid, _old, _new in moves]).values_list(
            "pk", "booking__last_leg"
        )
    )
    notify(
        generate.tells_for_eta_moves(
            moves, basis_of=lambda sid: basis_at.get(last_legs[sid] + 1, [])
        )
    )


def _apply_one(event: TrackingEvent, *, applied_before: list[int]) -> None:
    meant = [(event.shipment_id, event.code)] if event.shipment_id is not None else _on_board(event)
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                shipment_id=shipment_id, event=event, code=code, occurred_at=event.occurred_at
            )
            for shipment_id, code in meant
        ],
        ignore_conflicts=True,
    )
    shipments_advance(
        updates=[
            (shipment_id, code, event.occurred_at)
            for shipment_id, code in meant
            if code in STATUS_BEARING
        ]
    )
    _states(event, [shipment_id for shipment_id, _code in meant])
    cases_rework(event, visible=[*applied_before, event.pk])
    notify(generate.tells_for_event(event, meant))
    if event.shipment_id is None:
        _stop_times(event)


def _lock_subjects(events: list[TrackingEvent]) -> None:
    """Lock the trips of the batch's trip events and of its shipments' bookings, in id order,
    then the batch's shipments still waiting for a trip, in id order."""
    trip_ids = {event.trip_id for event in events if event.trip_id}
    shipment_ids = [event.shipment_id for event in events if event.shipment_id]
    travelling = list(
        Shipment.objects.filter(pk__in=shipment_ids).values_list("pk", "booking__trip_id")
    )
    trip_ids.update(trip_id for _pk, trip_id in travelling if trip_id)
    waiting = [pk for pk, trip_id in travelling if trip_id is None]
    list(Trip.objects.select_for_update().filter(pk__in=trip_ids).order_by("pk").values("pk"))
    if waiting:
        list(
            Shipment.objects.select_for_update().filter(pk__in=waiting).order_by("pk").values("pk")
        )


@transaction.atomic
def events_apply(*, event_ids: list[int]) -> int:
    """Apply the given events not applied yet, oldest first; returns how many were applied."""
    # Found by primary key alone, whether applied is checked on the locked rows: with
    # "applied_at IS NULL" in the query, PostgreSQL may walk the whole unapplied index (its
    # statistics lag behind a backlog after a broker outage) for every task of the backlog.
    locked = (
        TrackingEvent.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("trip", "location")
        .filter(pk__in=event_ids)
        .order_by("occurred_at", "id")
    )
    events = [event for event in locked if event.applied_at is None]
    if not events:
        return 0
    _lock_subjects(events)
    trips, applied = defaultdict(list), []
    for event in events:
        try:
            with transaction.atomic():
                _apply_one(event, applied_before=applied)
        except Exception:
            # Left unapplied: the sweeper tries again; the rest of the batch goes on.
            logger.exception("tracking event %s could not be applied", event.pk)
            continue
        applied.append(event.pk)
        if event.trip_id and event.shipment_id is None:
            trips[event.trip_id].append(event)
    for trip in Trip.objects.filter(pk__in=list(trips)):
        refresh_forecast(trip)
    TrackingEvent.objects.filter(pk__in=applied).update(applied_at=timezone.now())
    logger.info("applied %s of %s tracking events", len(applied), len(event_ids))
    if applied:
        transaction.on_commit(partial(metrics.EVENTS_APPLIED.inc, len(applied)), robust=True)
    return len(applied)
