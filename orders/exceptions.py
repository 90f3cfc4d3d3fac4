"""Domain errors of orders; the API maps each to its status code and JSON shape."""

from config.exceptions import ApplicationError


class InvalidTransition(ApplicationError):
    """The order is not in a state that allows this (e.g. cancelling after pickup)."""

    code = "invalid_transition"
    http_status = 409


class IdempotencyConflict(ApplicationError):
    code = "idempotency_key_reused"
    http_status = 422


class RequestInProgress(ApplicationError):
    code = "request_in_progress"
    http_status = 409
