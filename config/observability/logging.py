"""Log lines as JSON objects (LOG_FORMAT=json), each carrying the request or task it belongs to.

python-json-logger plugs into the standard library's logging, which Django, Celery and every
module here already use; nothing that logs has to change (structlog would want its own calls).
"""

import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from config.observability import context

CONTEXT_FIELDS = ("request_id", "user_id", "member_id", "task_id", "task_name")


class ContextFilter(logging.Filter):
    """Puts the request/task context on every record passing the handler (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = {**context.current(), **context.who()}
        # Django logs a request's error answer after the middleware has finished, naming the
        # request in the record itself.
        request = getattr(record, "request", None)
        if getattr(request, "request_id", None) and "request_id" not in values:
            values = {"request_id": request.request_id, **context.who(request)}
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, values.get(name))
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object a line: time, level, logger, message, context fields, extras."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("timestamp", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        # Django passes the request object along; its id and user are already in the line.
        log_record.pop("request", None)
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is None:
                log_record.pop(name, None)
            else:
                log_record[name] = value

    def formatTime(self, record, datefmt=None):  # noqa: N802 — logging's name
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict of the settings: JSON or plain lines, both with the request id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "config.observability.logging.ContextFilter"}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "config.observability.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "plain",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # One line per successful task drowns the useful lines when tasks run in-process.
        "loggers": {
            "celery.app.trace": {"level": "WARNING"},
            # Django's own handlers (a plain console copy under DEBUG, mail to ADMINS) would
            # repeat what the console handler above writes; errors go to Sentry instead.
            "django": {"handlers": [], "level": level, "propagate": True},
        },
    }
