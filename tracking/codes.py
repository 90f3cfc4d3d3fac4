"""The event codes of DESIGN.md: which bear a status, which are posted per trip or per shipment."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Shipment

# The milestones are the shipment statuses orders keeps; the other codes bear no status.
Code = models.TextChoices(
    "Code",
    [(member.name, (member.value, member.label)) for member in Shipment.Status]
    + [
        ("ARRIVED_STOP", ("arrived_stop", _("Arrived at a stop"))),
        ("DEPARTED_STOP", ("departed_stop", _("Departed a stop"))),
        ("HANDOVER", ("handover", _("Handover"))),
        ("EXCEPTION", ("exception", _("Exception"))),
        ("EXCEPTION_RESOLVED", ("exception_resolved", _("Exception resolved"))),
        ("NOTE", ("note", _("Note"))),
    ],
)


class Reason(models.TextChoices):
    DELAY = "delay", _("Delay")
    CUSTOMS_HOLD = "customs_hold", _("Customs hold")
    BORDER_CONGESTION = "border_congestion", _("Border congestion")
    BREAKDOWN = "breakdown", _("Breakdown")
    DAMAGE = "damage", _("Damage")
    TEMPERATURE = "temperature", _("Temperature out of range")
    OTHER = "other", _("Other")


# The milestones a shipment's status moves through, in their usual order.
STATUS_BEARING = frozenset(Shipment.Status.values)
TERMINAL = frozenset({Code.DELIVERED, Code.CANCELLED})

# Vehicle movements are posted per trip and reach every shipment on board.
ARRIVALS = frozenset({Code.ARRIVED_STOP, Code.ARRIVED_BORDER, Code.ARRIVED_DESTINATION})
DEPARTURES = frozenset({Code.DEPARTED_ORIGIN, Code.DEPARTED_STOP})
TRIP_CODES = (
    ARRIVALS
    | DEPARTURES
    | {
        Code.CROSSED_BORDER,
        Code.HANDOVER,
        Code.EXCEPTION,
        Code.EXCEPTION_RESOLVED,
        Code.NOTE,
    }
)
# Customs and the last mile are per shipment: each has its own declaration and receiver.
SHIPMENT_CODES = frozenset(
    {
        Code.PICKED_UP,
        Code.EXPORT_CLEARED,
        Code.IMPORT_CLEARED,
        Code.OUT_FOR_DELIVERY,
        Code.DELIVERED,
        Code.EXCEPTION,
        Code.EXCEPTION_RESOLVED,
        Code.NOTE,
    }
)
# Codes that say where the lorry is, so they need a place on the trip's line.
NEEDS_LOCATION = ARRIVALS | DEPARTURES | {Code.CROSSED_BORDER, Code.HANDOVER}
NEEDS_DECLARATION = frozenset({Code.EXPORT_CLEARED, Code.IMPORT_CLEARED})

# Looked up once per event in bulk: sets, not the lists TextChoices rebuilds on every access.
CODE_VALUES = frozenset(Code.values)
REASON_VALUES = frozenset(Reason.values)
