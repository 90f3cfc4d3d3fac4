"""Odd input that Schemathesis found answered with HTML, a 500, or a page nobody asked for."""

import pytest
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from tests.factories import MemberFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    _key, raw = api_key_for(MemberFactory(), scopes=list(ApiScope.values))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize(
    "path", ["/api/v1/orders/not-a-number/", "/api/v1/no-such-thing/", "/api/v1/trips/1/legs/x/"]
)
def test_a_path_no_api_route_matches_answers_json_not_the_portals_page(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_a_portal_path_that_does_not_exist_still_gets_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("action", ["release", "reallocate"])
def test_a_booking_id_that_is_not_a_number_is_a_404_not_a_server_error(api, action):
    response = api.post(f"/api/v1/bookings/null/{action}/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=abc", "limit"), ("limit=0", "limit"), ("offset=-3", "offset"), ("offset=", "offset")],
)
def test_a_malformed_page_is_refused_rather_than_quietly_replaced(api, query, field):
    response = api.get(f"/api/v1/members/?{query}")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    minimum = 1 if field == "limit" else 0
    assert body["fields"] == {field: [f"Send a whole number of at least {minimum}."]}


@pytest.mark.parametrize(
    ("path", "query", "field", "maximum"),
    [
        ("/api/v1/members/", "limit=1001", "limit", "1000"),
        ("/api/v1/trips/", "limit=99999999999999999999", "limit", "1000"),
        ("/api/v1/members/", "offset=99999999999999999999", "offset", "9223372036854775807"),
        ("/api/v1/orders/", "page_size=201", "page_size", "200"),
    ],
)
def test_a_page_beyond_its_bounds_is_refused_not_a_server_error(api, path, query, field, maximum):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        field: [f"Send a whole number of at most {maximum}."]
    }


def test_a_good_page_is_still_served(api):
    MemberFactory.create_batch(3)
    response = api.get("/api/v1/members/?limit=2&offset=1")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_a_malformed_cursor_page_size_is_refused(api):
    response = api.get("/api/v1/orders/?page_size=-1")
    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]


def test_operated_must_be_true_or_false(api):
    response = api.get("/api/v1/trips/?operated=yes")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"operated": ["Send true or false."]}
    assert api.get("/api/v1/trips/?operated=false").status_code == 200


def test_the_schema_documents_every_error_in_the_shared_shape(client):
    schema = client.get("/api/schema/?format=json").json()
    order = schema["paths"]["/api/v1/orders/{id}/submit/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "429"} <= order.keys()
    shape = order["404"]["content"]["application/json"]["schema"]
    assert shape == {"$ref": "#/components/schemas/ApiError"}
    quote = schema["paths"]["/api/v1/quotes/"]["post"]["responses"]
    assert "200" in quote and "201" not in quote  # a quote stores nothing
    public = schema["paths"]["/api/v1/public/track/{tracking_number}/"]["get"]["responses"]
    assert "401" not in public  # no authentication there


def test_a_json_body_over_djangos_limit_is_a_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(
        "/api/v1/orders/",
        data='{"notes": "' + "x" * 2000 + '"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="big-1",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "code": "body_too_large",
        "message": "The body is larger than this endpoint takes (at most 1000 bytes).",
    }


def test_too_many_form_fields_is_a_json_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = api.post(
        "/api/v1/orders/",
        data="&".join(f"f{n}=1" for n in range(20)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_fields"


def test_the_refusals_every_client_meets_are_in_the_apis_words_and_language():
    anonymous = APIClient()
    missing = anonymous.get("/api/v1/members/", HTTP_ACCEPT_LANGUAGE="vi")
    assert missing.status_code == 401
    assert missing.json()["error"]["message"] == (
        "Hãy gửi khóa API dưới dạng 'Authorization: Api-Key <key>'."
    )
    assert anonymous.get("/api/v1/members/").json()["error"]["message"] == (
        "Send your API key as 'Authorization: Api-Key <key>'."
    )


def test_a_body_that_is_not_json_says_so(api):
    broken = api.post("/api/v1/orders/", data="{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["error"]["message"] == "The body is not valid JSON."
    xml = api.post("/api/v1/events/bulk/", data="<events/>", content_type="application/xml")
    assert xml.status_code == 415
    assert xml.json()["error"]["message"] == (
        "This endpoint does not read 'application/xml' bodies; send JSON."
    )
