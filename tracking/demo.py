"""Demo tracking: the first demo shipment picked up and cleared for export, so the public
tracking page has a timeline to show. Keyed on the events' ids: a second run adds nothing."""

from datetime import timedelta

from django.utils import timezone

from orders.models import Shipment
from tracking.apply import events_apply
from tracking.models import TrackingEvent
from tracking.services import events_record


def seed_events() -> int:
    shipment = (
        Shipment.objects.filter(order__customer_reference="DEMO-001")
        .select_related("order", "booking__trip")
        .first()
    )
    if shipment is None or shipment.booking.trip is None:
        return 0
    if TrackingEvent.objects.filter(external_id__startswith="DEMO-").exists():
        return 0
    carrier = shipment.booking.trip.line.carriers.order_by("pk").first()
    now = timezone.now()
    events = [
        {
            "external_id": "DEMO-PICKUP-1",
            "code": "picked_up",
            "occurred_at": now - timedelta(minutes=1),
            "location_id": shipment.order.origin_id,
        },
        {
            "external_id": "DEMO-EXPORT-1",
            "code": "export_cleared",
            "occurred_at": now,
            "declaration_number": "500020260001234",
            "location_id": shipment.order.origin_id,
        },
    ]
    for event in events:
        event.update(
            utc_offset_minutes=480, trip_id=shipment.booking.trip_id, shipment_id=shipment.pk
        )
    stored = events_record(
        member=carrier, user=None, source=TrackingEvent.Source.CARRIER_API, events=events
    )
    return events_apply(event_ids=[event.id for event in stored])
