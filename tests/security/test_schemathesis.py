"""Schemathesis against the API's own OpenAPI schema, in-process through WSGI.

For every operation of ``/api/schema/``, Hypothesis generates valid and
invalid requests (a bounded, derandomized number per operation, so CI sees the
same ones each run) and sends them with the API key of a member that owns data:
a carrier operating a line with trips, that has also placed orders and set up a
webhook. Each answer must be no server error, have a documented status code,
content type, headers and body, refuse what the schema says is invalid, and
refuse the request when the key is taken away or replaced by a wrong one.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alliance.constants import ApiScope, BusinessRole
from config.wsgi import application
from orders import services as order_services
from scheduling import services as scheduling_services
from tests.factories import MemberFactory, api_key_for
from tests.network import build_network, make_line, make_timetable
from tests.orders.helpers import make_tariff, place_order
from tracking.notifications import webhooks

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]

# Positive and negative cases from the fuzzing phase only; the examples and coverage phases
# would multiply the run time without a different kind of finding.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "deterministic": True},
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.fixture
def owner_key(db, wsgi_keeps_the_test_connection) -> str:
    """The API key (every scope) of a carrier and shipper with a line, trips, orders, a webhook."""
    member = MemberFactory(
        country="CN", business_roles=[BusinessRole.CARRIER, BusinessRole.FORWARDER]
    )
    network = build_network()
    line = make_line(network, member)
    make_timetable(line)
    scheduling_services.trips_generate()
    make_tariff(line)
    order_services.order_submit(order=place_order(network, member, customer_reference="PO-1"))
    place_order(network, member, customer_reference="PO-2")  # a draft
    webhooks.endpoint_create(member=member, url="http://127.0.0.1:9/hooks")
    _key, raw = api_key_for(member, scopes=list(ApiScope.values))
    return raw


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_as_its_schema_says(case, owner_key):
    case.call_and_validate(headers={"Authorization": f"Api-Key {owner_key}"}, checks=CHECKS)
