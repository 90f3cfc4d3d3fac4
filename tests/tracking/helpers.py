"""Shipments put through milestones, for READ-SIDE tests only (tracking page, JSON, EPCIS).

This is fixture data, written straight into the tables the way applying events
leaves them: ``TrackingEvent`` and ``TimelineEntry`` rows, the trip's actual stop
times, ``Shipment.status`` and a ``ShipmentState``. It bypasses
``tracking.services`` and ``tracking.apply`` on purpose, so the read side can be
tested on exact, hand-picked histories; tests of recording and applying events
use the services. (These helpers may later switch to the real services.)
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from orders import services as order_services
from orders.models import Shipment
from scheduling.models import Location, TripStop
from tests.factories import MemberFactory
from tests.orders.helpers import cargo, place_order
from tracking.codes import ARRIVALS, DEPARTURES, STATUS_BEARING, TRIP_CODES, Code, Reason
from tracking.models import ShipmentState, TimelineEntry, TrackingEvent

CHINA_OFFSET = 8 * 60


@dataclass
class Step:
    """One milestone: ``hours`` after the trip's planned departure, at a stop or a place."""

    code: str
    hours: float
    stop: int | None = None  # the trip stop's sequence; its place unless ``location`` is given
    location: Location | None = None
    reason: str = ""
    remarks: str = ""
    receiver_name: str = ""
    declaration_number: str = ""
    seals_intact: bool | None = None


# Chongqing (1) → Youyiguan (2) | Huu Nghi (3) → Hanoi (4), the test line of tests.network.
JOURNEY = [
    Step(Code.BOOKED, -24),
    Step(Code.PICKED_UP, -4, stop=1, remarks="Collected at the shipper's gate 3"),
    Step(Code.DEPARTED_ORIGIN, 0, stop=1),
    Step(Code.ARRIVED_BORDER, 20, stop=2),
    Step(Code.EXPORT_CLEARED, 22, stop=2, declaration_number="530120261234567890"),
    Step(Code.CROSSED_BORDER, 24.5, stop=3),
    Step(Code.IMPORT_CLEARED, 26, stop=3, declaration_number="VN-IMP-104455667788"),
    Step(Code.ARRIVED_DESTINATION, 30, stop=4),
    Step(Code.OUT_FOR_DELIVERY, 31, stop=4),
    Step(Code.DELIVERED, 33, stop=4, receiver_name="Nguyễn Văn An", remarks="Left at dock 2"),
]


def journey_until(code: str) -> list[Step]:
    """The journey's steps up to and including ``code``."""
    codes = [step.code for step in JOURNEY]
    return JOURNEY[: codes.index(code) + 1]


def make_shipment(network, member=None, *, origin=None, destination=None) -> Shipment:
    """A submitted order's one shipment, booked on the earliest trip (needs trips and a tariff)."""
    order = place_order(
        network,
        member or MemberFactory(country="CN"),
        cargo_lines=[cargo(gross_kg=Decimal("1000"), volume_m3=Decimal("4"))],
        **({"origin": origin} if origin else {}),
        **({"destination": destination} if destination else {}),
    )
    order = order_services.order_submit(order=order)
    return order.shipments.select_related("booking__trip").get()


def _offset(location: Location | None, moment: datetime) -> int:
    if location is None:
        return CHINA_OFFSET
    return int(moment.astimezone(location.zone).utcoffset().total_seconds() // 60)


def put_through(
    shipment: Shipment,
    steps: list[Step],
    *,
    eta: datetime | None = None,
    eta_basis=None,
    open_exceptions: list[str] | None = None,
) -> list[TimelineEntry]:
    """Write the steps as applied events of the shipment (see the module's docstring)."""
    trip = shipment.booking.trip
    stops = {stop.sequence: stop for stop in TripStop.objects.filter(trip=trip)} if trip else {}
    start = trip.departure_at if trip else timezone.now()
    entries, latest, last_place, last_at = [], None, None, None
    for step in steps:
        stop = stops.get(step.stop) if step.stop else None
        location = step.location or (stop.location if stop else None)
        occurred_at = start + timedelta(hours=step.hours)
        per_trip = step.code in TRIP_CODES and stop is not None and step.code != Code.EXCEPTION
        event = TrackingEvent.objects.create(
            source=TrackingEvent.Source.SYSTEM,
            external_id=f"fixture-{uuid.uuid4()}",
            code=step.code,
            reason=step.reason,
            occurred_at=occurred_at,
            utc_offset_minutes=_offset(location, occurred_at),
            trip=trip if per_trip else None,
            stop_sequence=step.stop if per_trip else None,
            shipment=None if per_trip else shipment,
            location=location,
            declaration_number=step.declaration_number,
            receiver_name=step.receiver_name,
            remarks=step.remarks,
            seals_intact=step.seals_intact,
            applied_at=timezone.now(),
        )
        entries.append(
            TimelineEntry.objects.create(
                shipment=shipment, event=event, code=step.code, occurred_at=occurred_at
            )
        )
        if stop is not None and step.code in ARRIVALS:
            TripStop.objects.filter(pk=stop.pk).update(actual_arrival=occurred_at)
        if stop is not None and step.code in DEPARTURES:
            TripStop.objects.filter(pk=stop.pk).update(actual_departure=occurred_at)
        if step.code in STATUS_BEARING and (latest is None or occurred_at >= latest[1]):
            latest = (step.code, occurred_at)
        if last_at is None or occurred_at >= last_at:
            last_at, last_place = occurred_at, location or last_place
    if latest is not None:
        Shipment.objects.filter(pk=shipment.pk).update(status=latest[0], status_at=latest[1])
    opened = open_exceptions
    if opened is None:
        opened = _still_open(steps)
    state = {"eta": eta, "open_exceptions": opened, "last_event_at": last_at}
    if eta_basis is not None:
        state["eta_basis"] = eta_basis
    ShipmentState.objects.update_or_create(
        shipment=shipment, defaults={**state, "last_location": last_place}
    )
    shipment.refresh_from_db()
    return entries


def _still_open(steps: list[Step]) -> list[str]:
    opened: list[str] = []
    for step in steps:
        if step.code == Code.EXCEPTION and step.reason not in opened:
            opened.append(step.reason)
        elif step.code == Code.EXCEPTION_RESOLVED:
            opened = [reason for reason in opened if step.reason and reason != step.reason]
    return opened


def chatty(count: int, *, after: float = 1, reason: str = Reason.BORDER_CONGESTION) -> list[Step]:
    """``count`` more entries: exceptions opened and resolved in turn, half an hour apart."""
    return [
        Step(
            Code.EXCEPTION if number % 2 == 0 else Code.EXCEPTION_RESOLVED,
            after + number / 2,
            reason=reason,
            remarks=f"Queue report {number}",
        )
        for number in range(count)
    ]
