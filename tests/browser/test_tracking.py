"""Anyone follows a shipment on the public tracking page, without signing in, in a real Chromium."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling import services
from scheduling.models import TripStop
from tracking.codes import Code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shipment_cleared_for_export():
    """A shipment on a Chongqing–Hanoi trip, export cleared, expected 3 h late: (number, ETA)."""
    from tests.factories import MemberFactory
    from tests.network import build_network, make_line, make_timetable
    from tests.orders.helpers import make_tariff
    from tests.tracking.helpers import journey_until, make_shipment, put_through

    network = build_network()
    line = make_line(network, MemberFactory(country="CN"))
    make_timetable(line)
    services.trips_generate()
    make_tariff(line)
    shipment = make_shipment(network)
    hanoi = TripStop.objects.get(trip=shipment.booking.trip, sequence=4)
    eta = hanoi.planned_arrival + timedelta(hours=3)
    put_through(shipment, journey_until(Code.EXPORT_CLEARED), eta=eta)
    return shipment.tracking_number, eta


def test_anyone_follows_a_shipment_and_switches_language(page):
    from playwright.sync_api import expect

    number, eta = shipment_cleared_for_export()

    # From the home page, typed with spaces and in lower case, as read off a consignment note.
    page.goto("/")
    page.get_by_label("Tracking number").fill(f"{number[:6].lower()} {number[6:]}")
    page.get_by_role("button", name="Track").click()
    page.get_by_role("heading", name=f"Shipment {number}").wait_for()
    assert page.url.endswith(f"/track/{number}/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()  # nobody signed in

    summary = page.locator(".tracking-summary")
    expect(summary.locator(".tracking-status")).to_have_text("Export cleared")
    local_eta = eta.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    expect(summary.locator(".tracking-eta time")).to_have_attribute(
        "datetime", local_eta.isoformat()
    )
    expect(summary.locator(".tracking-eta")).to_contain_text(local_eta.strftime("%H:%M"))
    expect(summary.locator(".tracking-eta")).to_contain_text("Vietnam Time")

    route = page.get_by_role("img", name=f"Route of shipment {number}")
    expect(route).to_be_visible()
    expect(route.locator("g.stop")).to_have_count(4)
    expect(route.locator("g.stop.passed")).to_have_count(1)
    expect(route.locator("g.stop.current")).to_contain_text("Youyiguan")
    expect(route.locator("g.stop.upcoming")).to_have_count(2)
    stops = page.locator("ol.route-stops li strong")
    expect(stops).to_have_text(["Chongqing", "Youyiguan", "Huu Nghi", "Hanoi"])

    rows = page.locator("table.timeline tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Export cleared")
    expect(rows.first).to_contain_text("Youyiguan")
    expect(rows.first).to_contain_text("China Standard Time")  # in Youyiguan's own time
    expect(rows.last).to_contain_text("Booked")

    page.locator("#language-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".tracking-status")).to_have_text("出口已清关")
    expect(page.get_by_role("heading", name="路线")).to_be_visible()
    assert page.url.endswith(f"/track/{number}/")

    page.locator("#language-select").select_option("vi")
    expect(page.locator(".tracking-status")).to_have_text("Đã thông quan xuất khẩu")


LANGUAGES = [("en", "en-GB"), ("zh-hans", "zh-CN"), ("vi", "vi-VN"), ("th", "th-TH")]
LANGUAGES += [("lo", "lo-LA"), ("ms", "ms-MY"), ("my", "my-MM")]


def test_the_tracking_page_speaks_each_of_the_alliances_seven_languages(page, live_server):
    from django.utils import translation
    from playwright.sync_api import expect

    from config import l10n

    number, eta = shipment_cleared_for_export()

    browser, base_url = page.context.browser, live_server.url
    seen_zone_names = set()
    for language, browser_asks in LANGUAGES:
        with translation.override(language):
            heading = translation.gettext("Shipment %(number)s") % {"number": number}
            status = str(Code.EXPORT_CLEARED.label)
            eta_label = translation.gettext("Expected arrival")
        zone = l10n.local_time(eta, "Asia/Ho_Chi_Minh", language=language).zone
        # A visitor whose browser is set to the language, nothing chosen on the site.
        visitor = browser.new_context(base_url=base_url, locale=browser_asks)
        page = visitor.new_page()

        page.goto(f"/track/{number}/")

        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        summary = page.locator(".tracking-summary")
        expect(summary.locator(".tracking-status")).to_have_text(status)
        expect(summary).to_contain_text(eta_label)
        # The destination's zone, named in the visitor's language.
        expect(summary.locator(".tracking-eta .zone")).to_have_text(zone)
        seen_zone_names.add(zone)
        visitor.close()
    assert len(seen_zone_names) == len(LANGUAGES)
