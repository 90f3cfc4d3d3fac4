"""What scheduling announces for higher apps to react to (scheduling imports none of them)."""

from django.dispatch import Signal

# Sent inside the transaction that wrote the BookingEvent: ``booking_event``.
booking_changed = Signal()
