"""The OpenAPI schema documents every answer an operation gives, errors included.

drf-spectacular documents the success of each operation; this ``AutoSchema``
adds the error answers every operation of a kind can give, all in the one
shape of ``config.exceptions`` (``ApiError``):

- 401 and 403 wherever a caller must authenticate (no valid key; a missing
  scope or a refused action);
- 404 when the path names an object (or a page cursor can be stale);
- 400 when the operation reads a body or query parameters;
- 429 everywhere: production limits every caller (``DEFAULT_THROTTLE_RATES``).

Errors that depend on an operation's business rules (409, 413, 422) are
declared by the view itself with ``responses={..., **errors(409)}``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from uritemplate import variables

from config.exceptions import ApiErrorSerializer

DESCRIPTIONS = {
    400: _("The request has invalid fields (each one in `error.fields`)."),
    401: _("No valid API key or session: unknown, revoked, or the member is suspended."),
    403: _("The key lacks the scope this request needs, or the caller may not do this."),
    404: _("Nothing the caller may see has this id."),
    409: _("A business rule refuses the request in the object's present state."),
    413: _("The body is larger than this endpoint takes."),
    422: _("The Idempotency-Key was used before with another body."),
    429: _("Too many requests; `Retry-After` says when to try again."),
}


def error(code: int) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorSerializer, description=str(DESCRIPTIONS.get(code, "")))


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Responses for ``extend_schema``: the shared error shape under each code."""
    return {code: error(code) for code in codes}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            # Errors are the API's error object in JSON, whatever else the view renders.
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    error(code), str(code), media_types=["application/json"], direction=direction
                ),
            )
        return dict(sorted(responses.items()))

    def _error_codes(self) -> list[int]:
        codes = [429]
        if not all(issubclass(cls, AllowAny) for cls in self.view.permission_classes):
            codes += [401, 403]
        if variables(self.path) or isinstance(self._paginator(), CursorPagination):
            codes.append(404)
        if self.method in ("POST", "PUT", "PATCH") or self._has_query_parameters():
            codes.append(400)
        return codes

    def _paginator(self):
        if not self._is_list_view():
            return None
        return getattr(self.view, "paginator", None)

    def _has_query_parameters(self) -> bool:
        return bool(
            self._get_filter_parameters()
            or self._get_pagination_parameters()
            or any(
                parameter.location == "query"
                for parameter in self.get_override_parameters()
                if hasattr(parameter, "location")
            )
        )
