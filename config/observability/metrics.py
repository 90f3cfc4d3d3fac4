"""The Prometheus series of the platform, and how they are collected at scrape time.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn's workers, Celery's pool processes and any other
process of one host all pointing at one directory), every process writes its values there
and a scrape sums them; without it (runserver, tasks in-process) the values live in memory.
Labels are few and bounded: route names (never raw paths), methods, status codes, task names.
"""

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "lorry_http_requests",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
)
REQUEST_LATENCY = Histogram(
    "lorry_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter(
    "lorry_celery_tasks", "Celery tasks finished, by task name and outcome.", ["task", "outcome"]
)
TASK_LATENCY = Histogram(
    "lorry_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
EVENTS_STORED = Counter(
    "lorry_tracking_events_stored", "Carrier tracking events stored (new, not duplicates)."
)
EVENTS_APPLIED = Counter("lorry_tracking_events_applied", "Tracking events applied by workers.")

# Methods outside this set are counted as "other", so a client cannot mint label values.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request) -> str:
    """The URL pattern's name ("api:trip-events"), or a fixed word when none resolved."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or "unnamed"


def observe_request(request, response, seconds: float) -> None:
    route = route_of(request)
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(route, method, str(response.status_code)).inc()
    REQUEST_LATENCY.labels(route, method).observe(seconds)


def observe_task(task_name: str, outcome: str, seconds: float | None) -> None:
    TASKS.labels(task_name, outcome).inc()
    if seconds is not None:
        TASK_LATENCY.labels(task_name).observe(seconds)


class QueueDepthCollector:
    """Messages waiting in each Celery queue, read from the broker (Redis LLEN) when scraped."""

    def __init__(self, queues_and_broker):
        self.queues_and_broker = queues_and_broker

    def collect(self):
        gauge = GaugeMetricFamily(
            "lorry_celery_queue_length",
            "Messages waiting in a Celery queue (Redis LLEN at scrape time).",
            labels=["queue"],
        )
        queues, broker_url = self.queues_and_broker()
        if broker_url.startswith(("redis://", "rediss://", "unix://")):
            import redis

            client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
            try:
                for queue in queues:
                    gauge.add_metric([queue], client.llen(queue))
            except redis.RedisError:
                # A broker that does not answer shows as missing series (alert on absent()),
                # not as a failed scrape that would hide every other series.
                pass
            finally:
                client.close()
        yield gauge


def _queues_and_broker():
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return [], ""
    from config.celery_app import app

    queues = {app.conf.task_default_queue, settings.WEBHOOK_QUEUE}
    return sorted(queues), app.conf.broker_url or ""


def multiprocess_dir() -> str:
    from django.conf import settings

    return settings.PROMETHEUS_MULTIPROC_DIR or os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """The text a Prometheus server scrapes."""
    directory = multiprocess_dir()
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(QueueDepthCollector(_queues_and_broker))
    return generate_latest(registry)


class _Default:
    """The process's own in-memory series (no multiprocess directory)."""

    def collect(self):
        yield from REGISTRY.collect()


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges are dropped (counters stay)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
