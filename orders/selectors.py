"""Reads of orders, each scoped to what the caller may see.

An order and its shipments belong to the member that placed it; the carrier
operating the trip a shipment is on sees that shipment (operational fields
only, never prices); alliance staff see everything. Anything else does not
exist for the caller: a 404, never a 403.
"""

from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from orders.models import CargoLine, Order, OrderEvent, Shipment, ShipmentItem, Tariff
from scheduling.models import Line


def orders_visible_to(*, member, is_staff: bool = False) -> QuerySet[Order]:
    rows = Order.objects.select_related("origin", "destination", "member")
    if is_staff:
        return rows
    if member is None:
        return rows.none()
    return rows.filter(member=member)


def order_counts_by_status(*, member, is_staff: bool = False) -> dict[str, int]:
    """How many orders the caller sees in each status, in one query (none: not in the dict)."""
    rows = (
        orders_visible_to(member=member, is_staff=is_staff)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
    )
    return {row["status"]: row["count"] for row in rows}


def order_detail(*, member, is_staff: bool = False) -> QuerySet[Order]:
    return orders_visible_to(member=member, is_staff=is_staff).prefetch_related(
        Prefetch("cargo_lines", queryset=CargoLine.objects.order_by("position")),
        Prefetch("shipments", queryset=_shipments_with_trips()),
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
    )


def _shipments_with_trips() -> QuerySet[Shipment]:
    return (
        Shipment.objects.select_related(
            "booking__trip__line", "booking__origin", "booking__destination"
        )
        .prefetch_related("booking__trip__stops__location")
        .order_by("sequence")
    )


def _carried_by(member):
    return Exists(
        Line.carriers.through.objects.filter(
            line_id=OuterRef("booking__trip__line_id"), member_id=member.pk
        )
    )


def shipments_visible_to(*, member, is_staff: bool = False) -> QuerySet[Shipment]:
    """Own shipments and, for carriers, those on trips of lines they operate."""
    rows = (
        _shipments_with_trips()
        .select_related("order__origin", "order__destination", "order__member")
        .prefetch_related(
            Prefetch("items", queryset=ShipmentItem.objects.select_related("cargo_line"))
        )
    )
    if is_staff:
        return rows
    if member is None:
        return rows.none()
    return rows.filter(Q(order__member=member) | _carried_by(member))


def sees_order_prices(*, order: Order, member, is_staff: bool = False) -> bool:
    """Prices are for the member that pays them and for staff, not for the carrier."""
    return is_staff or (member is not None and order.member_id == member.pk)


def sees_prices(*, shipment: Shipment, member, is_staff: bool = False) -> bool:
    return sees_order_prices(order=shipment.order, member=member, is_staff=is_staff)


def shipment_by_tracking_number(tracking_number: str) -> Shipment | None:
    """For the public tracking page: no scope, since the number is the secret."""
    return (
        _shipments_with_trips()
        .select_related("order__origin", "order__destination")
        .filter(tracking_number=tracking_number)
        .first()
    )


def tariffs(*, on: date | None = None) -> QuerySet[Tariff]:
    rows = Tariff.objects.select_related("line").filter(line__is_active=True)
    if on is not None:
        rows = rows.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )
    return rows
