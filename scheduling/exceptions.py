"""Domain errors of scheduling; the API maps each to its status code and JSON shape."""

from config.exceptions import ApplicationError


class InvalidTransition(ApplicationError):
    code = "invalid_transition"
    http_status = 409


class ScheduleConflict(ApplicationError):
    """A vehicle or driver is already on an overlapping leg."""

    code = "schedule_conflict"
    http_status = 409


class PermitMissing(ApplicationError):
    code = "permit_missing"
    http_status = 409


class CapacityTooSmall(ApplicationError):
    code = "capacity_too_small"
    http_status = 409


class NotBookable(ApplicationError):
    code = "not_bookable"
    http_status = 409


class InvalidStopPlan(ApplicationError):
    code = "invalid_stop_plan"
    http_status = 400
