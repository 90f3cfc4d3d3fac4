"""A real worker: a task's log lines carry the request id of the request that queued it, and its
metrics reach the scrape through the shared multiprocess directory."""

import json
import uuid

import pytest

from tests.conftest import wait_for, worker_process
from tests.observability.helpers import sample
from tests.tracking.journey import applied, carrier_client, departure, journey
from tracking.models import TrackingEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def json_lines(output: str) -> list[dict]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_workers_log_lines_for_a_task_carry_the_request_id_and_its_metrics_are_scraped(
    redis_url, tmp_path, client, staff, settings, network, carrier, trips, tariff
):
    j = journey(network, trips)
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    request_id = f"abc{uuid.uuid4().hex[:12]}"
    env = {"LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with worker_process(redis_url, queue, mail_dir=tmp_path, extra_env=env) as worker:
        response = carrier_client(carrier).post(
            f"/api/v1/trips/{j.trip.pk}/events/",
            departure(network),
            format="json",
            HTTP_X_REQUEST_ID=request_id,
        )
        assert response.status_code == 201
        assert response["X-Request-ID"] == request_id
        event = TrackingEvent.objects.get()

        assert wait_for(applied(event), timeout=60), "the worker did not apply the event"

        # The worker's processes write their series into the directory the web reads.
        settings.PROMETHEUS_MULTIPROC_DIR = str(metrics_dir)
        client.force_login(staff)
        text = client.get("/metrics").content.decode()
    task = "tracking.tasks.apply_events"
    assert sample(text, "lorry_celery_task_duration_seconds_count", task=task) == 1
    assert sample(text, "lorry_celery_task_duration_seconds_sum", task=task) > 0
    assert sample(text, "lorry_celery_tasks_total", task=task, outcome="success") == 1
    assert sample(text, "lorry_tracking_events_applied_total") == 1

    lines = json_lines(worker.output)
    assert lines, f"the worker wrote no JSON lines:\n{worker.output}"
    ours = [line for line in lines if line.get("request_id") == request_id]
    assert ours, f"no worker line carries {request_id}:\n{worker.output}"
    applied_line = next(line for line in ours if line["logger"] == "tracking.apply")
    assert applied_line["message"] == "applied 1 of 1 tracking events"
    assert applied_line["task_name"] == task
    assert applied_line["task_id"]
    assert applied_line["level"] == "INFO"
    # Lines outside the task (the worker starting) carry no request id.
    assert any("request_id" not in line for line in lines)
