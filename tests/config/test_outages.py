"""A request the database fails under: a clean 503 with Retry-After, in the reader's format."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from alliance.api.authentication import ApiKeyAuthentication
from config.views import HomeView

pytestmark = pytest.mark.django_db

LOST = "terminating connection due to administrator command"


def failing(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.fixture
def client():
    # As a real server answers: the exception becomes a response, it is not re-raised.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [OperationalError(LOST), InterfaceError("connection closed")])
def test_an_api_request_the_database_fails_is_a_json_503_with_retry_after(
    client, monkeypatch, error
):
    monkeypatch.setattr(ApiKeyAuthentication, "authenticate", failing(error))

    response = client.post("/api/v1/events/bulk/", {"events": []}, content_type="application/json")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "The service is briefly unavailable. "
            "Please send the request again in a few seconds.",
        }
    }


def test_a_portal_page_the_database_fails_is_a_plain_503_page(client, monkeypatch, settings):
    settings.SERVICE_RETRY_AFTER_SECONDS = 30
    monkeypatch.setattr(HomeView, "get", failing(OperationalError(LOST)))

    response = client.get("/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Briefly unavailable" in body
    assert LOST not in body and "Traceback" not in body


def test_any_other_failure_of_an_api_request_is_a_json_500_without_details(client, monkeypatch):
    monkeypatch.setattr(ApiKeyAuthentication, "authenticate", failing(RuntimeError("secret")))

    response = client.get("/api/v1/members/me/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "server_error"
    assert "secret" not in response.content.decode()
    assert not response.has_header("Retry-After")
