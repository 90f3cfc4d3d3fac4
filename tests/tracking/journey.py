"""A trip under way for tracking tests: shipments booked on it, its times moved into the past.

Events may not be dated in the future nor before a shipment existed, so the
trip is moved to have left ``hours_ago`` and the shipments to have been booked
two days before; nothing else about them changes.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from orders import services
from orders.models import Order, Shipment
from scheduling.models import Trip, TripLeg, TripStop
from tests.factories import MemberFactory, api_key_for
from tests.orders.helpers import cargo, place_order
from tracking.models import TrackingEvent


@dataclass
class Journey:
    trip: Trip
    through: Shipment  # Chongqing → Hanoi
    to_border: Shipment  # Chongqing → Youyiguan
    from_border: Shipment  # Huu Nghi → Hanoi


def book_shipment(network, member, origin, destination, *, kg="1000", m3="4", **extra):
    order = place_order(
        network,
        member,
        origin=origin,
        destination=destination,
        cargo_lines=[cargo(gross_kg=Decimal(kg), volume_m3=Decimal(m3), **extra.pop("cargo", {}))],
        **extra,
    )
    return services.order_submit(order=order).shipments.get()


def move_trip_to_the_past(trip: Trip, *, hours_ago: float) -> None:
    shift = timezone.now() - timedelta(hours=hours_ago) - trip.departure_at
    Trip.objects.filter(pk=trip.pk).update(
        departure_at=F("departure_at") + shift,
        booking_cutoff_at=F("booking_cutoff_at") + shift,
        created_at=timezone.now() - timedelta(days=3),
    )
    TripStop.objects.filter(trip=trip).update(
        planned_arrival=F("planned_arrival") + shift,
        planned_departure=F("planned_departure") + shift,
    )
    TripLeg.objects.filter(trip=trip).update(
        planned_start=F("planned_start") + shift, planned_end=F("planned_end") + shift
    )
    Shipment.objects.filter(booking__trip=trip).update(
        created_at=timezone.now() - timedelta(days=2),
        status_at=timezone.now() - timedelta(days=2),
    )
    trip.refresh_from_db()


def journey(network, trips, *, hours_ago: float = 1) -> Journey:
    member = MemberFactory()
    made = Journey(
        trip=trips[0],
        through=book_shipment(network, member, network.chongqing, network.hanoi),
        to_border=book_shipment(network, member, network.chongqing, network.youyiguan),
        from_border=book_shipment(network, member, network.huu_nghi, network.hanoi),
    )
    for shipment in (made.through, made.to_border, made.from_border):
        assert shipment.booking.trip_id == trips[0].pk
    move_trip_to_the_past(trips[0], hours_ago=hours_ago)
    for name in ("through", "to_border", "from_border"):
        getattr(made, name).refresh_from_db()
    return made


def carrier_client(carrier) -> APIClient:
    _key, raw = api_key_for(carrier, scopes=[ApiScope.EVENTS_WRITE, ApiScope.TRIPS_READ])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def at(hours_ago: float, zone_offset: str = "+08:00") -> str:
    """An ISO 8601 time some hours ago, written with a local UTC offset."""
    from datetime import datetime

    hours, minutes = int(zone_offset[1:3]), int(zone_offset[4:6])
    sign = 1 if zone_offset[0] == "+" else -1
    local = (
        timezone.now() - timedelta(hours=hours_ago) + sign * timedelta(hours=hours, minutes=minutes)
    )
    return datetime.strftime(local.replace(tzinfo=None), "%Y-%m-%dT%H:%M:%S") + zone_offset


def orders_of(journey_: Journey) -> list[Order]:
    return [s.order for s in (journey_.through, journey_.to_border, journey_.from_border)]


def departure(network) -> dict:
    """The lorry leaving Chongqing half an hour ago, as a carrier posts it, with a new event id."""
    return {
        "event_id": f"dep-{uuid.uuid4().hex[:8]}",
        "code": "departed_origin",
        "occurred_at": at(0.5),
        "location": network.chongqing.pk,
    }


def applied(event) -> Callable[[], bool]:
    """For ``wait_for``: whether a worker has applied the event yet."""

    def check() -> bool:
        event.refresh_from_db()
        return event.applied_at is not None

    return check


def stored_event(external_id: str, *, hours_ago: float, **about) -> TrackingEvent:
    """An event as the API stores it, staff-posted, not applied yet."""
    about.setdefault("source", TrackingEvent.Source.STAFF)
    return TrackingEvent.objects.create(
        external_id=external_id,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
        utc_offset_minutes=480,
        **about,
    )
