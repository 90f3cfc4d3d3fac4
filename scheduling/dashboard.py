"""The dashboard's departures card: the next trips of the alliance's regular lines."""

from django.utils.translation import gettext as _

from alliance.dashboard import Panel, member_or_staff, register
from scheduling import board

DEPARTURES_SHOWN = 5


@register
def departures_panel(request) -> Panel | None:
    user = request.user
    # Trip times are open to every active member and to staff, as on the schedule board.
    if not member_or_staff(user):
        return None
    return Panel(
        key="departures",
        position=30,
        title=_("Next departures"),
        template="scheduling/_dashboard.html",
        context={"trips": board.next_departures(limit=DEPARTURES_SHOWN)},
    )
