from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders import services
from orders.exceptions import InvalidTransition
from orders.models import Order, Shipment
from orders.tracking_numbers import is_valid_tracking_number
from scheduling.models import Booking, ServiceKind, TripLeg
from tests.factories import MemberFactory
from tests.orders.helpers import cargo, make_tariff, place_order


@pytest.fixture
def shipper(db):
    return MemberFactory(country="CN")


def _booked_kg(trip) -> Decimal:
    return TripLeg.objects.filter(trip=trip).order_by("sequence").first().booked_kg


def test_order_create_makes_a_draft_with_a_reference_and_history(network, shipper):
    order = place_order(network, shipper)
    assert order.status == Order.Status.DRAFT
    assert order.reference.startswith(f"ORD-{timezone.localdate().year}-")
    assert order.cargo_lines.get().hs_code == "871410"
    assert list(order.events.values_list("to_status", flat=True)) == ["draft"]
    second = place_order(network, shipper)
    assert second.reference != order.reference


@pytest.mark.parametrize(
    ("overrides", "line", "field", "message"),
    [
        ({}, {"gross_kg": Decimal("-5")}, "cargo_lines.1.gross_kg", "more than 0 kg"),
        ({}, {"volume_m3": Decimal(0)}, "cargo_lines.1.volume_m3", "more than 0 m³"),
        ({}, {"hs_code": "8471.30"}, "cargo_lines.1.hs_code", "6 to 10 digits"),
        ({}, {"dangerous_goods_un": "1263"}, "cargo_lines.1.dangerous_goods_un", "UN number"),
        (
            {"service_kind": ServiceKind.COLD_CHAIN},
            {},
            "cargo_lines.1.temperature_min_c",
            "lowest and highest temperature",
        ),
        ({"incoterm": "FOO"}, {}, "incoterm", "not a valid choice"),
    ],
)
def test_order_create_refuses_bad_cargo_with_a_message_per_field(
    network, shipper, overrides, line, field, message
):
    with pytest.raises(ValidationError) as refused:
        place_order(network, shipper, cargo_lines=[cargo(**line)], **overrides)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Order.objects.exists()


def test_order_create_refuses_past_dates_same_places_and_no_cargo(network, shipper):
    with pytest.raises(ValidationError) as refused:
        place_order(
            network,
            shipper,
            cargo_lines=[],
            destination=network.chongqing,
            ready_date=timezone.localdate() - timedelta(days=2),
        )
    errors = refused.value.message_dict
    assert "past" in errors["ready_date"][0]
    assert "differ from the origin" in errors["destination"][0]
    assert "at least one cargo line" in errors["cargo_lines"][0]
    assert not Order.objects.exists()


def test_order_update_changes_a_draft_and_its_cargo(network, shipper):
    order = place_order(network, shipper)
    services.order_update(
        order=order,
        notes="Fragile",
        cargo_lines=[cargo(), cargo(description="Helmets", hs_code="650610")],
    )
    order.refresh_from_db()
    assert order.notes == "Fragile"
    assert [line.description for line in order.cargo_lines.all()] == [
        "Motorcycle spare parts",
        "Helmets",
    ]


def test_order_submit_confirms_books_and_prices(network, shipper, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    assert order.status == Order.Status.CONFIRMED
    shipment = order.shipments.get()
    assert is_valid_tracking_number(shipment.tracking_number)
    assert shipment.booking.status == Booking.Status.ALLOCATED
    assert shipment.booking.trip == trips[0]
    assert _booked_kg(trips[0]) == Decimal(1000)
    # 4 m³ × 333 = 1,332 kg chargeable × 1.20.
    assert shipment.price == Decimal("1598.40") == order.price_total
    assert shipment.price_breakdown["basis"] == "weight"
    assert list(order.events.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "confirmed",
    ]
    with pytest.raises(InvalidTransition, match="Only a draft can be submitted"):
        services.order_submit(order=order)


def test_order_submit_splits_what_one_trip_cannot_carry(network, shipper, trips, tariff):
    # Trips carry 10,000 kg: 24 pallets of 1,000 kg become 10 + 10 + 4.
    order = place_order(
        network,
        shipper,
        cargo_lines=[
            cargo(
                package_count=24,
                package_type="pallet",
                gross_kg=Decimal(24000),
                volume_m3=Decimal(30),
            )
        ],
    )
    order = services.order_submit(order=order)
    shipments = list(order.shipments.order_by("sequence"))
    assert [s.packages for s in shipments] == [10, 10, 4]
    assert sum(s.weight_kg for s in shipments) == Decimal(24000)
    assert sum(s.volume_m3 for s in shipments) == Decimal(30)
    assert len({s.tracking_number for s in shipments}) == 3
    assert all(s.booking.status == Booking.Status.ALLOCATED for s in shipments)
    assert order.price_total == sum(s.price for s in shipments)


def test_order_submit_refuses_a_package_no_lorry_can_carry(network, shipper, trips, tariff):
    order = place_order(
        network, shipper, cargo_lines=[cargo(package_count=1, volume_m3=Decimal(55))]
    )
    with pytest.raises(ValidationError) as refused:
        services.order_submit(order=order)
    message = refused.value.message_dict["cargo_lines.1.package_count"][0]
    assert "bigger than any lorry on this route" in message and "55.000 m³" in message
    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT
    assert not Booking.objects.exists() and not Shipment.objects.exists()


def test_order_submit_refuses_a_currency_without_tariff(network, shipper, trips, tariff):
    order = place_order(network, shipper, currency="THB")
    with pytest.raises(ValidationError) as refused:
        services.order_submit(order=order)
    message = refused.value.message_dict["currency"][0]
    assert "No tariff in THB" in message and "CNY" in message
    assert Order.objects.get().status == Order.Status.DRAFT
    assert not Booking.objects.exists()


def test_order_submit_waits_when_no_trip_has_room_and_prices_anyway(network, shipper, line, tariff):
    order = services.order_submit(order=place_order(network, shipper))  # no trips generated
    shipment = order.shipments.get()
    assert order.status == Order.Status.CONFIRMED
    assert shipment.booking.status == Booking.Status.WAITING
    assert shipment.price == Decimal("1598.40")


def test_order_cancel_releases_the_space(network, shipper, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    services.order_cancel(order=order, reason="Buyer backed out")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    shipment = order.shipments.get()
    assert shipment.status == Shipment.Status.CANCELLED
    assert shipment.booking.status == Booking.Status.RELEASED
    assert _booked_kg(trips[0]) == 0


def test_order_cancel_is_refused_after_pickup(network, shipper, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    Shipment.objects.filter(order=order).update(status=Shipment.Status.PICKED_UP)
    with pytest.raises(InvalidTransition, match="picked up"):
        services.order_cancel(order=order)
    assert Booking.objects.get().status == Booking.Status.ALLOCATED


def test_order_reject_needs_a_reason_and_releases(network, shipper, trips, tariff, staff):
    order = services.order_submit(order=place_order(network, shipper))
    with pytest.raises(InvalidTransition, match="Say why"):
        services.order_reject(order=order, actor=staff, reason=" ")
    services.order_reject(order=order, actor=staff, reason="Prohibited goods: ivory")
    order.refresh_from_db()
    assert order.status == Order.Status.REJECTED
    assert order.status_reason == "Prohibited goods: ivory"
    assert order.events.last().actor == staff
    assert _booked_kg(trips[0]) == 0


def test_order_amend_reallocates_reprices_and_shows_the_difference(network, shipper, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    tracking_number = order.shipments.get().tracking_number
    later = trips[1].departure_at.date()
    services.order_amend(
        order=order,
        ready_date=later,
        cargo={1: {"gross_kg": Decimal(2000), "volume_m3": Decimal(5)}},
    )
    order.refresh_from_db()
    shipment = order.shipments.get()
    assert shipment.tracking_number == tracking_number
    assert shipment.weight_kg == Decimal(2000)
    assert shipment.booking.trip == trips[1]
    assert _booked_kg(trips[0]) == 0 and _booked_kg(trips[1]) == Decimal(2000)
    # 2,000 kg × 1.20 = 2,400.00 against 1,598.40 before.
    assert order.price_total == Decimal("2400.00")
    amendment = order.events.last()
    assert amendment.data["difference"] == "801.60"
    assert amendment.data["changes"]["cargo_lines.1.gross_kg"] == ["1000.00", "2000"]


def test_order_amend_refuses_nothing_to_change_and_draft_orders(network, shipper, trips, tariff):
    draft = place_order(network, shipper)
    with pytest.raises(InvalidTransition, match="Only a confirmed order"):
        services.order_amend(order=draft, ready_date=draft.ready_date)
    order = services.order_submit(order=draft)
    with pytest.raises(ValidationError, match="Nothing to amend"):
        services.order_amend(order=order, ready_date=order.ready_date)


def test_order_sync_progress_follows_the_shipments(network, shipper, trips, tariff):
    order = services.order_submit(
        order=place_order(
            network,
            shipper,
            cargo_lines=[cargo(package_count=20, gross_kg=Decimal(20000), volume_m3=Decimal(20))],
        )
    )
    first, second = order.shipments.order_by("sequence")
    Shipment.objects.filter(pk=first.pk).update(status=Shipment.Status.PICKED_UP)
    assert services.order_sync_progress(order=order).status == Order.Status.IN_TRANSIT
    Shipment.objects.filter(pk=first.pk).update(status=Shipment.Status.DELIVERED)
    assert services.order_sync_progress(order=order).status == Order.Status.IN_TRANSIT
    Shipment.objects.filter(pk=second.pk).update(status=Shipment.Status.DELIVERED)
    order = services.order_sync_progress(order=order)
    assert order.status == Order.Status.DELIVERED and order.delivered_at is not None
    # A late "picked up" never moves it back.
    Shipment.objects.filter(pk=second.pk).update(status=Shipment.Status.PICKED_UP)
    assert services.order_sync_progress(order=order).status == Order.Status.DELIVERED


def test_orders_close_settled_closes_only_after_the_settling_period(
    network, shipper, trips, tariff, settings
):
    settings.ORDER_SETTLING_DAYS = 14
    order = services.order_submit(order=place_order(network, shipper))
    Shipment.objects.filter(order=order).update(status=Shipment.Status.DELIVERED)
    services.order_sync_progress(order=order)
    assert services.orders_close_settled() == 0
    later = timezone.now() + timedelta(days=15)
    assert services.orders_close_settled(now=later) == 1
    assert services.orders_close_settled(now=later) == 0
    assert Order.objects.get().status == Order.Status.CLOSED


def test_cold_chain_orders_need_a_line_offering_it(network, shipper, line):
    make_tariff(line, service_kind=ServiceKind.COLD_CHAIN)
    order = place_order(
        network,
        shipper,
        service_kind=ServiceKind.COLD_CHAIN,
        cargo_lines=[cargo(temperature_min_c=Decimal(2), temperature_max_c=Decimal(8))],
    )
    # The line does not offer cold chain, so no tariff applies to the route.
    with pytest.raises(ValidationError, match="No tariff in CNY"):
        services.order_submit(order=order)
    assert not Booking.objects.exists()
