"""Each person reads in their language and their zone: profile, else browser, else country."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from alliance.constants import ApiScope
from alliance.models import User
from tests.factories import MemberFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.fixture
def vietnamese_member():
    return MemberFactory(country="VN")


@pytest.fixture
def undecided(vietnamese_member):
    """Someone who never chose a language, at a Vietnamese company."""
    return UserFactory(member=vietnamese_member, language="")


# --- Who decides ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans"), ("lo-LA", "lo"), ("my", "my"), ("de-DE,de", "en")],
)
def test_a_visitor_reads_the_language_the_browser_asks_for(client, header, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)

    assert page_language(response) == expected
    assert response["Content-Language"] == expected


def test_the_switcher_choice_beats_the_browser_for_a_visitor(client):
    client.post(reverse("set_language"), {"language": "th", "next": "/"})

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="vi")

    assert page_language(response) == "th"


def test_the_profile_beats_the_browser(client, member_admin):
    member_admin.language = "ms"
    member_admin.save()
    client.force_login(member_admin)

    response = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="vi")

    assert page_language(response) == "ms"
    assert in_language("ms", "Dashboard") in response.content.decode()


def test_without_a_choice_the_browser_comes_before_the_companys_country(client, undecided):
    client.force_login(undecided)

    assert page_language(client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="th")) == "th"
    assert page_language(client.get(DASHBOARD)) == "vi"  # no browser preference: Vietnam's


def test_the_switcher_is_remembered_in_the_profile(client, undecided):
    client.force_login(undecided)

    client.post(reverse("set_language"), {"language": "lo", "next": DASHBOARD})
    client.cookies.clear()  # another browser, the same person
    client.force_login(undecided)

    undecided.refresh_from_db()
    assert undecided.language == "lo"
    assert page_language(client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")) == "lo"


def test_the_switcher_ignores_a_language_it_does_not_offer(client, member_admin):
    client.force_login(member_admin)

    client.post(reverse("set_language"), {"language": "xx", "next": DASHBOARD})

    member_admin.refresh_from_db()
    assert member_admin.language == "en"


def test_api_messages_follow_the_clients_accept_language(client, member):
    _key, raw = api_key_for(member, scopes=[ApiScope.ORDERS_READ])

    answer = client.get(
        "/api/v1/orders/?ready_from=yesterday",
        HTTP_AUTHORIZATION=f"Api-Key {raw}",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert answer.status_code == 400
    assert answer["Content-Language"] == "zh-hans"
    assert in_language("zh-hans", "Enter a valid date.") in answer.content.decode()


# --- Your settings page ------------------------------------------------------------------------


def test_a_person_chooses_language_and_zone_on_their_settings_page(client, member_admin):
    client.force_login(member_admin)
    url = reverse("alliance:preferences")
    assert client.get(url).status_code == 200

    response = client.post(url, {"language": "vi", "time_zone": "Asia/Yangon"}, follow=True)

    member_admin.refresh_from_db()
    assert (member_admin.language, member_admin.time_zone) == ("vi", "Asia/Yangon")
    assert page_language(response) == "vi"
    assert in_language("vi", "Your settings are saved.") in response.content.decode()


def test_the_settings_page_refuses_an_unknown_zone_and_saves_nothing(client, member_admin):
    client.force_login(member_admin)

    response = client.post(
        reverse("alliance:preferences"), {"language": "th", "time_zone": "Mars/Olympus"}
    )

    assert response.status_code == 400
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in (
        response.content.decode()
    )
    member_admin.refresh_from_db()
    assert (member_admin.language, member_admin.time_zone) == ("en", "")


def test_the_settings_page_needs_a_signed_in_person(client):
    response = client.get(reverse("alliance:preferences"))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Times, numbers and emails ------------------------------------------------------------------


def test_own_times_are_shown_in_the_persons_zone_named_in_their_language(
    client, undecided, vietnamese_member
):
    undecided.language = "en"
    undecided.save()
    key, _raw = api_key_for(vietnamese_member)
    key.created_at = datetime.fromisoformat("2026-11-20T01:30:00+00:00")
    key.save()
    client.force_login(undecided)

    html = client.get(reverse("alliance:api_keys")).content.decode()

    # No zone chosen: Vietnam's, the company's country.
    assert '<time datetime="2026-11-20T08:30:00+07:00">Fri, 20 Nov 2026, 08:30</time>' in html
    assert 'title="Asia/Ho_Chi_Minh">Vietnam Time</span>' in html

    undecided.time_zone = "Asia/Shanghai"
    undecided.save()
    html = client.get(reverse("alliance:api_keys")).content.decode()
    assert '<time datetime="2026-11-20T09:30:00+08:00">' in html
    assert "China Standard Time" in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "12,345.50 CNY"), ("vi", "12.345,50 CNY"), ("th", "12,345.50 CNY")],
)
def test_money_is_written_the_readers_way_with_its_iso_code(language, expected):
    from orders.templatetags.order_portal import money

    with translation.override(language):
        assert money(Decimal("12345.5"), "CNY") == expected


def test_an_invitation_without_a_chosen_language_is_written_in_the_countrys(
    client, vietnamese_member, django_capture_on_commit_callbacks
):
    admin = UserFactory(member=vietnamese_member)
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("alliance:colleagues"),
            {"full_name": "Nguyễn Văn An", "email": "an@example.vn", "role": "viewer"},
        )

    invited = User.objects.get(email="an@example.vn")
    assert invited.language == ""
    english = "Your Lorry Alliance account for %(member)s"
    subject = in_language("vi", english) % {"member": vietnamese_member.legal_name}
    assert subject != english % {"member": vietnamese_member.legal_name}
    assert mail.outbox[-1].subject == subject
