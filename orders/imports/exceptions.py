"""Errors of the bulk import: a file refused as a whole, before any row is looked at."""

from config.exceptions import ApplicationError


class ImportRefused(ApplicationError):
    """The file cannot be imported at all: too big, not UTF-8, wrong header, no rows, …"""

    code = "import_refused"
    http_status = 400
