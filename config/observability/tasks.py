"""Celery's side: a task carries the request id of whatever queued it, and is measured.

The id travels in the message's headers (set on publish); the worker binds it, with the
task's id and name, for the task's length, so the task's log lines and error reports name
the request that caused them. Tasks run in-process (no broker) keep the request's context.
"""

import contextlib
import logging.config
import time

from celery import signals

from config.observability import context, metrics

HEADER = "request_id"
_running: dict[str, tuple] = {}


@signals.setup_logging.connect
def use_django_logging(**_kwargs):
    """Workers log through the LOGGING setting (JSON lines), not Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def add_request_id(headers=None, **_kwargs):
    request_id = context.current().get("request_id")
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


def _request_id_of(task) -> str | None:
    request = task.request
    return (
        getattr(request, HEADER, None)
        or (getattr(request, "headers", None) or {}).get(HEADER)
        or context.current().get("request_id")
    )


@signals.task_prerun.connect
def task_started(task_id=None, task=None, **_kwargs):
    token = context.bind(request_id=_request_id_of(task), task_id=task_id, task_name=task.name)
    _running[task_id] = (token, time.perf_counter())


@signals.task_postrun.connect
def task_finished(task_id=None, task=None, state=None, **_kwargs):
    token, started = _running.pop(task_id, (None, None))
    outcome = (state or "unknown").lower()
    metrics.observe_task(
        task.name, outcome, None if started is None else time.perf_counter() - started
    )
    if token is not None:
        # ValueError: bound in another context (a thread pool's other thread).
        with contextlib.suppress(ValueError):
            context.reset(token)
