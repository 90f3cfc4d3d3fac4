"""A dispatcher places an order with the live quote, saves and submits it, in a real Chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alliance.constants import UserRole
from orders.models import Order
from scheduling import services
from tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_places_an_order_with_a_live_quote(page):
    from playwright.sync_api import expect

    from tests.network import build_network, make_line, make_timetable
    from tests.orders.helpers import make_tariff

    network = build_network()
    line = make_line(network, MemberFactory())
    make_timetable(line)
    services.trips_generate()
    make_tariff(line)
    dispatcher = UserFactory(
        member=MemberFactory(country="CN"),
        email="dispatcher@member.example",
        role=UserRole.DISPATCHER,
    )

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(dispatcher.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_role("link", name="New order").click()
    page.get_by_role("heading", name="New order").wait_for()
    # A full page load would drop this mark; htmx swaps keep it.
    page.evaluate("window.sameDocument = true")

    page.locator("#id_shipper_name").fill("Chongqing Zongshen Parts Co., Ltd.")
    page.locator("#id_shipper_address").fill("Ba'nan District, Chongqing")
    page.locator("#id_shipper_country").select_option("CN")
    page.locator("#id_consignee_name").fill("Hanoi Spare Parts Ltd.")
    page.locator("#id_consignee_address").fill("Long Bien, Hanoi")
    page.locator("#id_consignee_country").select_option("VN")
    page.get_by_label("From").select_option(label="Chongqing — China (Hub)")
    page.get_by_label("To:", exact=True).select_option(label="Hanoi — Vietnam (City)")
    ready = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Ready date").fill(ready.isoformat())
    page.get_by_label("Incoterm").select_option("DAP")
    quote = page.locator("#quote-panel")
    expect(quote).to_contain_text("To see a quote")  # no cargo yet

    page.locator("#id_cargo-0-description").fill("Motorcycle spare parts")
    page.locator("#id_cargo-0-hs_code").fill("871410")
    page.locator("#id_cargo-0-package_count").fill("10")
    page.locator("#id_cargo-0-package_type").select_option("carton")
    page.locator("#id_cargo-0-gross_kg").fill("1000")
    page.locator("#id_cargo-0-volume_m3").fill("4")
    page.locator("#id_cargo-0-declared_value").fill("50000")
    page.locator("#id_cargo-0-declared_currency").select_option("CNY")
    page.locator("#id_cargo-0-declared_currency").blur()

    expect(quote).to_contain_text("CKG-HAN-S")
    expect(quote).to_contain_text("1,598.40 CNY")
    expect(quote).to_contain_text("30 hours")
    page.get_by_label("Currency:", exact=True).select_option("THB")
    expect(quote).to_contain_text("No tariff on this route is in THB")
    page.get_by_label("Currency:", exact=True).select_option("CNY")
    expect(quote).to_contain_text("1,598.40 CNY")

    page.get_by_role("button", name="Add a cargo line").click()
    expect(page.locator("#cargo-line-2 legend")).to_have_text("Cargo line 2")
    expect(page.locator("#id_cargo-TOTAL_FORMS")).to_have_value("2")
    assert page.evaluate("window.sameDocument") is True  # nothing reloaded the page

    page.get_by_role("button", name="Save and submit").click()
    page.get_by_role("heading", name="Order ORD-", exact=False).wait_for()
    order = Order.objects.get()
    shipment = order.shipments.get()
    trip = shipment.booking.trip
    assert order.status == Order.Status.CONFIRMED
    assert order.cargo_lines.count() == 1  # the empty second line was left out
    expect(page.get_by_role("status")).to_contain_text(f"Order {order.reference} is confirmed")
    main = page.locator("main")
    expect(main).to_contain_text(shipment.tracking_number)
    expect(main).to_contain_text("Allocated on trip CKG-HAN-S")
    trip_link = page.locator(f'a[href="/schedule/trips/{trip.pk}/"]')
    expect(trip_link).to_contain_text("08:00")  # leaves Chongqing at 08:00 local time
    trip_link.click()
    page.get_by_role("heading", name="CKG-HAN-S", exact=False).first.wait_for()
