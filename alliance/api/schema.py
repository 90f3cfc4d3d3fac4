"""Teaches drf-spectacular what the API does beyond what it can see: how API keys are sent,
and which filters take an empty value as no filter at all."""

from django.core.exceptions import ValidationError
from django.http import QueryDict
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "alliance.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Send `Api-Key <key>`; keys are created by member admins in the portal.",
        }


def ignores_an_empty_value(filter_field, name: str) -> bool:
    """Whether ``?name=`` passes the filter's own form field, which django-filter then skips.

    A date or number filter does; a multiple-choice filter refuses the empty choice.
    """
    field = filter_field.field
    value = field.widget.value_from_datadict(QueryDict(f"{name}="), {}, name)
    try:
        field.clean(value)
    except ValidationError:
        return False
    return True


class FilterParameters(DjangoFilterExtension):
    """django-filter's parameters, with ``allowEmptyValue`` where an empty value is accepted,
    so that clients (and schema-driven tests) know ``?ready_from=`` means no bound."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            if not parameter.get("required") and ignores_an_empty_value(
                filter_field, parameter["name"]
            ):
                parameter["allowEmptyValue"] = True
        return parameters
