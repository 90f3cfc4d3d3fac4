"""/metrics: who may read it, and that its series move with what the platform does."""

import uuid

import pytest
import redis

from tests.factories import UserFactory
from tests.observability.helpers import sample, series_names
from tests.tracking.journey import carrier_client, departure, journey

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> str:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_are_refused_to_anonymous_visitors_and_members_with_a_404(client, member):
    assert client.get("/metrics").status_code == 404
    client.force_login(UserFactory(member=member))
    response = client.get("/metrics")
    assert response.status_code == 404
    assert b"lorry_http_requests" not in response.content


def test_metrics_token_lets_a_prometheus_server_in_and_a_wrong_one_does_not(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token-0123456789"
    text = scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token-0123456789")
    assert "lorry_http_requests_total" in series_names(text)
    for wrong in ("Bearer nope", "Bearer ", "Basic s3cret-scrape-token-0123456789", ""):
        assert client.get("/metrics", HTTP_AUTHORIZATION=wrong).status_code == 404


def test_an_unset_token_opens_nothing(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer None").status_code == 404


def test_requests_are_counted_by_route_method_and_status(client, staff):
    client.force_login(staff)
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page/").status_code == 404
    after = scrape(client)
    labels = {"route": "healthz", "method": "GET", "status": "200"}
    assert (
        sample(after, "lorry_http_requests_total", **labels)
        - sample(before, "lorry_http_requests_total", **labels)
        == 3
    )
    latency = {"route": "healthz", "method": "GET"}
    name = "lorry_http_request_duration_seconds_count"
    assert sample(after, name, **latency) - sample(before, name, **latency) == 3
    # A path that matched no route is one label value, whatever the path was.
    assert sample(after, "lorry_http_requests_total", route="unmatched", status="404") >= 1
    assert "/no/such/page/" not in after


def test_carrier_events_are_counted_stored_and_applied_with_the_task_timed(
    client, staff, network, carrier, trips, tariff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    j = journey(network, trips)
    before = scrape(client)
    body = departure(network)
    api = carrier_client(carrier)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.post(f"/api/v1/trips/{j.trip.pk}/events/", body, format="json").status_code == 201
        )
    with django_capture_on_commit_callbacks(execute=True):  # the same event again: a duplicate
        assert (
            api.post(f"/api/v1/trips/{j.trip.pk}/events/", body, format="json").status_code == 200
        )
    after = scrape(client)

    def grew(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("lorry_tracking_events_stored_total") == 1
    assert grew("lorry_tracking_events_applied_total") == 1
    task = "tracking.tasks.apply_events"
    assert grew("lorry_celery_task_duration_seconds_count", task=task) == 1
    assert grew("lorry_celery_tasks_total", task=task, outcome="success") == 1
    assert grew("lorry_http_requests_total", route="trip-events", method="POST", status="201") == 1
    assert grew("lorry_http_requests_total", route="trip-events", method="POST", status="200") == 1


def test_queue_depth_is_read_from_the_broker_at_scrape_time(client, staff, settings, redis_url):
    queue = f"test-depth-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WEBHOOK_QUEUE = f"{queue}-hooks"
    connection = redis.Redis.from_url(redis_url)
    from tests.conftest import celery_broker

    try:
        connection.rpush(queue, *[b"message"] * 4)
        with celery_broker(redis_url, task_default_queue=queue):
            client.force_login(staff)
            text = scrape(client)
        assert sample(text, "lorry_celery_queue_length", queue=queue) == 4
        assert sample(text, "lorry_celery_queue_length", queue=f"{queue}-hooks") == 0
        assert "lorry_celery_queue_length" in series_names(text)
    finally:
        connection.delete(queue)


def test_an_unreachable_broker_leaves_out_queue_depth_but_the_scrape_works(client, staff, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from tests.conftest import celery_broker

    with celery_broker("redis://127.0.0.1:1/0"):
        client.force_login(staff)
        text = scrape(client)
    assert "lorry_celery_queue_length" not in series_names(text)
    assert "lorry_http_requests_total" in series_names(text)
