import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import get_resolver, resolve, reverse

from tests.conftest import celery_broker

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def test_healthz_reports_database_and_in_process_tasks(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["mode"] == "eager"


def test_healthz_checks_a_real_broker(client, settings, redis_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_broker(redis_url):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "broker"}


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["broker"]["ok"] is False


def test_openapi_schema_describes_member_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/members/" in paths and "/api/v1/members/me/" in paths


def test_api_docs_are_served_without_any_cdn(client):
    html = client.get(reverse("api-docs")).content.decode()

    assert "swagger-ui" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_production_settings_pass_the_deploy_check():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 64 + "production-secret-from-the-environment",
        "ALLOWED_HOSTS": "lorry-alliance.example",
        "DATABASE_URL": "postgres://app:secret@db.internal:5432/lorry",
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "REDIS_URL": "redis://redis.internal:6379/1",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_secret_key():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "ALLOWED_HOSTS": "lorry-alliance.example",
        "DATABASE_URL": "postgres://a@b/c",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert "/api/v1/trips/{id}/legs/{sequence}/assign/" in text
    assert "/api/v1/bookings/{id}/reallocate/" in text


def _api_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from _api_routes(pattern, route)
        elif route.startswith("api/v1/") and pattern.name:
            yield pattern


def test_every_api_route_reaches_its_own_view_whatever_the_order_they_are_tried_in():
    # Tracking's routes are tried first (config/api_router.py); none may shadow another's.
    routes = list(_api_routes())
    assert len(routes) > 30
    for pattern in routes:
        # "7" fits every converter and group of these routes (ids, codes, tracking numbers).
        kwargs = {name: "7" for name in pattern.pattern.regex.groupindex if name != "format"}
        path = reverse(pattern.name, kwargs=kwargs)
        assert resolve(path).func == pattern.callback, (pattern.name, path)
