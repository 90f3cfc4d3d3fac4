"""What a log line, a metric or an error report says about where it came from.

One context variable holds the request id, user and member of the request being served, or
the task id and name of the task being run (with the request id of the request that queued
it). Context variables follow threads and are reset at the end of each request and task.
"""

import re
import uuid
from contextvars import ContextVar

from django.utils.functional import SimpleLazyObject, empty

_context: ContextVar[dict] = ContextVar("observability_context", default={})  # noqa: B039

# An incoming X-Request-ID is kept only when it is short and plain; anything else could forge
# log lines or bloat them, so it is replaced by a fresh id.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def current() -> dict:
    return _context.get()


def bind(**values):
    """Add values to the context; returns a token for :func:`reset`."""
    return _context.set({**_context.get(), **{k: v for k, v in values.items() if v is not None}})


def reset(token) -> None:
    _context.reset(token)


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is sane, otherwise a new one."""
    if header and _SANE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def who(request=None) -> dict:
    """User and member ids of the current request, once authenticated (never triggers it).

    Session users are known after Django's authentication middleware; API-key callers once
    DRF has authenticated them in the view (DRF puts its user on the Django request).
    """
    request = request if request is not None else _context.get().get("request")
    user = getattr(request, "user", None) if request is not None else None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return {}
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"user_id": str(user.pk), "member_id": getattr(user, "member_id", None)}
