"""Sign-in security: the lockout per (email, address), and two-factor sign-in with TOTP."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.models import MembershipEvent
from tests.factories import StaffFactory, UserFactory, api_key_for, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"
LOCKED = "Too many failed sign-in attempts"


def sign_in(client, email, password=PASSWORD, url="/accounts/login/", **extra):
    return client.post(url, {"username": email, "password": password}, **extra)


def fail(client, email, times, **extra):
    return [sign_in(client, email, "not-the-password", **extra) for _ in range(times)]


code_for = totp_code


def enrol(client, user):
    """Turns two-factor sign-in on through the settings page; returns the device."""
    client.force_login(user)
    client.post(reverse("alliance:two_factor_action", args=["enrol"]))
    device = TOTPDevice.objects.get(user=user)
    confirmed = client.post(
        reverse("alliance:two_factor_action", args=["confirm"]), {"code": code_for(device)}
    )
    assert confirmed.status_code == 302
    client.logout()
    return device


# --- Lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_out_that_email_from_that_address(client, member_admin):
    answers = fail(client, member_admin.email, 5)
    right_password = sign_in(client, member_admin.email)

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert right_password.status_code == 429
    page = right_password.content.decode()
    assert LOCKED in page and "30 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lockout_spares_other_addresses_and_other_accounts(client, member_admin, member):
    colleague = UserFactory(member=member)
    fail(client, member_admin.email, 5)

    elsewhere = sign_in(client, member_admin.email, REMOTE_ADDR="198.51.100.20")
    client.logout()
    other_account = sign_in(client, colleague.email)

    assert elsewhere.status_code == 302
    assert other_account.status_code == 302


def test_the_lockout_ignores_the_case_of_the_email(client, member_admin):
    fail(client, member_admin.email.upper(), 3)
    fail(client, member_admin.email.capitalize(), 2)

    assert sign_in(client, member_admin.email).status_code == 429


def test_the_locked_page_is_the_same_for_an_unknown_email(client, member_admin):
    known = fail(client, member_admin.email, 5)[-1]
    unknown = fail(client, "nobody@nowhere.example", 5)[-1]

    def alert(response):
        page = response.content.decode()
        return page[page.index('role="alert"') :].split("</div>")[0]

    assert known.status_code == unknown.status_code == 429
    assert alert(known) == alert(unknown)
    assert member_admin.email not in known.content.decode()


def test_the_cool_off_expires(client, member_admin):
    fail(client, member_admin.email, 5)
    # Thirty-one minutes pass.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    assert sign_in(client, member_admin.email).status_code == 302


def test_a_successful_sign_in_resets_the_count(client, member_admin):
    fail(client, member_admin.email, 4)
    assert sign_in(client, member_admin.email).status_code == 302
    client.logout()

    answers = fail(client, member_admin.email, 4)

    assert [a.status_code for a in answers] == [200] * 4
    assert sign_in(client, member_admin.email).status_code == 302


def test_the_limit_and_cool_off_come_from_settings(client, member_admin, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=5)

    answers = fail(client, member_admin.email, 2)

    assert [a.status_code for a in answers] == [200, 429]
    assert "5 minutes" in answers[-1].content.decode()


def test_admin_sign_in_locks_out_too(client):
    staff = StaffFactory()
    wrong = {"username": staff.email, "password": "guess", "next": "/admin/"}

    answers = [client.post("/admin/login/", wrong).status_code for _ in range(5)]
    right = client.post("/admin/login/", {**wrong, "password": PASSWORD})

    assert answers == [200, 200, 200, 200, 429]
    assert right.status_code == 429 and LOCKED in right.content.decode()


def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_names(
    client, member_admin, settings
):
    settings.CLIENT_ADDRESS_META_KEY = "HTTP_X_REAL_IP"
    fail(client, member_admin.email, 5, HTTP_X_REAL_IP="203.0.113.5")

    same_client = sign_in(client, member_admin.email, HTTP_X_REAL_IP="203.0.113.5")
    other_client = sign_in(client, member_admin.email, HTTP_X_REAL_IP="203.0.113.6")

    assert same_client.status_code == 429
    assert other_client.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_a_forged_forwarding_header_does_not_escape_the_lockout(client, member_admin):
    fail(client, member_admin.email, 5)

    forged = sign_in(client, member_admin.email, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert forged.status_code == 429


def test_staff_unlock_from_the_admin(client, member_admin):
    fail(client, member_admin.email, 5)
    attempt = AccessAttempt.objects.get()
    admin_client = type(client)()
    admin_client.force_login(StaffFactory())

    listed = admin_client.get("/admin/axes/accessattempt/")
    admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert listed.status_code == 200 and member_admin.email in listed.content.decode()
    assert sign_in(client, member_admin.email).status_code == 302


@pytest.mark.parametrize(
    ("language", "section", "column", "status"),
    [
        ("vi", "Khóa đăng nhập", "Số lần đăng nhập thất bại", "Đã bị khóa"),
        ("zh-hans", "登录锁定", "登录失败次数", "已锁定"),
    ],
)
def test_staff_read_the_lockouts_in_their_language(
    client, member_admin, language, section, column, status
):
    """django-axes ships no catalogue for the alliance's languages; ours speaks for it."""
    fail(client, member_admin.email, 5)
    admin_client = type(client)()
    admin_client.force_login(StaffFactory())
    admin_client.post(reverse("set_language"), {"language": language, "next": "/admin/"})

    index = admin_client.get("/admin/").content.decode()
    listed = admin_client.get("/admin/axes/accessattempt/").content.decode()

    assert section in index and ">Axes<" not in index
    assert column in listed and "Failed Logins" not in listed
    assert status in listed and "Locked Out" not in listed


def test_api_keys_are_not_touched_by_the_lockout(client, member, member_admin):
    fail(client, member_admin.email, 5)
    _, raw_key = api_key_for(member, actor=member_admin)

    answer = client.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    assert answer.status_code == 200


# --- Two-factor: enrolment -------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_then_needs_a_current_code(client, member_admin):
    client.force_login(member_admin)
    client.post(reverse("alliance:two_factor_action", args=["enrol"]))
    device = TOTPDevice.objects.get(user=member_admin)

    page = client.get(reverse("alliance:two_factor")).content.decode()
    wrong = client.post(reverse("alliance:two_factor_action", args=["confirm"]), {"code": "000000"})

    assert "<svg" in page and page.count("<path") >= 1
    assert page.count(page[page.index('id="secret">') + 12 :].split("<")[0]) >= 1
    assert device.config_url.split("secret=")[1].split("&")[0] in page
    assert wrong.status_code == 400
    assert "This code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed  # a device counts only once a code confirms it


def test_confirming_turns_it_on_and_shows_the_backup_codes_once(client, member_admin):
    client.force_login(member_admin)
    client.post(reverse("alliance:two_factor_action", args=["enrol"]))
    device = TOTPDevice.objects.get(user=member_admin)

    confirmed = client.post(
        reverse("alliance:two_factor_action", args=["confirm"]), {"code": code_for(device)}
    )
    first = client.get(reverse("alliance:two_factor")).content.decode()
    again = client.get(reverse("alliance:two_factor")).content.decode()

    device.refresh_from_db()
    assert confirmed.status_code == 302 and device.confirmed
    codes = list(
        StaticToken.objects.filter(device__user=member_admin).values_list("token", flat=True)
    )
    assert len(codes) == 10 and all(code in first for code in codes)
    assert not any(code in again for code in codes)
    assert "10 unused backup codes" in again
    # The session that confirmed the code is a two-factor session: the portal still opens.
    assert client.get(reverse("alliance:dashboard")).status_code == 200


def test_the_settings_page_shows_the_two_factor_section(client, member_admin):
    client.force_login(member_admin)

    page = client.get(reverse("alliance:preferences")).content.decode()

    assert "Two-factor sign-in" in page and reverse("alliance:two_factor") in page


# --- Two-factor: signing in -----------------------------------------------------------------


def test_without_a_device_a_member_admin_signs_in_with_the_password_alone(client, member_admin):
    answer = sign_in(client, member_admin.email)

    assert answer.status_code == 302 and answer.url == reverse("alliance:dashboard")
    assert client.get(reverse("alliance:dashboard")).status_code == 200


def test_with_a_device_the_password_leads_to_the_code_step_only(client, member, member_admin):
    device = enrol(client, member_admin)

    after_password = sign_in(client, member_admin.email)
    dashboard = client.get(reverse("alliance:dashboard"))
    api = client.get("/api/v1/members/")

    assert after_password.status_code == 302
    assert after_password.url == reverse("sign_in_code")
    # Half signed in is signed out, to the portal and to the API's session authentication.
    assert dashboard.status_code == 302 and dashboard.url.startswith("/accounts/login/")
    assert api.status_code in (401, 403)

    code_page = client.get(reverse("sign_in_code"))
    done = client.post(reverse("sign_in_code"), {"code": code_for(device, steps_ahead=1)})

    assert code_page.status_code == 200
    assert done.status_code == 302 and done.url == reverse("alliance:dashboard")
    assert client.get(reverse("alliance:dashboard")).status_code == 200
    assert client.get("/api/v1/members/").status_code == 200


def test_a_wrong_code_is_refused_with_a_message_and_then_throttled(client, member_admin):
    device = enrol(client, member_admin)
    sign_in(client, member_admin.email)

    wrong = client.post(reverse("sign_in_code"), {"code": "123456"})
    right_too_soon = client.post(reverse("sign_in_code"), {"code": code_for(device, 1)})

    assert wrong.status_code == 400
    assert "This code is not right" in wrong.content.decode()
    assert right_too_soon.status_code == 400
    assert "Too many wrong codes. Wait" in right_too_soon.content.decode()
    assert "_auth_user_id" not in client.session

    # The wait passes.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    assert client.post(reverse("sign_in_code"), {"code": code_for(device, 1)}).status_code == 302


def test_wrong_codes_count_towards_the_lockout(client, member_admin):
    enrol(client, member_admin)
    sign_in(client, member_admin.email)

    answers = [
        client.post(reverse("sign_in_code"), {"code": f"{n:06d}"}).status_code for n in range(5)
    ]

    assert answers == [400, 400, 400, 400, 429]
    assert sign_in(client, member_admin.email).status_code == 429


def test_the_code_step_needs_the_password_step_first(client, member_admin):
    answer = client.get(reverse("sign_in_code"))

    assert answer.status_code == 302 and answer.url == reverse("login")


def test_the_code_step_expires(client, member_admin, settings):
    enrol(client, member_admin)
    sign_in(client, member_admin.email)
    settings.SIGN_IN_CODE_SECONDS = -1

    answer = client.post(reverse("sign_in_code"), {"code": "123456"})

    assert answer.status_code == 302 and answer.url == reverse("login")


def test_a_backup_code_works_once(client, member_admin):
    enrol(client, member_admin)
    backup = StaticToken.objects.filter(device__user=member_admin).first().token

    sign_in(client, member_admin.email)
    first = client.post(reverse("sign_in_code"), {"code": backup})
    client.logout()
    sign_in(client, member_admin.email)
    second = client.post(reverse("sign_in_code"), {"code": backup})

    assert first.status_code == 302
    assert second.status_code == 400 and "This code is not right" in second.content.decode()
    assert StaticToken.objects.filter(device__user=member_admin).count() == 9


def test_a_session_from_before_enrolment_is_signed_out(client, member_admin):
    other_browser = type(client)()
    other_browser.force_login(member_admin)
    enrol(client, member_admin)

    answer = other_browser.get(reverse("alliance:dashboard"))

    assert answer.status_code == 302 and answer.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in other_browser.session


def test_api_keys_need_no_code(client, member, member_admin):
    enrol(client, member_admin)
    _, raw_key = api_key_for(member, actor=member_admin)

    answer = client.get("/api/v1/members/", HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    assert answer.status_code == 200


# --- Two-factor: staff -----------------------------------------------------------------------


def test_staff_without_a_device_are_sent_to_enrol_before_any_page(client):
    staff = StaffFactory(two_factor=False)
    assert sign_in(client, staff.email, url="/admin/login/?next=/admin/").status_code == 302

    admin_page = client.get("/admin/alliance/member/")
    portal_page = client.get(reverse("alliance:dashboard"))
    enrol_page = client.get(reverse("alliance:two_factor"))

    assert admin_page.status_code == 302 and admin_page.url == reverse("alliance:two_factor")
    assert portal_page.status_code == 302 and portal_page.url == reverse("alliance:two_factor")
    assert enrol_page.status_code == 200
    assert "Alliance staff must use two-factor sign-in" in enrol_page.content.decode()

    client.post(reverse("alliance:two_factor_action", args=["enrol"]))
    device = TOTPDevice.objects.get(user=staff)
    client.post(reverse("alliance:two_factor_action", args=["confirm"]), {"code": code_for(device)})

    assert client.get("/admin/alliance/member/").status_code == 200


def test_staff_with_a_device_pass_the_code_step_to_reach_the_admin(client):
    staff = StaffFactory(two_factor=False)
    device = enrol(client, staff)

    after_password = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )
    admin_before_code = client.get("/admin/")
    done = client.post(reverse("sign_in_code"), {"code": code_for(device, 1)})

    assert after_password.status_code == 302 and after_password.url == reverse("sign_in_code")
    assert admin_before_code.status_code == 302
    assert admin_before_code.url.startswith("/admin/login/")
    assert done.status_code == 302 and done.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_refuses_a_staff_session_not_verified_with_a_code(client):
    staff = StaffFactory(two_factor=False)
    client.force_login(staff)

    assert client.get("/admin/").status_code == 302


def test_a_member_signed_in_sees_the_admin_login_not_a_redirect_loop(client, member_admin):
    client.force_login(member_admin)

    answer = client.get("/admin/", follow=True)

    assert answer.status_code == 200
    assert answer.redirect_chain == [("/admin/login/?next=/admin/", 302)]


def test_staff_cannot_turn_two_factor_off(client):
    staff = StaffFactory()
    client.force_login(staff)

    answer = client.post(
        reverse("alliance:two_factor_action", args=["disable"]), {"password": PASSWORD}
    )

    assert answer.status_code == 400
    assert "Alliance staff must keep two-factor sign-in on" in answer.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()


# --- Two-factor: turning off -----------------------------------------------------------------


def test_turning_off_needs_a_code_or_the_password(client, member_admin):
    device = enrol(client, member_admin)
    sign_in(client, member_admin.email)
    client.post(reverse("sign_in_code"), {"code": code_for(device, 1)})
    url = reverse("alliance:two_factor_action", args=["disable"])

    nothing = client.post(url, {})
    wrong_password = client.post(url, {"password": "not-it-at-all"})
    turned_off = client.post(url, {"password": PASSWORD})

    assert nothing.status_code == 400
    assert "Give a current code or your password" in nothing.content.decode()
    assert wrong_password.status_code == 400
    assert "This password is not right" in wrong_password.content.decode()
    assert turned_off.status_code == 302
    assert not TOTPDevice.objects.filter(user=member_admin).exists()
    assert not StaticToken.objects.filter(device__user=member_admin).exists()
    client.logout()
    assert sign_in(client, member_admin.email).url == reverse("alliance:dashboard")


def test_turning_it_on_and_off_is_recorded_and_turning_off_is_told_by_email(
    client, member, django_capture_on_commit_callbacks
):
    person = UserFactory(member=member, language="vi")
    device = enrol(client, person)
    sign_in(client, person.email)
    client.post(reverse("sign_in_code"), {"code": code_for(device, 1)})
    url = reverse("alliance:two_factor_action", args=["disable"])

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, {"password": "not-it-at-all"})
    assert refused.status_code == 400 and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"password": PASSWORD})

    events = MembershipEvent.objects.filter(subject_user=person).order_by("created_at")
    assert [(e.action, e.actor, e.member_id) for e in events] == [
        ("two_factor_on", person, member.pk),
        ("two_factor_off", person, member.pk),
    ]
    (email,) = mail.outbox
    assert email.to == [person.email]
    assert email.subject == "Đăng nhập hai bước trên tài khoản Liên minh Xe tải của bạn đã bị tắt"
    assert "/account/two-factor/" in email.body


def test_turning_off_twice_is_refused_and_told_once(
    client, member_admin, django_capture_on_commit_callbacks
):
    device = enrol(client, member_admin)
    sign_in(client, member_admin.email)
    client.post(reverse("sign_in_code"), {"code": code_for(device, 1)})
    url = reverse("alliance:two_factor_action", args=["disable"])

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"password": PASSWORD})
        second = client.post(url, {"password": PASSWORD})

    assert first.status_code == 302
    assert second.status_code == 302
    assert "Two-factor sign-in is already off." in client.get(second.url).content.decode()
    assert MembershipEvent.objects.filter(action="two_factor_off").count() == 1
    assert len(mail.outbox) == 1


def test_turning_off_with_a_current_code(client, member_admin):
    device = enrol(client, member_admin)
    sign_in(client, member_admin.email)
    client.post(reverse("sign_in_code"), {"code": code_for(device, 1)})

    answer = client.post(
        reverse("alliance:two_factor_action", args=["disable"]), {"code": "000000"}
    )

    assert answer.status_code == 400 and "This code is not right" in answer.content.decode()
    assert TOTPDevice.objects.filter(user=member_admin).exists()


def test_signed_in_people_keep_working_while_the_cache_is_down(client, settings, member_admin):
    # Redis gone (nothing listens on port 1): the two-factor check asks the database instead.
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    client.force_login(member_admin)

    response = client.get(reverse("alliance:dashboard"))

    assert response.status_code == 200
    assert response.context["user"] == member_admin
