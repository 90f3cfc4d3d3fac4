"""Every response carries the browser-side rules: CSP, framing, referrer, opener, permissions."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from config.security_headers import tile_source
from tests.factories import UserFactory
from tests.tracking.helpers import make_shipment

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, set[str]]:
    directives = (part.strip().split() for part in response["Content-Security-Policy"].split(";"))
    return {name: set(values) for name, *values in directives}


def assert_companion_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_portal_page_allows_no_inline_script_or_style_and_no_framing(client, member):
    client.force_login(UserFactory(member=member))

    response = client.get(reverse("alliance:dashboard"))

    csp = policy(response)
    assert response.status_code == 200
    assert csp["default-src"] == csp["script-src"] == csp["style-src"] == {"'self'"}
    assert csp["img-src"] == {"'self'", "data:"}
    assert csp["frame-ancestors"] == {"'none'"}
    assert csp["object-src"] == {"'none'"}
    assert_companion_headers(response)
    # What the policy would block is not in the page either.
    html = response.content.decode()
    assert "<script>" not in html and "onchange=" not in html and 'style="' not in html


def test_the_api_answers_with_the_same_rules():
    response = APIClient().get("/api/v1/members/")

    assert response.status_code == 401
    assert policy(response)["frame-ancestors"] == {"'none'"}
    assert_companion_headers(response)


def test_swagger_ui_alone_may_use_inline_styles_and_loads_its_script_from_a_file(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    csp = policy(page)
    assert page.status_code == script.status_code == 200
    assert csp["script-src"] == {"'self'"}
    assert csp["style-src"] == {"'self'", "'unsafe-inline'"}
    assert '<script src="/api/docs/?script="' in page.content.decode()
    assert script["Content-Type"].startswith("application/javascript")
    assert_companion_headers(page)


def test_map_tiles_are_allowed_on_the_tracking_page_only(client, settings, network, trips, tariff):
    settings.MAP_TILE_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    shipment = make_shipment(network)

    track = client.get(f"/track/{shipment.tracking_number}/")
    search = client.get("/track/")

    assert track.status_code == 200
    assert policy(track)["img-src"] == {"'self'", "data:", "https://*.tile.example.org"}
    assert policy(search)["img-src"] == {"'self'", "data:"}


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example/{z}/{x}/{y}.png", "https://*.tiles.example"),
        ("http://localhost:8080/t/{z}/{x}/{y}", "http://localhost:8080"),
        ("", None),
    ],
)
def test_the_tile_host_source_is_read_from_the_tile_url(url, source):
    assert tile_source(url) == source
