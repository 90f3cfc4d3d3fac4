"""Delay detection: a running trip that has not reached a stop well after its planned time.

The periodic check raises one ``exception`` event (reason ``delay``, source
``system``) per trip and stop — its id is derived from both, so running the
check again raises nothing new — and the event is applied like any other:
the shipments on board are flagged, ETAs move, the members concerned are told.
The lorry turning up at or beyond that stop closes the case.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from scheduling.models import Trip, TripStop
from tracking import services
from tracking.codes import Code, Reason
from tracking.models import TrackingEvent


def overdue_stops(*, now: datetime) -> list[TripStop]:
    """For each running trip, the first stop it should have reached long ago but has not."""
    late = now - timedelta(minutes=settings.DELAY_THRESHOLD_MINUTES)
    reached_later = TripStop.objects.filter(
        trip=OuterRef("trip"), sequence__gte=OuterRef("sequence")
    ).exclude(actual_arrival__isnull=True, actual_departure__isnull=True)
    candidates = (
        TripStop.objects.filter(
            trip__status__in=[Trip.Status.PLANNED, Trip.Status.LOADING, Trip.Status.DEPARTED],
            trip__departure_at__lt=now,
            planned_arrival__lt=late,
            actual_arrival__isnull=True,
            sequence__gt=1,
        )
        .exclude(Exists(reached_later))
        .select_related("location", "trip")
        .order_by("trip_id", "sequence")
    )
    first: dict[int, TripStop] = {}
    for stop in candidates:
        first.setdefault(stop.trip_id, stop)
    return list(first.values())


def detect_delays(*, now: datetime | None = None) -> int:
    """Raise a delay exception for every newly overdue stop; returns how many were raised."""
    now = now or timezone.now()
    events = []
    for stop in overdue_stops(now=now):
        minutes = int((now - stop.planned_arrival).total_seconds() // 60)
        events.append(
            {
                "external_id": f"delay:{stop.trip_id}:{stop.sequence}",
                "code": Code.EXCEPTION,
                "reason": Reason.DELAY,
                "occurred_at": now,
                "utc_offset_minutes": 0,
                "trip_id": stop.trip_id,
                "stop_sequence": stop.sequence,
                "location_id": stop.location_id,
                "remarks": f"Not at {stop.location.name} {minutes} min after the planned arrival.",
            }
        )
    stored = services.events_record(
        member=None, user=None, source=TrackingEvent.Source.SYSTEM, events=events
    )
    return sum(1 for event in stored if event.created)
