"""Pagination that refuses a malformed page parameter instead of quietly ignoring it.

DRF falls back to the default page when ``?limit=abc`` or ``?offset=-3`` is sent;
a client then reads a page it did not ask for without knowing. These answer 400
with the field named, and the schema states the bounds.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination


def _whole_number(request, name: str, *, minimum: int) -> int | None:
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
    return value


def _with_minimum(parameters: list[dict], minimums: dict[str, int]) -> list[dict]:
    for parameter in parameters:
        if parameter["name"] in minimums:
            parameter["schema"]["minimum"] = minimums[parameter["name"]]
    return parameters


class StrictLimitOffsetPagination(LimitOffsetPagination):
    def get_limit(self, request):
        limit = _whole_number(request, self.limit_query_param, minimum=1)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit) if self.max_limit else limit

    def get_offset(self, request):
        return _whole_number(request, self.offset_query_param, minimum=0) or 0

    def get_schema_operation_parameters(self, view):
        return _with_minimum(
            super().get_schema_operation_parameters(view),
            {self.limit_query_param: 1, self.offset_query_param: 0},
        )


class StrictCursorPagination(CursorPagination):
    def get_page_size(self, request):
        if self.page_size_query_param:
            size = _whole_number(request, self.page_size_query_param, minimum=1)
            if size is not None:
                return min(size, self.max_page_size) if self.max_page_size else size
        return self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        if self.page_size_query_param:
            parameters = _with_minimum(parameters, {self.page_size_query_param: 1})
        return parameters
