import pytest
from rest_framework.test import APIClient

from alliance import services
from alliance.constants import ApiScope, UserRole
from tests.factories import MemberFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def test_members_me_returns_the_keys_member(member):
    _key, raw = api_key_for(member)

    response = key_client(raw).get("/api/v1/members/me/")

    assert response.status_code == 200
    assert response.json()["id"] == member.pk
    assert response.json()["registration_number"] == member.registration_number


def test_members_me_records_last_use(member):
    api_key, raw = api_key_for(member)
    assert api_key.last_used_at is None

    key_client(raw).get("/api/v1/members/me/")

    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_members_list_is_the_directory_of_active_members(member, staff):
    other = MemberFactory(country="VN", legal_name="Huu Nghi Transport")
    suspended = MemberFactory(legal_name="Suspended Freight")
    services.member_suspend(member=suspended, actor=staff, reason="Unpaid fees")
    _key, raw = api_key_for(member)

    body = key_client(raw).get("/api/v1/members/").json()

    names = {row["legal_name"] for row in body["results"]}
    assert names == {member.legal_name, other.legal_name}
    assert body["count"] == 2
    assert "registration_number" not in body["results"][0]


def test_members_list_filters_by_country_role_and_search(member):
    MemberFactory(country="VN", legal_name="Huu Nghi Transport", business_roles=["carrier"])
    MemberFactory(country="VN", legal_name="Hanoi Brokers", business_roles=["customs_broker"])
    _key, raw = api_key_for(member)
    client = key_client(raw)

    def names(query):
        return sorted(
            row["legal_name"] for row in client.get(f"/api/v1/members/?{query}").json()["results"]
        )

    assert names("country=VN") == ["Hanoi Brokers", "Huu Nghi Transport"]
    assert names("country=VN&role=customs_broker") == ["Hanoi Brokers"]
    assert names("q=nghi") == ["Huu Nghi Transport"]


def test_members_list_orders_by_name_country_or_joining(member):
    MemberFactory(country="VN", legal_name="Anh Duong Logistics")
    MemberFactory(country="TH", legal_name="Zenith Freight")
    _key, raw = api_key_for(member)
    client = key_client(raw)

    def names(ordering):
        response = client.get(f"/api/v1/members/?ordering={ordering}")
        return [row["legal_name"] for row in response.json()["results"]]

    assert names("-legal_name")[0] == "Zenith Freight"
    by_country = names("country,legal_name")
    assert by_country.index("Zenith Freight") < by_country.index("Anh Duong Logistics")  # TH, VN
    assert names("-joined_at")[:2] == ["Zenith Freight", "Anh Duong Logistics"]
    assert client.get("/api/v1/members/?ordering=email").status_code == 400


def test_members_list_refuses_unknown_filter_values(member):
    _key, raw = api_key_for(member)

    response = key_client(raw).get("/api/v1/members/?country=US")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "country" in response.json()["error"]["fields"]


def test_api_key_outside_its_scopes_is_refused_with_403_and_reason(member):
    _key, raw = api_key_for(member, scopes=[ApiScope.EVENTS_WRITE])

    response = key_client(raw).get("/api/v1/members/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "'members:read'" in response.json()["error"]["message"]


def test_unknown_or_malformed_api_key_is_refused_with_401():
    for header in [
        "Api-Key lak_nope",
        "Api-Key lak_00000000aaaaaaaaaaaaaaaaaaaaaaaa",
        "Api-Key a b",
    ]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)

        response = client.get("/api/v1/members/me/")

        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "authentication_failed"
        assert response["WWW-Authenticate"] == "Api-Key"


def test_revoked_api_key_stops_working(member):
    api_key, raw = api_key_for(member)
    client = key_client(raw)
    assert [client.get("/api/v1/members/me/").status_code for _ in range(3)] == [200] * 3
    services.api_key_revoke(api_key=api_key, actor=api_key.created_by)

    response = client.get("/api/v1/members/me/")

    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_suspended_members_api_keys_stop_working_with_a_clear_message(member, staff):
    _key, raw = api_key_for(member)
    client = key_client(raw)
    assert [client.get("/api/v1/members/me/").status_code for _ in range(3)] == [200] * 3
    services.member_suspend(member=member, actor=staff, reason="Unpaid fees")

    response = client.get("/api/v1/members/me/")

    assert response.status_code == 401
    assert "suspended" in response.json()["error"]["message"]


def test_anonymous_request_is_refused():
    response = APIClient().get("/api/v1/members/")

    assert response.status_code == 401


def test_signed_in_viewer_reads_directory_through_session(member):
    viewer = UserFactory(member=member, role=UserRole.VIEWER)
    client = APIClient()
    client.force_login(viewer)

    assert client.get("/api/v1/members/me/").json()["id"] == member.pk


def test_members_detail_of_suspended_member_is_404(member, staff):
    suspended = MemberFactory()
    services.member_suspend(member=suspended, actor=staff, reason="Unpaid fees")
    _key, raw = api_key_for(member)

    response = key_client(raw).get(f"/api/v1/members/{suspended.pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_staff_members_me_is_404_with_explanation(staff):
    client = APIClient()
    client.force_login(staff)

    response = client.get("/api/v1/members/me/")

    assert response.status_code == 404
    assert "staff" in response.json()["error"]["message"]


def test_members_list_query_count_does_not_grow_with_members(member, django_assert_max_num_queries):
    MemberFactory.create_batch(40)
    _key, raw = api_key_for(member)
    client = key_client(raw)

    # Key lookup with its member, last-used stamp, count and page: nothing per row.
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/members/")

    assert response.json()["count"] == 41
