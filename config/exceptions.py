"""One error vocabulary for the whole platform and one JSON shape for API errors.

Every API error answers ``{"error": {"code": ..., "message": ..., "fields": {...}}}``:
``code`` is stable and machine-readable, ``message`` is for a person, and
``fields`` (validation errors only) maps each field to its messages.
"""

import logging
import math

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A business rule refused the request; ``message`` is shown to the person."""

    code = "application_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ApiErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. `invalid`.")
    message = serializers.CharField(help_text="For a person, in the caller's language.")
    fields = serializers.DictField(
        required=False,
        help_text="Validation errors only: each field's messages (nested for nested fields).",
    )


class ApiErrorSerializer(serializers.Serializer):
    """Every API error has this shape."""

    error = ApiErrorDetailSerializer()


def _flatten(detail):
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [
            str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail
        ]
    return [str(detail)]


def is_database_outage(exc: BaseException | None) -> bool:
    """The database cannot be reached or dropped the connection (a restart, a failover): the
    request may succeed if sent again shortly, so it is answered 503, not 500.

    Django wraps the driver's errors in these two classes; the connection is closed
    at the request's end (it saw an error) and opened afresh by the next one.
    """
    return isinstance(exc, OperationalError | InterfaceError)


def retry_after() -> str:
    return str(settings.SERVICE_RETRY_AFTER_SECONDS)


def unavailable_error() -> tuple[str, str]:
    return "service_unavailable", _(
        "The service is briefly unavailable. Please send the request again in a few seconds."
    )


def api_exception_handler(exc, context):
    if is_database_outage(exc):
        logger.warning("database unavailable, answered 503: %s", str(exc).strip()[:300])
        code, message = unavailable_error()
        return _error_response(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            code,
            message,
            None,
            headers={"Retry-After": retry_after()},
        )
    if isinstance(exc, ApplicationError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return _error_response(exc.http_status, exc.code, exc.message, fields)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    else:
        exc = _in_our_words(exc, context)

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        return _error_response(
            response.status_code,
            "invalid",
            _("The request has invalid fields; see 'fields' for each one."),
            fields,
            headers=response.headers,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    return _error_response(response.status_code, code, str(detail), None, headers=response.headers)


def _in_our_words(exc, context):
    """DRF's own messages for the refusals every client meets, said as this API says things
    (and so in every language of the platform: DRF's catalogues lack some of them)."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return exceptions.NotAuthenticated(
            _("Send your API key as 'Authorization: Api-Key <key>'.")
        )
    if isinstance(exc, exceptions.Throttled):
        # A subclass says why (e.g. too many wrong keys); the plain one, only that it is too many.
        reason = exc.default_detail if type(exc) is not exceptions.Throttled else None
        reason = str(reason or _("Too many requests."))
        detail = reason
        if exc.wait is not None:
            seconds = max(1, math.ceil(exc.wait))
            detail = ngettext(
                "%(reason)s Send again in %(seconds)s second.",
                "%(reason)s Send again in %(seconds)s seconds.",
                seconds,
            ) % {"reason": reason, "seconds": seconds}
        said = type(exc)(detail=detail)  # without DRF's own English "Expected available in …"
        said.wait = exc.wait  # still read for Retry-After
        return said
    if isinstance(exc, exceptions.UnsupportedMediaType):
        media_type = context["request"].content_type
        return exceptions.UnsupportedMediaType(
            media_type,
            detail=_("This endpoint does not read '%(type)s' bodies; send JSON.")
            % {"type": media_type},
        )
    if isinstance(exc, exceptions.ParseError) and "json" in context["request"].content_type:
        return exceptions.ParseError(_("The body is not valid JSON."))
    return exc


def _error_response(http_status, code, message, fields, headers=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = Response(body, status=http_status or status.HTTP_400_BAD_REQUEST)
    for name, value in (headers or {}).items():
        if name.lower() in {"www-authenticate", "retry-after"}:
            response[name] = value
    return response


# --- Errors Django answers before a view runs -----------------------------------------------------
# A path under /api/ that matches no route (``/orders/abc/`` where an id is a number)
# would otherwise get the portal's HTML page; API clients read JSON. (Crashes: config.views.)

API_PREFIX = "/api/"


def page_not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return _json_error(404, "not_found", str(exceptions.NotFound.default_detail))
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's own refusals of a request it cannot read (a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many form fields), in the API's shape under /api/."""
    if not request.path.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _json_error(
            413,
            "body_too_large",
            _("The body is larger than this endpoint takes (at most %(limit)s bytes).")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _json_error(
            400, "too_many_fields", _("The request has more fields than any endpoint takes.")
        )
    return _json_error(400, "bad_request", _("The request could not be read."))


def _json_error(http_status, code, message):
    return JsonResponse({"error": {"code": code, "message": message}}, status=http_status)
