from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders import services
from orders.models import Order, Shipment, Tariff
from scheduling.models import Booking
from tests.factories import MemberFactory
from tests.orders.helpers import place_order

pytestmark = pytest.mark.django_db


def test_admin_rejects_orders_only_with_a_reason(client, staff, network, trips, tariff):
    order = services.order_submit(order=place_order(network, MemberFactory()))
    client.force_login(staff)
    url = reverse("admin:orders_order_changelist")
    selected = {"action": "reject", "_selected_action": [order.pk]}

    refused = client.post(url, {**selected, "confirm": "1", "reason": ""})
    done = client.post(url, {**selected, "confirm": "1", "reason": "Prohibited goods"}, follow=True)

    assert "This field is required" in refused.content.decode()
    assert "1 order(s) rejected" in done.content.decode()
    order.refresh_from_db()
    assert (order.status, order.status_reason) == (Order.Status.REJECTED, "Prohibited goods")
    assert Booking.objects.get().status == Booking.Status.RELEASED


def test_admin_close_reports_orders_that_are_not_delivered(client, staff, network, trips, tariff):
    order = services.order_submit(order=place_order(network, MemberFactory()))
    client.force_login(staff)
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "close", "_selected_action": [order.pk]},
        follow=True,
    )
    assert "Only a delivered order can be closed" in response.content.decode()
    assert Order.objects.get().status == Order.Status.CONFIRMED


def test_admin_tariff_form_refuses_an_overlapping_period(client, staff, line, tariff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:orders_tariff_add"),
        {
            "line": line.pk,
            "service_kind": "ltl",
            "currency": "CNY",
            "rate_per_kg": "1.5",
            "rate_per_m3": "350",
            "minimum_charge": "500",
            "volumetric_factor": "333",
            "cold_chain_surcharge_pct": "0",
            "dangerous_goods_fee": "0",
            "valid_from": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
    )
    assert "Another tariff for this line, service and currency" in response.content.decode()
    assert Tariff.objects.count() == 1


def test_admin_pages_of_orders_open(client, staff, network, trips, tariff):
    order = services.order_submit(order=place_order(network, MemberFactory()))
    client.force_login(staff)
    for name in ["order", "shipment", "tariff"]:
        assert client.get(reverse(f"admin:orders_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200
    shipment = Shipment.objects.get()
    page = client.get(reverse("admin:orders_shipment_change", args=[shipment.pk]))
    assert page.status_code == 200 and shipment.tracking_number in page.content.decode()
    assert client.get(reverse("admin:orders_order_add")).status_code == 403
