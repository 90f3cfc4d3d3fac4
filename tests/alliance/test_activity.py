"""A member's activity log: its administrators see what was done within their company."""

import pytest
from django.urls import reverse

from alliance import services
from alliance.constants import UserRole
from alliance.models import MembershipEvent
from tests.factories import MemberFactory, StaffFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db

ACTIVITY = reverse("alliance:activity")


def rows(page) -> list[tuple[str, str, str]]:
    return [
        (
            event.get_action_display(),
            "secretariat" if event.actor and event.actor.is_staff else event.actor.get_full_name(),
            event.subject_user.get_full_name() if event.subject_user else "",
        )
        for event in page.context["events"]
    ]


@pytest.fixture
def history(member, member_admin):
    """An invitation, a role change, a key made and revoked, then a reset by the secretariat."""
    colleague = services.user_invite(
        member=member,
        actor=member_admin,
        email="lan@member.example",
        full_name="Phạm Lan",
        role=UserRole.DISPATCHER,
    )
    services.user_change_role(user=colleague, actor=member_admin, role=UserRole.ADMIN)
    api_key, _raw = api_key_for(member, actor=member_admin)
    services.api_key_revoke(api_key=api_key, actor=member_admin)
    MembershipEvent.objects.create(
        action=MembershipEvent.Action.TWO_FACTOR_RESET,
        actor=StaffFactory(full_name="Wang Fang"),
        member=member,
        subject_user=colleague,
        reason="Phone lost; identity checked by a call to the member's admin.",
    )
    return colleague


def test_administrators_see_their_companys_activity_newest_first(
    client, member_admin, history, django_assert_max_num_queries
):
    client.force_login(member_admin)

    with django_assert_max_num_queries(12):
        page = client.get(ACTIVITY)

    assert page.status_code == 200
    name = member_admin.get_full_name()
    assert rows(page) == [
        ("Two-factor sign-in reset", "secretariat", "Phạm Lan"),
        ("API key revoked", name, ""),
        ("API key created", name, ""),
        ("Colleague's role changed", name, "Phạm Lan"),
        ("Colleague invited", name, "Phạm Lan"),
    ]
    html = page.content.decode()
    assert "API key “Telematics gateway”" in html
    assert "Dispatcher → Administrator" in html
    # Staff act for the alliance: neither their name nor their own notes reach members.
    assert "The Lorry Alliance secretariat" in html
    assert "Wang Fang" not in html and "identity checked" not in html


def test_another_companys_activity_is_not_shown(client, member_admin, history):
    other = MemberFactory()
    other_admin = UserFactory(member=other)
    api_key_for(other, actor=other_admin)
    client.force_login(other_admin)

    page = client.get(ACTIVITY)

    assert rows(page) == [("API key created", other_admin.get_full_name(), "")]
    assert "Phạm Lan" not in page.content.decode()


def test_the_log_filters_by_event_and_refuses_an_unknown_one(client, member_admin, history):
    client.force_login(member_admin)

    revoked = client.get(ACTIVITY, {"action": "api_key_revoked"})
    unknown = client.get(ACTIVITY, {"action": "everything"})

    assert [row[0] for row in rows(revoked)] == ["API key revoked"]
    assert "Select a valid choice. everything is not one of the available choices." in (
        unknown.content.decode()
    )
    assert len(rows(unknown)) == 5


def test_the_log_pages_through_long_histories_keeping_the_filter(client, member, member_admin):
    for action, count in ((MembershipEvent.Action.USER_ROLE_CHANGED, 30), ("api_key_created", 3)):
        MembershipEvent.objects.bulk_create(
            MembershipEvent(action=action, actor=member_admin, member=member, details={})
            for _ in range(count)
        )
    client.force_login(member_admin)

    first = client.get(ACTIVITY, {"action": "user_role_changed"})
    second = client.get(ACTIVITY, {"action": "user_role_changed", "page": 2})

    assert "30 events" in first.content.decode()
    assert 'href="?action=user_role_changed&amp;page=2"' in first.content.decode()
    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert {row[0] for row in rows(second)} == {"Colleague's role changed"}
    assert "Page 2 of 2" in second.content.decode()


def test_the_filter_offers_only_what_a_member_can_have(client, member_admin):
    client.force_login(member_admin)

    offered = dict(client.get(ACTIVITY).context["form"].fields["action"].choices)

    assert "two_factor_reset" in offered and "api_key_revoked" in offered
    assert "application_submitted" not in offered and "application_rejected" not in offered


@pytest.mark.parametrize("role", [UserRole.DISPATCHER, UserRole.VIEWER])
def test_only_administrators_see_the_log(client, member, history, role):
    client.force_login(UserFactory(member=member, role=role))

    assert client.get(ACTIVITY).status_code == 403


def test_the_log_needs_a_sign_in(client):
    answer = client.get(ACTIVITY)

    assert answer.status_code == 302 and answer.url.startswith(reverse("login"))


def test_the_colleagues_page_links_to_the_log(client, member_admin):
    client.force_login(member_admin)

    assert f'href="{ACTIVITY}"' in client.get(reverse("alliance:colleagues")).content.decode()
