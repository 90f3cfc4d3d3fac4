"""A member finds a departure with room and reads its stops in local time, in a real Chromium."""

import pytest

from scheduling import services
from scheduling.models import Trip
from tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_searches_departures_and_opens_a_trip(page):
    from tests.network import build_network, make_line, make_timetable

    network = build_network()
    line = make_line(network, MemberFactory())
    make_timetable(line)
    services.trips_generate()
    first = Trip.objects.filter(line=line).order_by("departure_at").first()
    shipper = UserFactory(member=MemberFactory(), email="shipper@member.example")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(shipper.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Schedules").click()
    page.get_by_role("link", name="Find a departure with room for your cargo").click()
    page.get_by_label("From").select_option(label="Chongqing — China (Hub)")
    page.get_by_label("To").select_option(label="Hanoi — Vietnam (City)")
    page.get_by_label("Weight (kg)").fill("2500")
    page.get_by_role("button", name="Search").click()

    page.locator(f'a[href="/schedule/trips/{first.pk}/"]').click()
    page.get_by_role("heading", name="CKG-HAN-S", exact=False).first.wait_for()
    body = page.locator("main").inner_text()
    assert "Hanoi" in body and "Youyiguan" in body
    assert "08:00" in body  # the departure, in Chongqing's local time
    assert "13:00" in body  # arrival in Hanoi (30 h later), in Hanoi's local time
