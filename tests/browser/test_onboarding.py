"""Onboarding in a real Chromium: apply, approval, invitation, sign-in, API key, API call."""

import json
import re
import urllib.request

import pytest

from alliance.models import MembershipApplication
from tests.factories import PDF_BYTES, StaffFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_apply_approve_invite_sign_in_create_key_and_call_api(
    page, live_server, mailoutbox, tmp_path
):
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(PDF_BYTES)

    # A Chongqing carrier applies on the public form.
    page.goto("/")
    page.get_by_role("link", name="Apply to join the alliance").click()
    page.get_by_label("Legal name").fill("Chongqing Yuxin Cross-Border Logistics Co., Ltd.")
    page.get_by_label("Name in local script").fill("重庆渝新跨境物流有限公司")
    page.get_by_label("Country of registration").select_option("CN")
    page.get_by_label("Company registration number").fill("91500000MA5U7K3L28")
    page.get_by_label("Carrier").check()
    page.get_by_label("Fleet size (lorries)").fill("120")
    page.get_by_label("Contact person").fill("Li Wei")
    page.get_by_label("Contact email").fill("li.wei@yuxin.example")
    page.get_by_label("Contact phone").fill("+86 23 6300 1234")
    page.get_by_label("Registered address").fill("18 Tuzhu Road, Chongqing")
    page.get_by_label("Business licence").set_input_files(str(licence))
    page.get_by_label("I accept the alliance's terms").check()
    page.get_by_role("button", name="Send the application").click()
    page.get_by_role("heading", name="Application received").wait_for()
    application = MembershipApplication.objects.get()

    # An alliance admin approves it in Django admin.
    staff = StaffFactory(email="secretariat@lorry-alliance.example")
    page.goto("/admin/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(totp_code(staff.otp_device))  # staff sign in with two factors
    page.get_by_role("button", name="Sign in").click()
    page.goto("/admin/alliance/membershipapplication/?status__exact=pending")
    page.locator(f'input[name="_selected_action"][value="{application.pk}"]').check()
    page.locator('select[name="action"]').select_option("approve")
    page.locator('button[name="index"]').click()  # the admin action's "Go" button
    page.get_by_text("1 application(s) approved").wait_for()
    page.context.clear_cookies()  # the admin leaves; the applicant uses this browser next

    # The new member admin accepts the invitation and chooses a password.
    invitation = next(m for m in mailoutbox if "/accounts/invitation/" in m.body)
    link = re.search(r"https?://\S+(/accounts/invitation/\S+)", invitation.body).group(1)
    page.goto(link)
    page.get_by_label("New password:", exact=True).fill("Youyiguan-Gate-2026")
    page.get_by_label("New password confirmation").fill("Youyiguan-Gate-2026")
    page.get_by_role("button", name="Set my password and sign in").click()
    page.get_by_role("heading", name="Chongqing Yuxin Cross-Border Logistics Co., Ltd.").wait_for()

    # Signs out and in again with the new password.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("li.wei@yuxin.example")
    page.get_by_label("Password").fill("Youyiguan-Gate-2026")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Chongqing Yuxin Cross-Border Logistics Co., Ltd.").wait_for()

    # Creates an API key, which is shown once.
    page.get_by_role("link", name="API keys").first.click()
    page.get_by_label("Name").fill("Telematics gateway")
    page.get_by_label("Read the member directory").check()
    page.get_by_role("button", name="Create the key").click()
    raw_key = page.locator("#new-api-key").inner_text().strip()
    assert raw_key.startswith("lak_")

    # Calls the API with it.
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/members/me/", headers={"Authorization": f"Api-Key {raw_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.load(response)
    assert body["legal_name"] == "Chongqing Yuxin Cross-Border Logistics Co., Ltd."
    assert body["registration_number"] == "91500000MA5U7K3L28"
