"""Two-factor sign-in in a real Chromium: a member admin turns it on, then signs in with a code."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.factories import UserFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_admin_turns_on_two_factor_and_signs_in_with_a_code(page, live_server):
    person = UserFactory(email="ops@yuxin.example")
    company = person.member.legal_name

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=company).wait_for()

    # Your settings → Two-factor sign-in → turn on.
    page.get_by_role("link", name="Your settings").click()
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    # A wrong code first, then the one the app shows.
    device = TOTPDevice.objects.get(user=person)
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_text("This code is not right")).to_be_visible()
    device.throttling_failure_timestamp = None  # the app's next code, a moment later
    device.throttling_failure_count = 0
    device.save()
    page.get_by_label("Code from the app").fill(totp_code(device))
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)

    # Signs out; signing in again asks for the code after the password.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Two-factor sign-in").wait_for()
    page.goto("/dashboard/")  # half signed in is signed out
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(device, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=company).wait_for()
