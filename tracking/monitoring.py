"""Watching readings: a reefer temperature outside a shipment's range raises an exception."""

from django.db.models import Max, Min

from orders.models import ShipmentItem
from scheduling.models import Booking, ServiceKind, Trip
from tracking import services
from tracking.codes import Code, Reason
from tracking.models import ShipmentState, TrackingEvent


def temperature_alerts(*, trip: Trip, pings: list[dict], member, user) -> int:
    """One temperature exception per shipment out of range, unless one is already open."""
    readings = [ping for ping in pings if ping.get("temperature_c") is not None]
    if not readings:
        return 0
    ranges = (
        ShipmentItem.objects.filter(
            shipment__booking__trip=trip,
            shipment__booking__status=Booking.Status.ALLOCATED,
            shipment__booking__service_kind=ServiceKind.COLD_CHAIN,
        )
        .exclude(shipment__status__in=["delivered", "cancelled"])
        .values("shipment_id", "shipment__created_at")
        .annotate(
            low=Max("cargo_line__temperature_min_c"), high=Min("cargo_line__temperature_max_c")
        )
    )
    already = set(
        ShipmentState.objects.filter(
            shipment__booking__trip=trip, open_exceptions__contains=[Reason.TEMPERATURE]
        ).values_list("shipment_id", flat=True)
    )
    events = []
    for row in ranges:
        if row["shipment_id"] in already or row["low"] is None and row["high"] is None:
            continue
        for ping in sorted(readings, key=lambda ping: ping["recorded_at"]):
            reading = ping["temperature_c"]
            low, high = row["low"], row["high"]
            if (low is not None and reading < low) or (high is not None and reading > high):
                if ping["recorded_at"] < row["shipment__created_at"]:
                    continue
                events.append(
                    {
                        "external_id": f"temperature-{row['shipment_id']}-"
                        f"{ping['recorded_at'].isoformat()}",
                        "code": Code.EXCEPTION,
                        "reason": Reason.TEMPERATURE,
                        "occurred_at": ping["recorded_at"],
                        "utc_offset_minutes": int(
                            ping["recorded_at"].utcoffset().total_seconds() // 60
                        ),
                        "trip_id": trip.pk,
                        "shipment_id": row["shipment_id"],
                        "latitude": ping["latitude"],
                        "longitude": ping["longitude"],
                        "remarks": f"{reading} °C outside {low}–{high} °C",
                    }
                )
                break
    stored = services.events_record(
        member=member, user=user, source=TrackingEvent.Source.SYSTEM, events=events
    )
    return sum(1 for event in stored if event.created)
