"""Demo tracking, so the portal and the public page have something to show.

DEMO-001 is picked up and cleared for export: a timeline on the public page. DEMO-002 is
picked up with damage found at loading, not resolved yet: the open exceptions page, the
exception filter and the case in admin. Events are posted by the line's carrier with
their own ids, so a second run stores and applies nothing new.
"""

from django.utils import timezone

from orders.models import Shipment
from tracking.apply import events_apply
from tracking.models import TrackingEvent
from tracking.services import events_record

# Per demo order, in the order they happened: (event id, code, more of the event).
STORIES = {
    "DEMO-001": [
        ("DEMO-PICKUP-1", "picked_up", {}),
        ("DEMO-EXPORT-1", "export_cleared", {"declaration_number": "500020260001234"}),
    ],
    "DEMO-002": [
        ("DEMO-PICKUP-2", "picked_up", {}),
        (
            "DEMO-DAMAGE-2",
            "exception",
            {
                "reason": "damage",
                "remarks": "Corner boards of two pallets crushed at loading; re-strapped, "
                "photos sent to the shipper.",
            },
        ),
    ],
}


def seed_events() -> int:
    """Post and apply the stories; returns how many events this run applied."""
    now = timezone.now()
    applied = 0
    for reference, story in STORIES.items():
        shipment = (
            Shipment.objects.filter(order__customer_reference=reference)
            .select_related("order", "booking__trip__line")
            .first()
        )
        if shipment is None or shipment.booking.trip is None:
            continue
        carrier = shipment.booking.trip.line.carriers.order_by("pk").first()
        # Spread between the booking and now: an event before the shipment existed moves nothing.
        step = (now - shipment.status_at) / (len(story) + 1)
        events = [
            {
                "external_id": event_id,
                "code": code,
                "occurred_at": shipment.status_at + step * (n + 1),
                "utc_offset_minutes": 480,
                "location_id": shipment.order.origin_id,
                "trip_id": shipment.booking.trip_id,
                "shipment_id": shipment.pk,
                **more,
            }
            for n, (event_id, code, more) in enumerate(story)
        ]
        stored = events_record(
            member=carrier, user=None, source=TrackingEvent.Source.CARRIER_API, events=events
        )
        applied += events_apply(event_ids=[event.id for event in stored])
    return applied
