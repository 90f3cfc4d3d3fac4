"""What onboarding refuses: hostile files, stale links, guessing, and view-only staff."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from alliance import services
from alliance.constants import UserRole
from alliance.models import MembershipApplication, User
from tests.alliance.test_views import apply_form
from tests.factories import PDF_BYTES, StaffFactory, UserFactory, submit_application

pytestmark = pytest.mark.django_db


class FailingMailServer:
    """Stands in for an SMTP server that is down (outside this machine)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("connection refused")


def invitation_path(message) -> str:
    return re.search(r"http://testserver(\S+)", message.body).group(1)


def test_licence_is_stored_under_a_random_name_with_the_detected_type(client):
    hostile = SimpleUploadedFile("evil.html", PDF_BYTES + b"<script>alert(1)</script>", "text/html")

    client.post(reverse("alliance:apply"), apply_form(business_licence=hostile))

    name = MembershipApplication.objects.get().business_licence.name
    assert name.endswith(".pdf") and "evil" not in name


def test_licence_download_is_for_staff_only_and_never_rendered(client, member_admin):
    application = submit_application()
    url = reverse("alliance:application_licence", args=[application.pk])

    client.force_login(member_admin)
    refused = client.get(url)
    client.force_login(StaffFactory())
    download = client.get(url)

    assert refused.status_code == 404  # a member sees no sign that the licence exists
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_view_only_staff_cannot_run_admin_actions(client):
    application = submit_application()
    viewer = User.objects.create_user(
        email="auditor@lorry-alliance.example",
        password="x" * 12,
        full_name="Auditor",
        is_staff=True,
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_membershipapplication"))
    client.force_login(viewer)

    client.post(
        reverse("admin:alliance_membershipapplication_changelist"),
        {"action": "approve", "_selected_action": [application.pk]},
    )

    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.PENDING


def test_password_reset_token_does_not_open_the_invitation_page(client, member_admin):
    uid = urlsafe_base64_encode(force_bytes(member_admin.pk))
    token = default_token_generator.make_token(member_admin)

    page = client.get(reverse("invitation_accept", args=[uid, token]), follow=True)

    assert page.context["validlink"] is False


def _invite(member_admin, capture):
    with capture(execute=True):
        return services.user_invite(
            member=member_admin.member,
            actor=member_admin,
            email="new@member.example",
            full_name="New Colleague",
            role=UserRole.VIEWER,
        )


def test_deactivated_invitee_cannot_use_the_old_link(
    client, member_admin, django_capture_on_commit_callbacks
):
    invitee = _invite(member_admin, django_capture_on_commit_callbacks)
    services.user_deactivate(user=invitee, actor=member_admin)

    page = client.get(invitation_path(mail.outbox[-1]), follow=True)

    assert page.context["validlink"] is False


def test_suspended_members_invitee_cannot_use_the_link(
    client, member_admin, staff, django_capture_on_commit_callbacks
):
    _invite(member_admin, django_capture_on_commit_callbacks)
    services.member_suspend(member=member_admin.member, actor=staff, reason="Unpaid fees")

    page = client.get(invitation_path(mail.outbox[-1]), follow=True)

    assert page.context["validlink"] is False


def test_lost_invitation_is_sent_again_from_the_team_page(
    client, member_admin, django_capture_on_commit_callbacks
):
    invitee = _invite(member_admin, django_capture_on_commit_callbacks)
    client.force_login(member_admin)
    assert (
        "Send the invitation again" in client.get(reverse("alliance:colleagues")).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alliance:colleague_action", args=[invitee.pk, "resend"]), follow=True
        )

    assert "A new invitation was sent to new@member.example" in response.content.decode()
    assert [m.to for m in mail.outbox[-2:]] == [["new@member.example"]] * 2
    assert client.get(invitation_path(mail.outbox[-1]), follow=True).context["validlink"] is True


def test_an_admin_who_never_accepted_does_not_count_as_second_admin(
    member_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(
            member=member_admin.member,
            actor=member_admin,
            email="ghost@member.example",
            full_name="Ghost",
            role=UserRole.ADMIN,
        )

    with pytest.raises(services.LastAdministrator):
        services.user_change_role(user=member_admin, actor=member_admin, role=UserRole.VIEWER)


def test_sign_in_ignores_the_case_of_the_email(client, member_admin):
    response = client.post(
        reverse("login"),
        {"username": member_admin.email.capitalize(), "password": "a-long-password-1"},
    )

    assert response.status_code == 302


def test_admin_sign_in_is_rate_limited(client, settings, staff):
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.LOGIN_RATE = "2/m"
    wrong = {"username": staff.email, "password": "guess", "next": "/admin/"}

    answers = [client.post("/admin/login/", wrong).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_password_reset_is_rate_limited_per_email(client, settings, member_admin):
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.LOGIN_RATE = "2/m"

    answers = [
        client.post(
            reverse("password_reset"), {"email": member_admin.email}, REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(3)
    ]

    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_mail_server_down_does_not_lose_the_application(client, settings):
    settings.EMAIL_BACKEND = "tests.alliance.test_security.FailingMailServer"

    response = client.post(reverse("alliance:apply"), apply_form())

    assert response.status_code == 302
    assert MembershipApplication.objects.count() == 1


def test_emails_are_plain_text_not_html_escaped(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit_application(legal_name="Smith & O'Brien Freight", contact_name="Tom O'Brien")

    assert (
        mail.outbox[0].subject
        == "We received the membership application of Smith & O'Brien Freight"
    )
    assert "Dear Tom O'Brien," in mail.outbox[0].body


def test_overlong_email_is_a_form_error_not_a_crash(client, member_admin):
    long_email = "a" * 250 + "@member.example"

    applied = client.post(reverse("alliance:apply"), apply_form(email=long_email))
    client.force_login(member_admin)
    invited = client.post(
        reverse("alliance:colleagues"), {"full_name": "Long", "email": long_email, "role": "viewer"}
    )

    assert applied.status_code == 200 and "email" in applied.context["form"].errors
    assert invited.status_code == 400 and "email" in invited.context["form"].errors


def test_suspended_session_calling_the_api_gets_json_401(member_admin, staff):
    client = APIClient()
    client.force_login(member_admin)
    services.member_suspend(member=member_admin.member, actor=staff, reason="Unpaid fees")

    response = client.get("/api/v1/members/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "member_suspended"


@pytest.mark.parametrize("role", [UserRole.VIEWER, UserRole.DISPATCHER])
def test_non_admins_cannot_change_colleagues_or_revoke_keys(client, member, role):
    from tests.factories import api_key_for

    admin = UserFactory(member=member, role=UserRole.ADMIN)
    api_key, _raw = api_key_for(member, actor=admin)
    client.force_login(UserFactory(member=member, role=role))

    assert (
        client.post(reverse("alliance:colleague_action", args=[admin.pk, "deactivate"])).status_code
        == 403
    )
    assert client.post(reverse("alliance:api_key_revoke", args=[api_key.pk])).status_code == 403
    admin.refresh_from_db()
    api_key.refresh_from_db()
    assert admin.is_active and not api_key.is_revoked
