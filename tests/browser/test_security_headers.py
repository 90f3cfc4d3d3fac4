"""The Content-Security-Policy leaves every page working: map tiles, Swagger UI (see conftest:
any CSP violation in the console fails the test)."""

import pytest

from tests.browser.test_tracking import shipment_cleared_for_export

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_map_loads_its_tiles_from_the_tile_host_only_on_the_tracking_page(
    page, live_server, settings
):
    from playwright.sync_api import expect

    # "localhost" is another origin than the 127.0.0.1 the page is served from: a real
    # outside tile host as far as the browser's policy goes. Every tile is the same image.
    port = live_server.url.rsplit(":", 1)[1]
    settings.MAP_TILE_URL = (
        f"http://localhost:{port}/static/vendor/leaflet/images/layers.png?{{z}}/{{x}}/{{y}}"
    )
    number, _eta = shipment_cleared_for_export()

    page.goto(f"/track/{number}/")

    expect(page.locator("#route-tiles.loaded")).to_be_visible()
    expect(page.locator("#route-tiles img.leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator("#route-drawing")).to_be_hidden()


def test_swagger_ui_renders_the_api_under_its_own_policy(page, member):
    from playwright.sync_api import expect

    page.goto("/api/docs/")

    expect(page.get_by_role("heading", name="Lorry Alliance Platform API")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
