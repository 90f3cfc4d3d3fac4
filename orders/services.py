"""Writes of orders: create and edit drafts, submit (which confirms), cancel, reject, amend, close.

Every change of status goes through ``_transition``, which checks the state
machine on ``Order.TRANSITIONS`` and writes the history row. Services lock the
order row first, then bookings (through scheduling's allocation service, which
keeps its own lock order), so two requests on one order never interleave.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import pricing, splitting
from orders.exceptions import InvalidTransition
from orders.models import CargoLine, Order, OrderEvent, Shipment, ShipmentItem, Tariff
from orders.quotes import validate_route_and_cargo
from orders.signals import order_status_changed
from orders.tracking_numbers import new_tracking_number
from scheduling import allocation
from scheduling.models import Booking, ServiceKind

MAX_CARGO_LINES = 100
ORDER_FIELDS = (
    "customer_reference",
    "shipper_name",
    "shipper_address",
    "shipper_country",
    "shipper_contact",
    "consignee_name",
    "consignee_address",
    "consignee_country",
    "consignee_contact",
    "origin",
    "destination",
    "ready_date",
    "service_kind",
    "incoterm",
    "currency",
    "export_declaration",
    "import_declaration",
    "notes",
)
CARGO_FIELDS = (
    "description",
    "hs_code",
    "package_count",
    "package_type",
    "gross_kg",
    "volume_m3",
    "declared_value",
    "declared_currency",
    "dangerous_goods_un",
    "temperature_min_c",
    "temperature_max_c",
)


# --- Validation -------------------------------------------------------------


def _cargo_line_errors(line: CargoLine, *, service_kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        line.full_clean(exclude=["order", "position"], validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if isinstance(line.gross_kg, Decimal) and line.gross_kg <= 0:
        errors.setdefault("gross_kg", []).append(_("The weight must be more than 0 kg."))
    if isinstance(line.volume_m3, Decimal) and line.volume_m3 <= 0:
        errors.setdefault("volume_m3", []).append(_("The volume must be more than 0 m³."))
    low, high = line.temperature_min_c, line.temperature_max_c
    if service_kind == ServiceKind.COLD_CHAIN and (low is None or high is None):
        errors.setdefault("temperature_min_c", []).append(
            _("Cold-chain goods need the lowest and highest temperature they may be kept at.")
        )
    elif service_kind != ServiceKind.COLD_CHAIN and (low is not None or high is not None):
        errors.setdefault("temperature_min_c", []).append(
            _("A temperature range needs the cold chain service.")
        )
    if isinstance(low, Decimal) and isinstance(high, Decimal) and low > high:
        errors.setdefault("temperature_max_c", []).append(
            _("The highest temperature must not be below the lowest.")
        )
    return errors


def _validated(order: Order, cargo: list[dict]) -> list[CargoLine]:
    """Check the order and every cargo line; raise one error naming each bad field.

    Cargo line fields are named ``cargo_lines.<n>.<field>`` (n from 1), so the
    person can find the line among many.
    """
    errors: dict[str, list[str]] = {}
    try:
        order.full_clean(
            exclude=["reference", "member", "created_by", "price_total"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    lines = [
        CargoLine(order=order, position=number, **{key: row.get(key) for key in CARGO_FIELDS})
        for number, row in enumerate(cargo, start=1)
    ]
    for line in lines:
        line.dangerous_goods_un = (line.dangerous_goods_un or "").strip().upper()
    if not lines:
        errors["cargo_lines"] = [_("Add at least one cargo line.")]
    elif len(lines) > MAX_CARGO_LINES:
        errors["cargo_lines"] = [
            _("An order has at most %(max)s cargo lines.") % {"max": MAX_CARGO_LINES}
        ]
    for line in lines[:MAX_CARGO_LINES]:
        for field, messages in _cargo_line_errors(line, service_kind=order.service_kind).items():
            errors[f"cargo_lines.{line.position}.{field}"] = messages
    if order.origin_id and order.destination_id and order.ready_date and "ready_date" not in errors:
        try:
            validate_route_and_cargo(
                origin=order.origin,
                destination=order.destination,
                ready_date=order.ready_date,
                weight_kg=Decimal(1),
                volume_m3=Decimal(1),
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return lines


def _record(order: Order, *, from_status: str, actor=None, note: str = "", data=None) -> None:
    OrderEvent.objects.create(
        order=order,
        from_status=from_status,
        to_status=order.status,
        note=note,
        data=data or {},
        actor=actor if getattr(actor, "pk", None) else None,
    )
    if from_status != order.status:
        order_status_changed.send(
            sender=Order, order=order, from_status=from_status, to_status=order.status, note=note
        )


def _transition(order: Order, status: str, *, actor=None, note: str = "", data=None) -> None:
    if status not in Order.TRANSITIONS[order.status]:
        raise InvalidTransition(
            _("A %(current)s order cannot become %(target)s.")
            % {
                "current": order.get_status_display().lower(),
                "target": Order.Status(status).label.lower(),
            }
        )
    previous = order.status
    order.status = status
    if note:
        order.status_reason = note
    order.save(
        update_fields=["status", "status_reason", "confirmed_at", "delivered_at", "price_total"]
    )
    _record(order, from_status=previous, actor=actor, note=note, data=data)


def _locked(order: Order) -> Order:
    return (
        Order.objects.select_for_update().select_related("origin", "destination").get(pk=order.pk)
    )


def _next_reference(today: date) -> str:
    """ORD-<year>-<number>: a database sequence, so concurrent orders never share one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_reference_seq')")
        (number,) = cursor.fetchone()
    return f"ORD-{today.year}-{number:06d}"


# --- Drafts -----------------------------------------------------------------


@transaction.atomic
def order_create(*, member, actor=None, cargo_lines: list[dict], **fields) -> Order:
    """A draft order with its cargo; nothing is booked until it is submitted."""
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown order fields: {sorted(unknown)}")
    order = Order(member=member, created_by=actor if getattr(actor, "pk", None) else None, **fields)
    lines = _validated(order, cargo_lines)
    order.reference = _next_reference(timezone.localdate())
    order.save()
    CargoLine.objects.bulk_create(lines)
    _record(order, from_status="", actor=actor)
    return order


@transaction.atomic
def order_update(*, order: Order, actor=None, cargo_lines: list[dict] | None = None, **fields):
    """Change a draft; the cargo lines, when given, replace the old ones."""
    order = _locked(order)
    if order.status not in Order.EDITABLE:
        raise InvalidTransition(_("Only a draft can be edited; amend a confirmed order instead."))
    for name, value in fields.items():
        if name not in ORDER_FIELDS:
            raise TypeError(f"unknown order field: {name}")
        setattr(order, name, value)
    if cargo_lines is None:
        cargo_lines = [
            {key: getattr(line, key) for key in CARGO_FIELDS} for line in order.cargo_lines.all()
        ]
    lines = _validated(order, cargo_lines)
    order.save()
    order.cargo_lines.all().delete()
    CargoLine.objects.bulk_create(lines)
    return order


# --- Confirmation: shipments, bookings and prices ----------------------------


def _tariffs_for(order: Order) -> list[Tariff]:
    lines = splitting.serving_lines(
        origin=order.origin, destination=order.destination, service_kind=order.service_kind
    )
    in_force = pricing.tariffs_in_force(
        line_ids=lines.values("pk"), service_kind=order.service_kind, on=order.ready_date
    )
    tariffs = [tariff for tariff in in_force if tariff.currency == order.currency]
    if not tariffs:
        others = sorted({tariff.currency for tariff in in_force})
        message = _(
            "No tariff in %(currency)s covers %(origin)s → %(destination)s on %(date)s."
        ) % {
            "currency": order.currency,
            "origin": order.origin.name,
            "destination": order.destination.name,
            "date": order.ready_date.isoformat(),
        }
        if others:
            message += " " + _("Tariffs exist in: %(currencies)s.") % {
                "currencies": ", ".join(others)
            }
        raise ValidationError({"currency": message})
    return tariffs


def _priced(booking: Booking, part, tariffs: list[Tariff], dangerous_goods: bool):
    """The price on the line the shipment was booked on; the cheapest line's while it waits."""
    priced = [
        (
            tariff,
            pricing.price_for(
                tariff, weight_kg=part.kg, volume_m3=part.m3, dangerous_goods=dangerous_goods
            ),
        )
        for tariff in tariffs
    ]
    if booking.trip_id is not None:
        on_line = [pair for pair in priced if pair[0].line_id == booking.trip.line_id]
        if on_line:
            return on_line[0]
    return min(priced, key=lambda pair: pair[1].total)


def _cargo_of(order: Order) -> list[splitting.Cargo]:
    return [
        splitting.Cargo(key=line, packages=line.package_count, kg=line.gross_kg, m3=line.volume_m3)
        for line in order.cargo_lines.all()
    ]


def _book(order: Order, *, part, reference: str, actor) -> Booking:
    return allocation.booking_create(
        member=order.member,
        reference=reference,
        origin=order.origin,
        destination=order.destination,
        ready_date=order.ready_date,
        weight_kg=part.kg,
        volume_m3=part.m3,
        service_kind=order.service_kind,
        dangerous_goods=any(line.dangerous_goods_un for line, *_ in part.items),
        actor=actor,
    )


def _new_tracking_number() -> str:
    while True:
        number = new_tracking_number()
        if not Shipment.objects.filter(tracking_number=number).exists():
            return number


def _fill(shipment: Shipment, part, booking: Booking, tariffs, dangerous_goods: bool) -> None:
    tariff, price = _priced(booking, part, tariffs, dangerous_goods)
    shipment.booking = booking
    shipment.packages = part.packages
    shipment.weight_kg = part.kg
    shipment.volume_m3 = part.m3
    shipment.tariff = tariff
    shipment.currency = price.currency
    shipment.price = price.total
    shipment.price_breakdown = price.as_json()


def _items(shipment: Shipment, part) -> list[ShipmentItem]:
    return [
        ShipmentItem(
            shipment=shipment, cargo_line=line, packages=packages, weight_kg=kg, volume_m3=m3
        )
        for line, packages, kg, m3 in part.items
    ]


def _plan(order: Order):
    return splitting.plan_shipments(
        origin=order.origin,
        destination=order.destination,
        service_kind=order.service_kind,
        ready_date=order.ready_date,
        cargo=_cargo_of(order),
    )


@allocation.retry_on_deadlock
@transaction.atomic
def order_submit(*, order: Order, actor=None) -> Order:
    """Submit a draft, which confirms it: shipments made, each booked or waiting, price fixed."""
    order = _locked(order)
    if order.status != Order.Status.DRAFT:
        raise InvalidTransition(
            _("Only a draft can be submitted; this order is %(status)s.")
            % {"status": order.get_status_display().lower()}
        )
    cargo = [{key: getattr(line, key) for key in CARGO_FIELDS} for line in order.cargo_lines.all()]
    _validated(order, cargo)
    tariffs = _tariffs_for(order)
    parts = _plan(order)
    _transition(order, Order.Status.SUBMITTED, actor=actor)
    shipments, items = [], []
    for sequence, part in enumerate(parts, start=1):
        shipment = Shipment(order=order, sequence=sequence, tracking_number=_new_tracking_number())
        booking = _book(order, part=part, reference=shipment.tracking_number, actor=actor)
        _fill(shipment, part, booking, tariffs, bool(booking.dangerous_goods))
        shipment.save()
        shipments.append(shipment)
        items += _items(shipment, part)
    ShipmentItem.objects.bulk_create(items)
    order.price_total = sum((shipment.price for shipment in shipments), Decimal(0))
    order.confirmed_at = timezone.now()
    _transition(
        order,
        Order.Status.CONFIRMED,
        actor=actor,
        data={
            "shipments": [shipment.tracking_number for shipment in shipments],
            "price": str(order.price_total),
            "currency": order.currency,
        },
    )
    return order


# --- Leaving the flow: cancel and reject -------------------------------------


def _release_all(order: Order, *, actor, reason: str) -> None:
    for shipment in order.shipments.select_related("booking").order_by("booking_id"):
        if shipment.status == Shipment.Status.CANCELLED:
            continue
        allocation.booking_release(booking=shipment.booking, actor=actor, reason=reason)
        shipment.status = Shipment.Status.CANCELLED
        shipment.status_at = timezone.now()
        shipment.save(update_fields=["status", "status_at"])


def _ensure_not_picked_up(order: Order, message: str) -> None:
    moving = order.shipments.exclude(status__in=[Shipment.Status.BOOKED, Shipment.Status.CANCELLED])
    if moving.exists():
        raise InvalidTransition(message)


@allocation.retry_on_deadlock
@transaction.atomic
def order_cancel(*, order: Order, actor=None, reason: str = "") -> Order:
    """The member calls an order off before pickup; its space goes back to the line."""
    order = _locked(order)
    if order.status not in (Order.Status.DRAFT, Order.Status.CONFIRMED):
        raise InvalidTransition(
            _("A %(status)s order can no longer be cancelled.")
            % {"status": order.get_status_display().lower()}
        )
    _ensure_not_picked_up(
        order, _("The goods have been picked up; this order can no longer be cancelled.")
    )
    reason = (reason or "").strip()
    _release_all(order, actor=actor, reason=reason or _("Order cancelled by the member."))
    _transition(order, Order.Status.CANCELLED, actor=actor, note=reason)
    return order


@allocation.retry_on_deadlock
@transaction.atomic
def order_reject(*, order: Order, actor, reason: str) -> Order:
    """Alliance staff refuse an order (e.g. prohibited goods), saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Say why the order is rejected."), code="reason_required")
    order = _locked(order)
    if Order.Status.REJECTED not in Order.TRANSITIONS[order.status]:
        raise InvalidTransition(
            _("A %(status)s order cannot be rejected.")
            % {"status": order.get_status_display().lower()}
        )
    _ensure_not_picked_up(order, _("The goods have been picked up; the order cannot be rejected."))
    _release_all(order, actor=actor, reason=_("Order rejected: %(reason)s") % {"reason": reason})
    _transition(order, Order.Status.REJECTED, actor=actor, note=reason)
    return order


# --- Amendments after confirmation ---------------------------------------------


@allocation.retry_on_deadlock
@transaction.atomic
def order_amend(
    *,
    order: Order,
    actor=None,
    ready_date: date | None = None,
    cargo: dict[int, dict] | None = None,
) -> Order:
    """Change weight, volume or ready date of a confirmed order before pickup.

    The old bookings are released and new ones placed under the same rules in
    the same transaction, so the order keeps its room if it still fits; the
    shipments keep their tracking numbers (extra parts get new ones, surplus
    parts are cancelled) and the price is worked out again. The history row
    holds the old and new price and the difference.
    """
    order = _locked(order)
    if order.status not in Order.AMENDABLE:
        raise InvalidTransition(
            _("Only a confirmed order can be amended; this one is %(status)s.")
            % {"status": order.get_status_display().lower()}
        )
    _ensure_not_picked_up(
        order, _("The goods have been picked up; the order can no longer be amended.")
    )
    lines = {line.position: line for line in order.cargo_lines.all()}
    changes: dict[str, object] = {}
    unknown = set(cargo or {}) - set(lines)
    if unknown:
        raise ValidationError(
            {"cargo_lines": _("The order has no cargo line %(line)s.") % {"line": min(unknown)}}
        )
    for position, values in (cargo or {}).items():
        for name in ("gross_kg", "volume_m3", "package_count"):
            if name in values and values[name] != getattr(lines[position], name):
                changes[f"cargo_lines.{position}.{name}"] = [
                    str(getattr(lines[position], name)),
                    str(values[name]),
                ]
                setattr(lines[position], name, values[name])
    if ready_date is not None and ready_date != order.ready_date:
        changes["ready_date"] = [order.ready_date.isoformat(), ready_date.isoformat()]
        order.ready_date = ready_date
    if not changes:
        raise ValidationError(_("Nothing to amend: the values are the ones already confirmed."))
    rows = [{key: getattr(line, key) for key in CARGO_FIELDS} for line in lines.values()]
    _validated(order, rows)
    order.save(update_fields=["ready_date"])
    CargoLine.objects.bulk_update(lines.values(), ["gross_kg", "volume_m3", "package_count"])

    tariffs = _tariffs_for(order)
    parts = _plan(order)
    amendment = (
        order.events.filter(
            from_status=Order.Status.CONFIRMED, to_status=Order.Status.CONFIRMED
        ).count()
        + 1
    )
    live = list(order.shipments.exclude(status=Shipment.Status.CANCELLED).order_by("sequence"))
    reason = _("Order %(reference)s amended.") % {"reference": order.reference}
    for shipment in live:
        allocation.booking_release(booking=shipment.booking, actor=actor, reason=reason)
    ShipmentItem.objects.filter(shipment__in=live).delete()
    next_sequence = max((s.sequence for s in order.shipments.all()), default=0) + 1
    kept, items = [], []
    for index, part in enumerate(parts):
        if index < len(live):
            shipment = live[index]
        else:
            shipment = Shipment(
                order=order, sequence=next_sequence, tracking_number=_new_tracking_number()
            )
            next_sequence += 1
        booking = _book(
            order, part=part, reference=f"{shipment.tracking_number}-A{amendment}", actor=actor
        )
        _fill(shipment, part, booking, tariffs, bool(booking.dangerous_goods))
        shipment.save()
        kept.append(shipment)
        items += _items(shipment, part)
    ShipmentItem.objects.bulk_create(items)
    for surplus in live[len(parts) :]:
        surplus.status = Shipment.Status.CANCELLED
        surplus.status_at = timezone.now()
        surplus.save(update_fields=["status", "status_at"])

    previous = order.price_total or Decimal(0)
    order.price_total = sum((shipment.price for shipment in kept), Decimal(0))
    order.save(update_fields=["price_total"])
    _record(
        order,
        from_status=Order.Status.CONFIRMED,
        actor=actor,
        note=_("Amended"),
        data={
            "changes": changes,
            "previous_price": str(previous),
            "price": str(order.price_total),
            "difference": str(order.price_total - previous),
            "currency": order.currency,
            "shipments": [shipment.tracking_number for shipment in kept],
        },
    )
    return order


# --- Progress from tracking, and closing -------------------------------------------


def order_sync_progress(*, order: Order) -> Order:
    """Derive in transit / delivered from the shipments of one order (see orders_sync_progress)."""
    orders_sync_progress(order_ids=[order.pk])
    return Order.objects.get(pk=order.pk)


@transaction.atomic
def orders_sync_progress(*, order_ids) -> int:
    """Move orders to in transit or delivered as their shipments say; tracking calls this.

    Set-based, for a trip event that touches hundreds of orders: a few queries
    whatever their number. Only moves forward: a late event never takes an
    order back. Returns how many orders changed.
    """
    orders = list(
        Order.objects.select_for_update()
        .filter(pk__in=order_ids, status__in=[Order.Status.CONFIRMED, Order.Status.IN_TRANSIT])
        .order_by("pk")
    )
    if not orders:
        return 0
    statuses: dict[int, set[str]] = {order.pk: set() for order in orders}
    live = Shipment.objects.filter(order__in=orders).exclude(status=Shipment.Status.CANCELLED)
    for order_id, status in live.values_list("order_id", "status"):
        statuses[order_id].add(status)
    now, changed, events = timezone.now(), [], []
    for order in orders:
        seen = statuses[order.pk]
        if seen and seen == {Shipment.Status.DELIVERED}:
            target = Order.Status.DELIVERED
            order.delivered_at = now
        elif seen - {Shipment.Status.BOOKED} and order.status == Order.Status.CONFIRMED:
            target = Order.Status.IN_TRANSIT
        else:
            continue
        events.append(OrderEvent(order=order, from_status=order.status, to_status=target))
        order.status = target
        changed.append(order)
    Order.objects.bulk_update(changed, ["status", "delivered_at", "updated_at"])
    OrderEvent.objects.bulk_create(events)
    return len(changed)


def shipments_advance(*, updates: list[tuple[int, str, datetime]]) -> int:
    """Apply milestones to shipments, set-based: (shipment id, status, when it happened).

    A shipment takes the latest status-bearing event by the time it happened, not
    by the time it arrived: an event older than the current status joins the
    timeline (tracking keeps it) but moves nothing; delivered and cancelled stick.
    Then the orders concerned follow. Returns how many shipments changed.
    """
    latest: dict[int, tuple[str, datetime]] = {}
    for shipment_id, status, occurred_at in updates:
        if shipment_id not in latest or occurred_at >= latest[shipment_id][1]:
            latest[shipment_id] = (status, occurred_at)
    if not latest:
        return 0
    ids = list(latest)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE orders_shipment AS s
               SET status = v.status, status_at = v.occurred_at
              FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[]) AS v(id, status, occurred_at)
             WHERE s.id = v.id
               AND s.status NOT IN ('delivered', 'cancelled')
               AND s.status_at <= v.occurred_at
            RETURNING s.order_id
            """,
            [ids, [latest[i][0] for i in ids], [latest[i][1] for i in ids]],
        )
        rows = cursor.fetchall()
    orders_sync_progress(order_ids={order_id for (order_id,) in rows})
    return len(rows)


@transaction.atomic
def order_close(*, order: Order, actor=None, note: str = "") -> Order:
    """Close a delivered order: nothing more is expected of it."""
    order = _locked(order)
    if order.status != Order.Status.DELIVERED:
        raise InvalidTransition(
            _("Only a delivered order can be closed; this one is %(status)s.")
            % {"status": order.get_status_display().lower()}
        )
    _transition(order, Order.Status.CLOSED, actor=actor, note=note)
    return order


def orders_close_settled(*, now=None) -> int:
    """Close orders delivered longer ago than the settling period; safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ORDER_SETTLING_DAYS)
    settled = Order.objects.filter(status=Order.Status.DELIVERED, delivered_at__lt=cutoff)
    closed = 0
    for order in settled.order_by("delivered_at", "pk").iterator():
        try:
            order_close(order=order, note=_("Closed after the settling period."))
        except InvalidTransition:
            continue  # closed meanwhile by staff
        closed += 1
    return closed
