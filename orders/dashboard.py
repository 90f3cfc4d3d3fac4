"""The dashboard's orders card: how many orders still need someone, by status."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.dashboard import Panel, member_or_staff, register
from orders import selectors
from orders.models import Order
from orders.views import may_order


def _status_rows(counts: dict[str, int]) -> list[dict]:
    """The statuses under way that have orders, each linking to the list filtered on it."""
    orders_list = reverse("orders:list")
    return [
        {
            "status": status,
            "count": counts[status],
            "url": f"{orders_list}?{urlencode({'status': status})}",
        }
        for status in Order.UNDER_WAY
        if counts.get(status)
    ]


@register
def orders_panel(request) -> Panel | None:
    user = request.user
    if not member_or_staff(user):
        return None
    counts = selectors.order_counts_by_status(member=user.member, is_staff=user.is_staff)
    statuses = _status_rows(counts)
    return Panel(
        key="orders",
        position=10,
        title=_("All members' orders") if user.is_staff else _("Orders"),
        template="orders/_dashboard.html",
        context={
            "total": sum(counts.values()),
            "under_way": sum(row["count"] for row in statuses),
            "statuses": statuses,
            "staff": user.is_staff,
            "may_order": may_order(user),
        },
    )
