"""Domain errors of the alliance app; the API turns them into its JSON error shape."""

from config.exceptions import ApplicationError


class InvalidTransition(ApplicationError):
    code = "invalid_transition"
    http_status = 409


class DuplicateApplication(ApplicationError):
    code = "duplicate_application"
    http_status = 409


class LastAdministrator(ApplicationError):
    code = "last_administrator"
    http_status = 409


class EmailTaken(ApplicationError):
    code = "email_taken"
    http_status = 409
