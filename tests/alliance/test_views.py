import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance import services
from alliance.constants import UserRole
from alliance.models import ApiKey, MembershipApplication, User
from tests.factories import PDF_BYTES, MemberFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db


def apply_form(**overrides) -> dict:
    data = {
        "legal_name": "Chongqing Yuxin Cross-Border Logistics Co., Ltd.",
        "local_name": "重庆渝新跨境物流有限公司",
        "country": "CN",
        "registration_number": "91500000ma5u7k3l28",
        "business_roles": ["carrier", "forwarder"],
        "fleet_size": "120",
        "contact_name": "Li Wei",
        "email": "li.wei@yuxin.example",
        "phone": "+86 23 6300 1234",
        "address": "18 Tuzhu Road, Chongqing",
        "business_licence": SimpleUploadedFile("licence.pdf", PDF_BYTES, "application/pdf"),
        "accept_terms": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_apply_saves_application_and_thanks_the_applicant(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alliance:apply"), apply_form())

    assert response.status_code == 302
    assert response["Location"] == reverse("alliance:apply_done")
    application = MembershipApplication.objects.get()
    assert application.registration_number == "91500000MA5U7K3L28"
    assert str(application.phone) == "+862363001234"
    assert application.business_licence.read() == PDF_BYTES
    assert mail.outbox[0].to == ["li.wei@yuxin.example"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"registration_number": "91500000MA5U7K3L29"},
            "registration_number",
            "unified social credit code",
        ),
        ({"country": "US"}, "country", "Select a valid choice"),
        ({"phone": "12345"}, "phone", "valid phone number"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"accept_terms": None}, "accept_terms", "accept the alliance"),
        ({"fleet_size": ""}, "fleet_size", "Carriers must tell us"),
        ({"business_roles": []}, "business_roles", "This field is required"),
        (
            {
                "business_licence": SimpleUploadedFile(
                    "licence.pdf", b"GIF89a not a pdf", "application/pdf"
                )
            },
            "business_licence",
            "PDF, JPEG or PNG",
        ),
        ({"business_licence": None}, "business_licence", "This field is required"),
    ],
)
def test_apply_refuses_bad_input_field_by_field_and_saves_nothing(
    client, overrides, field, message
):
    response = client.post(reverse("alliance:apply"), apply_form(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    assert not MembershipApplication.objects.exists()


def test_apply_refuses_duplicate_pending_application_with_clear_message(client):
    client.post(reverse("alliance:apply"), apply_form())

    response = client.post(reverse("alliance:apply"), apply_form(email="other@yuxin.example"))

    assert response.status_code == 200
    assert "already under review" in response.content.decode()
    assert MembershipApplication.objects.count() == 1


def test_apply_form_offers_only_alliance_countries(client):
    html = client.get(reverse("alliance:apply")).content.decode()

    assert 'value="VN"' in html and 'value="MM"' in html and 'value="BN"' in html
    assert 'value="US"' not in html and 'value="JP"' not in html


def test_login_with_email_reaches_dashboard(client, member_admin):
    response = client.post(
        reverse("login"), {"username": member_admin.email, "password": "a-long-password-1"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("alliance:dashboard")
    dashboard = client.get(reverse("alliance:dashboard"))
    assert member_admin.member.legal_name in dashboard.content.decode()


def test_login_with_wrong_password_says_so(client, member_admin):
    response = client.post(reverse("login"), {"username": member_admin.email, "password": "wrong"})

    assert response.status_code == 200
    assert "The email or password is not right" in response.content.decode()


def test_login_of_suspended_members_user_is_refused_with_reason(client, member_admin, staff):
    services.member_suspend(member=member_admin.member, actor=staff, reason="Unpaid fees")

    response = client.post(
        reverse("login"), {"username": member_admin.email, "password": "a-long-password-1"}
    )

    assert response.status_code == 200
    assert "membership is suspended" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_suspension_ends_open_sessions(client, member_admin, staff):
    client.force_login(member_admin)
    services.member_suspend(member=member_admin.member, actor=staff, reason="Unpaid fees")

    response = client.get(reverse("alliance:dashboard"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "membership is suspended" in response.content.decode()


def test_invitation_link_sets_password_and_signs_in(
    client, member_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(
            member=member_admin.member,
            actor=member_admin,
            email="new@member.example",
            full_name="New Colleague",
            role=UserRole.DISPATCHER,
        )
    link = re.search(r"http://testserver(\S+)", mail.outbox[-1].body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Mekong-route-2026", "new_password2": "Mekong-route-2026"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("alliance:dashboard")
    assert User.objects.get(email="new@member.example").check_password("Mekong-route-2026")
    assert "New Colleague" in client.get(reverse("alliance:dashboard")).content.decode()
    assert client.get(link, follow=True).context["validlink"] is False


def test_invitation_refuses_weak_password(client, member_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invite(
            member=member_admin.member,
            actor=member_admin,
            email="new@member.example",
            full_name="New Colleague",
            role=UserRole.VIEWER,
        )
    link = re.search(r"http://testserver(\S+)", mail.outbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.get(email="new@member.example").has_usable_password()


def test_directory_lists_active_members_with_search_and_pagination(client, member_admin):
    for number in range(30):
        MemberFactory(legal_name=f"Border Freight {number:02d}", country="VN")
    client.force_login(member_admin)

    first = client.get(reverse("alliance:directory"), {"country": "VN"})
    second = client.get(reverse("alliance:directory"), {"country": "VN", "page": 2})
    searched = client.get(reverse("alliance:directory"), {"q": "freight 07"})

    assert first.context["page"].paginator.count == 30
    assert len(first.context["members"]) == 25 and len(second.context["members"]) == 5
    assert "country=VN&amp;page=2" in first.content.decode()
    assert [m.legal_name for m in searched.context["members"]] == ["Border Freight 07"]
    assert '<span class="tag">Carrier</span>' in searched.content.decode()


def test_directory_needs_sign_in(client):
    response = client.get(reverse("alliance:directory"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_colleagues_page_invites_and_lists(
    client, member_admin, django_capture_on_commit_callbacks
):
    client.force_login(member_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alliance:colleagues"),
            {"full_name": "Chen Jing", "email": "chen@member.example", "role": "dispatcher"},
            follow=True,
        )

    assert "chen@member.example has been invited" in response.content.decode()
    assert User.objects.get(email="chen@member.example").member == member_admin.member
    assert mail.outbox[-1].to == ["chen@member.example"]


def test_colleagues_page_shows_who_has_two_factor_sign_in_on(client, member_admin):
    protected = UserFactory(member=member_admin.member, full_name="Lê Minh")
    TOTPDevice.objects.create(user=protected, name="authenticator", confirmed=True)
    # Started but never confirmed: sign-in does not ask for it, so it is off.
    half_done = UserFactory(member=member_admin.member, full_name="Somchai P.")
    TOTPDevice.objects.create(user=half_done, name="authenticator", confirmed=False)
    client.force_login(member_admin)

    page = client.get(reverse("alliance:colleagues"))

    rows = {row.get_full_name(): row.has_two_factor for row in page.context["colleagues"]}
    assert rows == {"Lê Minh": True, "Somchai P.": False, member_admin.get_full_name(): False}
    html = page.content.decode()
    assert '<th scope="col">Two-factor sign-in</th>' in html
    assert html.count("<td>On</td>") == 1 and html.count("<td>Off</td>") == 2


def test_colleagues_invite_refuses_bad_input(client, member_admin):
    client.force_login(member_admin)

    response = client.post(
        reverse("alliance:colleagues"),
        {"full_name": "", "email": member_admin.email, "role": "boss"},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"full_name", "role"}
    assert User.objects.count() == 1


def test_colleagues_invite_refuses_email_in_use(client, member_admin):
    client.force_login(member_admin)

    response = client.post(
        reverse("alliance:colleagues"),
        {"full_name": "Twin", "email": member_admin.email.upper(), "role": "viewer"},
    )

    assert response.status_code == 400
    assert "already has an account" in response.content.decode()


def test_colleague_role_change_and_deactivation(client, member_admin):
    viewer = UserFactory(member=member_admin.member, role=UserRole.VIEWER)
    client.force_login(member_admin)

    client.post(
        reverse("alliance:colleague_action", args=[viewer.pk, "role"]), {"role": "dispatcher"}
    )
    client.post(reverse("alliance:colleague_action", args=[viewer.pk, "deactivate"]))

    viewer.refresh_from_db()
    assert viewer.role == UserRole.DISPATCHER and not viewer.is_active


def test_colleague_last_admin_cannot_be_demoted_message(client, member_admin):
    client.force_login(member_admin)

    response = client.post(
        reverse("alliance:colleague_action", args=[member_admin.pk, "role"]),
        {"role": "viewer"},
        follow=True,
    )

    assert "only administrator" in response.content.decode()
    member_admin.refresh_from_db()
    assert member_admin.role == UserRole.ADMIN


def test_other_members_colleague_is_404(client, member_admin):
    stranger = UserFactory(member=MemberFactory())
    client.force_login(member_admin)

    response = client.post(reverse("alliance:colleague_action", args=[stranger.pk, "deactivate"]))

    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


@pytest.mark.parametrize("role", [UserRole.VIEWER, UserRole.DISPATCHER])
def test_team_and_keys_pages_are_for_member_admins_only(client, member, role):
    client.force_login(UserFactory(member=member, role=role))

    assert client.get(reverse("alliance:colleagues")).status_code == 403
    assert client.get(reverse("alliance:api_keys")).status_code == 403
    assert (
        client.post(
            reverse("alliance:api_keys"), {"name": "x", "scopes": ["members:read"]}
        ).status_code
        == 403
    )
    assert not ApiKey.objects.exists()


def test_api_key_is_shown_once(client, member_admin):
    client.force_login(member_admin)

    created = client.post(
        reverse("alliance:api_keys"),
        {"name": "Telematics", "scopes": ["events:write", "trips:read"]},
        follow=True,
    )
    raw = created.context["new_key"]["raw"]
    later = client.get(reverse("alliance:api_keys"))

    assert created.redirect_chain == [(reverse("alliance:api_keys"), 302)]
    assert "no-store" in created["Cache-Control"]
    assert raw in created.content.decode()
    assert raw not in later.content.decode()
    assert ApiKey.objects.get().prefix in later.content.decode()


def test_api_key_form_refuses_missing_scopes(client, member_admin):
    client.force_login(member_admin)

    response = client.post(reverse("alliance:api_keys"), {"name": "Telematics"})

    assert response.status_code == 400
    assert "Choose at least one scope" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_api_key_revoke_and_other_members_key_is_404(client, member_admin):
    own, _raw = api_key_for(member_admin.member, actor=member_admin)
    foreign, _raw = api_key_for(MemberFactory())
    client.force_login(member_admin)

    assert client.post(reverse("alliance:api_key_revoke", args=[foreign.pk])).status_code == 404
    client.post(reverse("alliance:api_key_revoke", args=[own.pk]))

    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.is_revoked and not foreign.is_revoked


def test_portal_speaks_chinese_and_vietnamese(client):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get(reverse("alliance:apply")).content.decode()
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    vietnamese = client.get(reverse("alliance:apply")).content.decode()

    assert "申请加入联盟" in chinese
    assert "Đăng ký gia nhập liên minh" in vietnamese


def test_password_reset_sends_link_only_for_known_accounts(client, member_admin):
    client.post(reverse("password_reset"), {"email": member_admin.email})
    client.post(reverse("password_reset"), {"email": "nobody@nowhere.example"})

    assert [message.to for message in mail.outbox] == [[member_admin.email]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_public_application_form_is_rate_limited_per_address(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.APPLICATION_RATE = "2/h"
    bad = {"legal_name": "Spam"}

    answers = [client.post(reverse("alliance:apply"), bad).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert "Too many attempts" in client.post(reverse("alliance:apply"), bad).content.decode()
    assert client.get(reverse("alliance:apply")).status_code == 200  # reading is not limited


def test_sign_in_is_rate_limited_per_address(client, settings, member_admin):
    from django.core.cache import cache

    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.LOGIN_RATE = "3/m"
    wrong = {"username": member_admin.email, "password": "guess"}

    answers = [client.post(reverse("login"), wrong).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
