"""Scheduling's background work: trips from timetables, the waiting list, cancelled trips."""

from celery import shared_task
from django.db import OperationalError


@shared_task
def generate_trips() -> int:
    from scheduling.services import trips_generate

    return trips_generate()


@shared_task
def allocate_waiting_bookings() -> int:
    from scheduling.allocation import bookings_allocate_waiting

    return bookings_allocate_waiting()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=10, max_retries=5)
def rehome_cancelled_trip_bookings(
    *, trip_id: int | None = None, actor_id: int | None = None
) -> int:
    """Move bookings off one cancelled trip, or (periodically, no trip given) off any."""
    from alliance.models import User
    from scheduling.allocation import trip_rehome_bookings

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return trip_rehome_bookings(trip_id=trip_id, actor=actor)
