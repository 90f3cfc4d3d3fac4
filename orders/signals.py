"""What orders announces for higher apps to react to (orders imports none of them)."""

from django.dispatch import Signal

# Sent inside the transaction of the change: ``order``, ``from_status``, ``to_status``, ``note``.
order_status_changed = Signal()
