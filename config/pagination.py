"""Pagination: the API's, which refuses a malformed page parameter instead of quietly
ignoring it, and the query string the portal's page links carry.

DRF falls back to the default page when ``?limit=abc`` or ``?offset=-3`` is sent;
a client then reads a page it did not ask for without knowing. These answer 400
with the field named, and the schema states the bounds.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

# Past this, PostgreSQL's LIMIT and OFFSET (bigint) would fail with a server error.
LARGEST_OFFSET = 2**63 - 1


def _whole_number(request, name: str, *, minimum: int, maximum: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ValidationError(
            {name: [_("Send a whole number of at least %(minimum)s.") % {"minimum": minimum}]}
        )
    if value > maximum:
        raise ValidationError(
            {name: [_("Send a whole number of at most %(maximum)s.") % {"maximum": maximum}]}
        )
    return value


def _with_bounds(parameters: list[dict], bounds: dict[str, tuple[int, int]]) -> list[dict]:
    for parameter in parameters:
        if parameter["name"] in bounds:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
    return parameters


class StrictLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 1000

    def get_limit(self, request):
        limit = _whole_number(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request):
        return (
            _whole_number(request, self.offset_query_param, minimum=0, maximum=LARGEST_OFFSET) or 0
        )

    def get_schema_operation_parameters(self, view):
        return _with_bounds(
            super().get_schema_operation_parameters(view),
            {
                self.limit_query_param: (1, self.max_limit),
                self.offset_query_param: (0, LARGEST_OFFSET),
            },
        )


class StrictCursorPagination(CursorPagination):
    def get_page_size(self, request):
        if self.page_size_query_param:
            size = _whole_number(
                request,
                self.page_size_query_param,
                minimum=1,
                maximum=self.max_page_size or self.page_size,
            )
            if size is not None:
                return size
        return self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if self.page_size_query_param:
            parameters = _with_bounds(
                parameters,
                {self.page_size_query_param: (1, self.max_page_size or self.page_size)},
            )
        return parameters


def query_without_page(request) -> str:
    """The list's query string (its filters) for the page links, which add their own page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
