"""What to tell whom when something happens: applied events, ETA moves, orders, bookings.

The members concerned by a shipment are the member that placed its order and
the carriers operating the trip it is on. Each cause has a stable
``dedupe_key``, so the same cause never tells anyone twice. Titles are worded in
``titles`` from the data told: stored in English, shown in the reader's language.
"""

from django.db.models import Q

from orders.models import Shipment
from scheduling.models import Line
from tracking.codes import STATUS_BEARING, Code, Reason
from tracking.notifications.models import Topic
from tracking.notifications.services import Tell
from tracking.notifications.titles import stored_title


def _topic(code: str, reason: str) -> tuple[str, str] | None:
    """The topic and type of a timeline entry, or None when it is not worth telling."""
    if code in STATUS_BEARING:
        return Topic.MILESTONES, "shipment.status_changed"
    if code == Code.EXCEPTION:
        if reason == Reason.DELAY:
            return Topic.DELAYS, "shipment.delayed"
        return Topic.EXCEPTIONS, "shipment.exception"
    if code == Code.EXCEPTION_RESOLVED:
        return Topic.EXCEPTIONS, "shipment.exception_resolved"
    return None


def carriers_of_trips(trip_ids) -> dict[int, list[int]]:
    rows = Line.carriers.through.objects.filter(line__trips__in=list(trip_ids)).values_list(
        "line__trips", "member_id"
    )
    carriers: dict[int, list[int]] = {}
    for trip_id, member_id in rows:
        carriers.setdefault(trip_id, []).append(member_id)
    return carriers


def concerned(shipment_ids) -> dict[int, dict]:
    """For each shipment: its number, order, and the members to tell (placer and carriers)."""
    rows = list(
        Shipment.objects.filter(pk__in=list(shipment_ids)).values(
            "pk",
            "tracking_number",
            "order_id",
            "order__reference",
            "order__member_id",
            "booking__trip_id",
        )
    )
    carriers = carriers_of_trips(
        {row["booking__trip_id"] for row in rows if row["booking__trip_id"]}
    )
    for row in rows:
        members = [row["order__member_id"], *carriers.get(row["booking__trip_id"], [])]
        row["members"] = list(dict.fromkeys(members))
    return {row["pk"]: row for row in rows}


def tells_for_event(event, meant: list[tuple[int, str]]) -> list[Tell]:
    """One tell per shipment reached and member concerned, for codes worth telling."""
    worth = [(sid, code, _topic(code, event.reason)) for sid, code in meant]
    worth = [(sid, code, topic) for sid, code, topic in worth if topic]
    if not worth:
        return []
    shipments = concerned({sid for sid, _code, _topic in worth})
    place = event.location.name if event.location_id else ""
    tells = []
    for sid, code, (topic, kind) in worth:
        shipment = shipments.get(sid)
        if shipment is None:
            continue
        data = {
            "tracking_number": shipment["tracking_number"],
            "order": shipment["order__reference"],
            "code": code,
            "reason": event.reason,
            "occurred_at": event.occurred_at.isoformat(),
            "utc_offset_minutes": event.utc_offset_minutes,
            "place": place,
            "unlocode": event.location.unlocode if event.location_id else "",
            "timezone": event.location.timezone if event.location_id else "",
        }
        title = stored_title(kind, data)
        for member_id in shipment["members"]:
            tells.append(
                Tell(
                    member_id=member_id,
                    topic=topic,
                    kind=kind,
                    title=title,
                    dedupe_key=f"event:{event.pk}:shipment:{sid}",
                    shipment_id=sid,
                    order_id=shipment["order_id"],
                    data=data,
                )
            )
    return tells


def tells_for_eta_moves(moves: list[tuple[int, object, object]], *, basis_of) -> list[Tell]:
    """(shipment id, old ETA, new ETA) moved beyond the threshold → an ``eta_changes`` tell."""
    if not moves:
        return []
    shipments = concerned({sid for sid, _old, _new in moves})
    tells = []
    for sid, old, new in moves:
        shipment = shipments.get(sid)
        if shipment is None:
            continue
        hours = round((new - old).total_seconds() / 3600, 1)
        data = {
            "tracking_number": shipment["tracking_number"],
            "order": shipment["order__reference"],
            "previous_eta": old.isoformat(),
            "eta": new.isoformat(),
            "hours": hours,
            "basis": basis_of(sid),
        }
        title = stored_title("shipment.eta_changed", data)
        for member_id in shipment["members"]:
            tells.append(
                Tell(
                    member_id=member_id,
                    topic=Topic.ETA_CHANGES,
                    kind="shipment.eta_changed",
                    title=title,
                    dedupe_key=f"eta:{sid}:{new:%Y%m%dT%H%M}",
                    shipment_id=sid,
                    order_id=shipment["order_id"],
                    data=data,
                )
            )
    return tells


def tells_for_order(order, *, to_status: str, reason: str = "") -> list[Tell]:
    kinds = {
        "confirmed": "order.confirmed",
        "rejected": "order.rejected",
        "cancelled": "order.cancelled",
    }
    if to_status not in kinds:
        return []
    data = {
        "order": order.reference,
        "status": to_status,
        "reason": reason,
        "shipments": list(
            Shipment.objects.filter(order=order).values_list("tracking_number", flat=True)
        ),
        # Shown in the shipper's time, the origin's, like the order's own history.
        "timezone": order.origin.timezone,
    }
    return [
        Tell(
            member_id=order.member_id,
            topic=Topic.ORDERS,
            kind=kinds[to_status],
            title=stored_title(kinds[to_status], data),
            dedupe_key=f"order:{order.pk}:{to_status}",
            order_id=order.pk,
            data=data,
        )
    ]


def tells_for_booking(booking_event) -> list[Tell]:
    """A shipment's booking moved, waited or lost its trip: tell the member that placed it.

    Releases are told by the order (cancelled, rejected, amended), not here.
    """
    if booking_event.action == "released":
        return []
    shipment = (
        Shipment.objects.filter(Q(booking=booking_event.booking_id))
        .select_related("order__origin")
        .first()
    )
    if shipment is None:  # the first allocation, before the shipment exists: the order tells
        return []
    trip = booking_event.trip
    kind = f"booking.{booking_event.action}"
    data = {
        "tracking_number": shipment.tracking_number,
        "order": shipment.order.reference,
        "action": booking_event.action,
        "trip": trip.pk if trip else None,
        "line": trip.line.code if trip else "",
        "reason": booking_event.reason,
        "timezone": shipment.order.origin.timezone,
    }
    return [
        Tell(
            member_id=shipment.order.member_id,
            topic=Topic.ALLOCATION,
            kind=kind,
            title=stored_title(kind, data),
            dedupe_key=f"booking-event:{booking_event.pk}",
            shipment_id=shipment.pk,
            order_id=shipment.order_id,
            data=data,
        )
    ]
