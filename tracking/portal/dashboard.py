"""The dashboard's shipments card: what is on the way, what is held up, what arrives soon.

Every figure counts the shipments of the shipment list (``selectors.shipment_rows``):
the member's own and those on trips it carries; all of them for alliance staff.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.dashboard import Panel, member_or_staff, register
from orders.models import Shipment
from tracking.portal import selectors

ARRIVING_WITHIN = timedelta(hours=24)
ARRIVING_SHOWN = 5


def _list_url(**filters) -> str:
    return f"{reverse('shipments:list')}?{urlencode(filters, doseq=True)}"


@register
def shipments_panel(request) -> Panel | None:
    user = request.user
    if not member_or_staff(user):
        return None
    scope = {"member": user.member, "is_staff": user.is_staff}
    figures = selectors.shipment_figures(**scope, within=ARRIVING_WITHIN)
    arriving = (
        selectors.shipments_arriving(**scope, within=ARRIVING_WITHIN, limit=ARRIVING_SHOWN)
        if figures["arriving"]
        else []
    )
    return Panel(
        key="shipments",
        position=20,
        title=_("All members' shipments") if user.is_staff else _("Shipments"),
        template="tracking/portal/_dashboard.html",
        context={
            **figures,
            "open_cases": selectors.open_exception_cases(**scope).count(),
            "arriving_shown": arriving,
            "staff": user.is_staff,
            "waiting_url": _list_url(status=Shipment.Status.BOOKED),
            "on_the_way_url": _list_url(status=Shipment.ON_THE_WAY),
            "with_exception_url": _list_url(exception="on"),
        },
    )
