import os

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(chromium_path, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(15_000)
        page = context.new_page()
        violations = []
        # Anything the Content-Security-Policy blocks is a broken feature for the person.
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        try:
            yield page
            assert not violations, f"Content-Security-Policy violations: {violations}"
        finally:
            context.close()
            browser.close()
            # Connections opened by the test inside Playwright's context are not the
            # ones pytest-django closes; left open, they keep the test database from
            # being dropped at the end of the run.
            connections.close_all()
