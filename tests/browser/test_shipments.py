"""A carrier's dispatcher follows a shipment and posts the lorry's arrival at the border, in a
real Chromium."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from alliance.constants import BusinessRole, UserRole
from orders.models import Shipment
from scheduling import services
from scheduling.models import Trip
from tests.factories import MemberFactory, UserFactory
from tracking.models import TrackingEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_posts_an_arrival_at_the_border_and_sees_it_applied(page):
    from playwright.sync_api import expect

    from tests.network import build_network, make_line, make_timetable
    from tests.orders.helpers import make_tariff
    from tests.tracking.journey import journey

    network = build_network()
    carrier = MemberFactory(country="CN", business_roles=[BusinessRole.CARRIER])
    line = make_line(network, carrier)
    make_timetable(line)
    services.trips_generate()
    make_tariff(line)
    trips = list(Trip.objects.filter(line=line).order_by("departure_at"))
    # The lorry left Chongqing 22 hours ago; Youyiguan is 20 hours down the line.
    j = journey(network, trips, hours_ago=22)
    dispatcher = UserFactory(
        member=carrier, email="dispatch@carrier.example", role=UserRole.DISPATCHER
    )
    number = j.through.tracking_number

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(dispatcher.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Shipments", exact=True).click()
    page.get_by_role("heading", name="Shipments").wait_for()
    row = page.locator("tr.shipment-row", has_text=number)
    expect(row).to_contain_text("Booked")
    expect(row).to_contain_text("carried on your trip")

    row.get_by_role("link", name=number).click()
    page.get_by_role("heading", name=f"Shipment {number}").wait_for()
    expect(page.locator("h1 .badge")).to_have_text("Booked")
    expect(page.locator("main")).to_contain_text("Nothing has happened to this shipment yet.")

    page.get_by_role("link", name="Post a trip event").click()
    page.get_by_role("heading", name="New event of trip CKG-HAN-S", exact=False).wait_for()
    page.get_by_label("What happened").select_option("arrived_border")
    where = page.get_by_label("Where")
    expect(where).to_contain_text(
        "Youyiguan — China, Border gate (Asia/Shanghai, China Standard Time, UTC+08:00)"
    )
    where.select_option(str(network.youyiguan.pk))
    arrived = (timezone.now() - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    page.get_by_label("When (local time)").fill(arrived.strftime("%Y-%m-%dT%H:%M"))
    expect(page.get_by_label("Time zone of that time")).to_contain_text("Asia/Shanghai")
    page.get_by_label("Remarks").fill("Queue at the gate, 12 lorries ahead")
    page.get_by_role("button", name="Record the event").click()

    page.get_by_role("heading", name=f"Shipment {number}").wait_for()
    expect(page.get_by_role("status").first).to_contain_text("Event recorded; it is being applied.")
    expect(page.locator("h1 .badge")).to_have_text("Arrived at the border")
    entry = page.locator("tr.timeline-entry").first
    expect(entry).to_contain_text("Arrived at the border")
    expect(entry).to_contain_text("Youyiguan")
    expect(entry).to_contain_text(arrived.strftime("%H:%M"))
    expect(entry).to_contain_text("China Standard Time")
    expect(entry).to_contain_text("Queue at the gate, 12 lorries ahead")
    expect(entry).to_contain_text("Portal (dispatcher)")

    event = TrackingEvent.objects.get()
    assert event.source == TrackingEvent.Source.PORTAL and event.posted_by == dispatcher
    assert event.applied_at is not None
    assert Shipment.objects.get(pk=j.to_border.pk).status == "arrived_destination"
