"""Listening to orders and scheduling: confirmations and allocation changes become notifications.

The receivers run inside the transaction of the change, so the notification
commits with it or not at all.
"""

from django.dispatch import receiver

from orders.signals import order_status_changed
from scheduling.signals import booking_changed
from tracking.notifications import generate
from tracking.notifications.services import notify


@receiver(order_status_changed, dispatch_uid="notify-order-status")
def on_order_status_changed(sender, *, order, to_status, note="", **kwargs):
    notify(generate.tells_for_order(order, to_status=to_status, reason=note))


@receiver(booking_changed, dispatch_uid="notify-booking-changed")
def on_booking_changed(sender, *, booking_event, **kwargs):
    notify(generate.tells_for_booking(booking_event))
