import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from alliance.models import Member, MembershipApplication, MembershipEvent
from tests.factories import MemberFactory, api_key_for, submit_application

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:alliance_membershipapplication_changelist")


def test_admin_approve_action(client, staff, django_capture_on_commit_callbacks):
    application = submit_application()
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "approve", "_selected_action": [application.pk]}, follow=True
        )

    assert "1 application(s) approved" in response.content.decode()
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.APPROVED
    assert "/accounts/invitation/" in mail.outbox[-1].body


def test_admin_reject_asks_for_reason_then_records_it(client, staff):
    application = submit_application()
    client.force_login(staff)

    asked = client.post(CHANGELIST, {"action": "reject", "_selected_action": [application.pk]})
    refused = client.post(
        CHANGELIST,
        {"action": "reject", "_selected_action": [application.pk], "confirm": "1", "reason": ""},
    )
    done = client.post(
        CHANGELIST,
        {
            "action": "reject",
            "_selected_action": [application.pk],
            "confirm": "1",
            "reason": "Prohibited goods in the business scope",
        },
        follow=True,
    )

    assert 'name="reason"' in asked.content.decode()
    assert "This field is required" in refused.content.decode()
    assert "1 application(s) rejected" in done.content.decode()
    application.refresh_from_db()
    assert application.rejection_reason == "Prohibited goods in the business scope"


def test_admin_application_page_shows_decision_history(client, staff):
    application = submit_application()
    client.force_login(staff)
    client.post(CHANGELIST, {"action": "approve", "_selected_action": [application.pk]})

    page = client.get(reverse("admin:alliance_membershipapplication_change", args=[application.pk]))

    html = page.content.decode()
    assert "Application submitted" in html and "Application approved" in html
    assert staff.email in html


def test_admin_approving_a_decided_application_reports_error(client, staff):
    application = submit_application()
    client.force_login(staff)
    client.post(CHANGELIST, {"action": "approve", "_selected_action": [application.pk]})

    response = client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [application.pk]}, follow=True
    )

    assert "already approved" in response.content.decode()
    assert MembershipEvent.objects.filter(action="application_approved").count() == 1


def test_admin_search_and_filter_applications(client, staff):
    submit_application()
    submit_application(
        legal_name="Hanoi Huu Nghi Transport",
        country="VN",
        registration_number="0101234565",
        email="an@huunghi.example",
    )
    client.force_login(staff)

    by_search = client.get(CHANGELIST, {"q": "Huu Nghi"})
    by_country = client.get(CHANGELIST, {"country": "CN"})

    assert by_search.context["cl"].result_count == 1
    assert by_country.context["cl"].result_count == 1


def test_admin_suspend_member_requires_reason(client, staff):
    member = MemberFactory()
    client.force_login(staff)
    url = reverse("admin:alliance_member_changelist")

    client.post(
        url, {"action": "suspend", "_selected_action": [member.pk], "confirm": "1", "reason": ""}
    )
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE

    client.post(
        url,
        {"action": "suspend", "_selected_action": [member.pk], "confirm": "1", "reason": "Fraud"},
    )
    member.refresh_from_db()
    assert member.status == Member.Status.SUSPENDED and member.suspension_reason == "Fraud"


def test_admin_revokes_api_keys_and_never_deletes_them(client, staff):
    api_key, raw = api_key_for(MemberFactory())
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert keyed.get("/api/v1/members/me/").status_code == 200
    client.force_login(staff)

    deleting = client.get(reverse("admin:alliance_apikey_delete", args=[api_key.pk]))
    revoking = client.post(
        reverse("admin:alliance_apikey_changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk]},
        follow=True,
    )

    assert deleting.status_code == 403
    assert "1 API key(s) revoked." in revoking.content.decode()
    assert keyed.get("/api/v1/members/me/").status_code == 401
