"""An alliance admin resets someone's two-factor sign-in: a lost phone and no backup code left."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.models import MembershipEvent
from tests.alliance.test_sign_in_security import code_for, enrol, sign_in
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = reverse("admin:alliance_user_changelist")
REASON = "Phone lost on the road to Hekou; identity checked by phone with the member's admin."


def reset(admin_client, *people, reason=REASON, **extra):
    return admin_client.post(
        USERS,
        {
            "action": "reset_two_factor",
            "_selected_action": [person.pk for person in people],
            "confirm": "1",
            "reason": reason,
        },
        follow=True,
        **extra,
    )


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def browser():
    """The person's own browser, beside the admin's."""
    return Client()


@pytest.fixture
def enrolled(member_admin, browser):
    enrol(browser, member_admin)
    return member_admin


def test_the_action_asks_for_a_reason_and_says_what_will_happen(admin_client, enrolled):
    asked = admin_client.post(
        USERS, {"action": "reset_two_factor", "_selected_action": [enrolled.pk]}
    )
    refused = reset(admin_client, enrolled, reason="")

    assert 'name="reason"' in asked.content.decode()
    assert "sign in with the password alone" in asked.content.decode()
    assert "This field is required" in refused.content.decode()
    # Nothing was reset without a reason.
    assert TOTPDevice.objects.filter(user=enrolled, confirmed=True).exists()
    assert not MembershipEvent.objects.filter(action="two_factor_reset").exists()


def test_a_reset_removes_the_factor_records_why_and_tells_the_person(
    admin_client, staff, enrolled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = reset(admin_client, enrolled)

    assert "Two-factor sign-in reset for 1 person(s)." in answer.content.decode()
    assert not TOTPDevice.objects.filter(user=enrolled).exists()
    assert not StaticDevice.objects.filter(user=enrolled).exists()
    assert not StaticToken.objects.filter(device__user=enrolled).exists()
    event = MembershipEvent.objects.get(action="two_factor_reset")
    assert (event.actor, event.subject_user, event.member_id) == (
        staff,
        enrolled,
        enrolled.member_id,
    )
    assert event.reason == REASON
    (email,) = mail.outbox
    assert email.to == [enrolled.email]
    assert email.subject == "Two-factor sign-in was reset on your Lorry Alliance account"
    assert "/account/two-factor/" in email.body
    # The reason is the alliance's record, not part of the message.
    assert "Hekou" not in email.body


def test_after_a_reset_the_person_signs_in_with_the_password_alone(admin_client, enrolled):
    reset(admin_client, enrolled)
    person = type(admin_client)()

    answer = sign_in(person, enrolled.email)

    assert answer.status_code == 302 and answer.url == reverse("alliance:dashboard")


def test_reset_staff_are_sent_to_set_up_a_new_authenticator(admin_client, browser):
    colleague = StaffFactory(two_factor=False)
    enrol(browser, colleague)

    reset(admin_client, colleague)
    signed_in = sign_in(browser, colleague.email, url="/admin/login/?next=/admin/")
    admin_page = browser.get("/admin/alliance/member/")

    assert signed_in.status_code == 302 and signed_in.url != reverse("sign_in_code")
    assert admin_page.status_code == 302 and admin_page.url == reverse("alliance:two_factor")


def test_the_email_is_in_the_persons_language(
    admin_client, member, browser, django_capture_on_commit_callbacks
):
    person = UserFactory(member=member, language="vi")
    enrol(browser, person)

    with django_capture_on_commit_callbacks(execute=True):
        reset(admin_client, person)

    assert (
        mail.outbox[-1].subject
        == "Đăng nhập hai bước trên tài khoản Liên minh Xe tải của bạn đã được đặt lại"
    )


def signed_in_with_a_code(browser, person):
    device = enrol(browser, person)
    sign_in(browser, person.email)
    browser.post(reverse("sign_in_code"), {"code": code_for(device, 1)})
    assert browser.get(reverse("alliance:two_factor")).status_code == 200
    return browser


@pytest.mark.parametrize("is_staff", [False, True], ids=["member", "staff"])
def test_every_browser_the_person_was_signed_in_on_is_signed_out(
    admin_client, member_admin, browser, is_staff
):
    # A session left open (say, on the lost phone) must not outlive the reset: a staff one
    # could otherwise enrol an authenticator of its own and become a verified admin session.
    person = StaffFactory(two_factor=False) if is_staff else member_admin
    signed_in_with_a_code(browser, person)
    bystander = Client()
    bystander.force_login(UserFactory(member=member_admin.member))

    reset(admin_client, person)
    page = browser.get(reverse("alliance:two_factor"))

    assert page.status_code == 302 and page.url.startswith("/accounts/login/")
    assert bystander.get(reverse("alliance:dashboard")).status_code == 200
    assert admin_client.get(USERS).status_code == 200


def test_nobody_resets_their_own(client, django_capture_on_commit_callbacks):
    staff = StaffFactory()
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        answer = reset(client, staff)

    assert "Ask another alliance admin to reset your own two-factor sign-in." in (
        answer.content.decode()
    )
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert not MembershipEvent.objects.filter(action="two_factor_reset").exists()
    assert mail.outbox == []


def test_only_a_superuser_resets_a_superuser(client, browser, django_capture_on_commit_callbacks):
    helpdesk = StaffFactory(is_superuser=False)
    helpdesk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    superuser = StaffFactory(full_name="Chen Wei")
    colleague = StaffFactory(is_superuser=False, two_factor=False)
    enrol(browser, colleague)
    client.force_login(helpdesk)

    with django_capture_on_commit_callbacks(execute=True):
        answer = reset(client, superuser, colleague).content.decode()

    assert "Only a superuser may reset the two-factor sign-in of Chen Wei." in answer
    assert "Two-factor sign-in reset for 1 person(s)." in answer
    assert TOTPDevice.objects.filter(user=superuser, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert [email.to for email in mail.outbox] == [[colleague.email]]


def test_staff_who_may_only_view_people_cannot_reset(client, enrolled):
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_user"))
    client.force_login(viewer)

    listed = client.get(USERS).content.decode()
    answer = reset(client, enrolled)

    assert "reset_two_factor" not in listed
    assert answer.status_code == 200
    assert TOTPDevice.objects.filter(user=enrolled, confirmed=True).exists()


def test_someone_without_two_factor_is_refused_by_name_and_the_others_are_reset(
    admin_client, enrolled, member, django_capture_on_commit_callbacks
):
    without = UserFactory(member=member, full_name="Nguyễn Văn An")

    with django_capture_on_commit_callbacks(execute=True):
        answer = reset(admin_client, enrolled, without).content.decode()

    assert "Nguyễn Văn An has no two-factor sign-in to reset." in answer
    assert "Two-factor sign-in reset for 1 person(s)." in answer
    assert MembershipEvent.objects.filter(action="two_factor_reset").count() == 1
    assert [email.to for email in mail.outbox] == [[enrolled.email]]


def test_a_member_cannot_reach_the_action(client, member_admin, enrolled):
    client.force_login(member_admin)

    answer = client.post(
        USERS,
        {
            "action": "reset_two_factor",
            "_selected_action": [enrolled.pk],
            "confirm": "1",
            "reason": REASON,
        },
    )

    # Sent to sign in as someone else: the admin is for alliance staff.
    assert answer.status_code == 302 and "/login/?next=/admin/" in answer.url
    assert TOTPDevice.objects.filter(user=enrolled, confirmed=True).exists()


def test_the_people_list_shows_and_filters_who_has_two_factor(admin_client, enrolled, member):
    without = UserFactory(member=member)

    on = admin_client.get(USERS, {"two_factor": "on"}).content.decode()
    off = admin_client.get(USERS, {"two_factor": "off"}).content.decode()

    assert enrolled.email in on and without.email not in on
    assert without.email in off and enrolled.email not in off


def test_nobody_reads_another_persons_authenticator_key_in_the_admin(admin_client, enrolled):
    device = TOTPDevice.objects.get(user=enrolled)

    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 404
    assert admin_client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert device.key not in admin_client.get("/admin/").content.decode()
