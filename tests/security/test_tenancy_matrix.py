"""Tenancy matrix: every API operation that names an object, called on someone else's object.

The operations come from the OpenAPI schema drf-spectacular generates, so a new
one cannot slip past: ``test_every_operation_naming_an_object_has_an_entry``
fails, naming it, until ``MATRIX`` says how to build "member B's object" for it
and what a stranger must get.

Three kinds of entry, after DESIGN.md's "who may see what":

- ``HIDDEN``: another member's orders, shipments, bookings, fleet, webhooks and
  deliveries, and trips a carrier does not operate for events. Member A (API key
  and portal session) gets 404 in the API's error shape; so does carrier C, which
  operates trips of its own but not the one B's shipment is on, for the
  carrier-facing shipment and trip operations.
- ``SHARED``: what every active member may read (members, the network, lines,
  timetables, trips). Reading answers 200; changing it (a trip's legs, status or
  cancellation) is refused with 403, as the README's API section says of "an
  action the caller may not take on something it may see".
- ``PUBLIC``: the public tracking JSON, where the number itself is the secret.

In every case nothing in the database changes: each table's row count and the
md5 of its rows are the same after the call (the API key's "last used" time
apart).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from uritemplate import variables

from alliance.constants import ApiScope, BusinessRole
from alliance.models import ApiKey
from orders import services as order_services
from scheduling import services as scheduling_services
from scheduling.models import Driver, Trip, Vehicle
from tests.factories import MemberFactory, UserFactory, api_key_for
from tests.network import build_network, make_line, make_timetable
from tests.orders.helpers import make_tariff, place_order
from tracking.notifications import webhooks
from tracking.notifications.models import Topic, WebhookDelivery
from tracking.notifications.services import Tell, notify

pytestmark = pytest.mark.django_db

HIDDEN, SHARED, PUBLIC = "hidden", "shared", "public"


@dataclass(frozen=True)
class Entry:
    """How a stranger meets member B's object through one operation."""

    expect: str
    # Builds the path's parameters from the world: {"id": ..., "tracking_number": ...}.
    target: callable
    body: callable = field(default=lambda world: None)
    # Also called by carrier C: a shipment not on C's trips, or a trip C does not operate.
    carrier: bool = False


@dataclass
class World:
    b: object  # member B: a carrier and shipper with a line, trips, orders, fleet, a webhook
    trip: Trip  # B's trip, with B's shipment on it
    order: object  # B's confirmed order
    draft: object  # B's draft order
    shipment: object
    booking: object
    vehicle: Vehicle
    driver: Driver
    endpoint: object
    delivery: WebhookDelivery
    network: object
    a_trip: Trip  # a trip carrier C operates (member A may book on it)


def _order_body(world) -> dict:
    return {
        "customer_reference": "PO-STRANGER",
        "shipper_name": "Stranger Co.",
        "shipper_address": "1 Nowhere Road",
        "shipper_country": "CN",
        "consignee_name": "Stranger Ltd.",
        "consignee_address": "2 Nowhere Street",
        "consignee_country": "VN",
        "origin": world.network.chongqing.pk,
        "destination": world.network.hanoi.pk,
        "ready_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "service_kind": "ltl",
        "incoterm": "DAP",
        "currency": "CNY",
        "cargo_lines": [
            {
                "description": "Tyres",
                "hs_code": "401110",
                "package_count": 1,
                "package_type": "pallet",
                "gross_kg": "10",
                "volume_m3": "1",
                "declared_value": "100",
                "declared_currency": "CNY",
            }
        ],
    }


def _event_body(world) -> dict:
    return {
        "event_id": "stranger-1",
        "code": "departed_origin",
        "occurred_at": timezone.now().isoformat(),
        "location": world.network.chongqing.pk,
    }


def _order(world):
    return {"id": world.order.pk}


def _shipment(world):
    return {"tracking_number": world.shipment.tracking_number}


def _trip(world):
    return {"id": world.trip.pk}


def _endpoint(world):
    return {"id": world.endpoint.pk}


MATRIX: dict[str, Entry] = {
    # Members and the network: every active member may read them.
    "GET /api/v1/members/{id}/": Entry(SHARED, lambda w: {"id": w.b.pk}),
    "GET /api/v1/locations/{id}/": Entry(SHARED, lambda w: {"id": w.network.hanoi.pk}),
    "GET /api/v1/lines/{code}/": Entry(SHARED, lambda w: {"code": w.trip.line.code}),
    "GET /api/v1/timetables/{id}/": Entry(SHARED, lambda w: {"id": w.trip.timetable_id}),
    "GET /api/v1/trips/{id}/": Entry(SHARED, _trip),
    # Changing B's trip: only its carrier (or staff) may.
    "POST /api/v1/trips/{id}/legs/{sequence}/assign/": Entry(
        SHARED, lambda w: {"id": w.trip.pk, "sequence": 1}, lambda w: {"vehicle": None}
    ),
    "POST /api/v1/trips/{id}/status/": Entry(SHARED, _trip, lambda w: {"status": "loading"}),
    "POST /api/v1/trips/{id}/cancel/": Entry(SHARED, _trip, lambda w: {"reason": "Strike"}),
    # Events and positions of a trip the caller does not operate.
    "POST /api/v1/trips/{trip_id}/events/": Entry(
        HIDDEN, lambda w: {"trip_id": w.trip.pk}, _event_body, carrier=True
    ),
    "POST /api/v1/trips/{trip_id}/positions/": Entry(
        HIDDEN,
        lambda w: {"trip_id": w.trip.pk},
        lambda w: {
            "positions": [
                {"recorded_at": timezone.now().isoformat(), "latitude": 22, "longitude": 106}
            ]
        },
        carrier=True,
    ),
    # The fleet is its carrier's.
    "GET /api/v1/vehicles/{id}/": Entry(HIDDEN, lambda w: {"id": w.vehicle.pk}),
    "GET /api/v1/drivers/{id}/": Entry(HIDDEN, lambda w: {"id": w.driver.pk}),
    # Bookings.
    "GET /api/v1/bookings/{id}/": Entry(HIDDEN, lambda w: {"id": w.booking.pk}),
    "POST /api/v1/bookings/{id}/reallocate/": Entry(
        HIDDEN,
        lambda w: {"id": w.booking.pk},
        lambda w: {"trip": w.a_trip.pk, "reason": "Earlier departure"},
    ),
    "POST /api/v1/bookings/{id}/release/": Entry(
        HIDDEN, lambda w: {"id": w.booking.pk}, lambda w: {"reason": "Not needed"}
    ),
    # Orders.
    "GET /api/v1/orders/{id}/": Entry(HIDDEN, _order),
    "PUT /api/v1/orders/{id}/": Entry(HIDDEN, lambda w: {"id": w.draft.pk}, _order_body),
    "PATCH /api/v1/orders/{id}/": Entry(
        HIDDEN, lambda w: {"id": w.draft.pk}, lambda w: {"customer_reference": "MINE"}
    ),
    "POST /api/v1/orders/{id}/submit/": Entry(HIDDEN, lambda w: {"id": w.draft.pk}),
    "POST /api/v1/orders/{id}/cancel/": Entry(HIDDEN, _order, lambda w: {"reason": "Mine now"}),
    "POST /api/v1/orders/{id}/amend/": Entry(
        HIDDEN,
        _order,
        lambda w: {"cargo_lines": [{"line": 1, "gross_kg": "5", "volume_m3": "1"}]},
    ),
    # Shipments: hidden from other members and from carriers whose trips do not carry them.
    "GET /api/v1/shipments/{tracking_number}/": Entry(HIDDEN, _shipment, carrier=True),
    "GET /api/v1/shipments/{tracking_number}/consignment-note/": Entry(
        HIDDEN, _shipment, carrier=True
    ),
    "GET /api/v1/shipments/{tracking_number}/epcis/": Entry(HIDDEN, _shipment, carrier=True),
    "POST /api/v1/shipments/{tracking_number}/events/": Entry(
        HIDDEN,
        _shipment,
        lambda w: {
            "event_id": "stranger-2",
            "code": "picked_up",
            "occurred_at": timezone.now().isoformat(),
            "location": w.network.chongqing.pk,
        },
        carrier=True,
    ),
    # The public tracking JSON: anyone holding the number.
    "GET /api/v1/public/track/{tracking_number}/": Entry(PUBLIC, _shipment),
    # Webhooks and their deliveries.
    "GET /api/v1/webhooks/{id}/": Entry(HIDDEN, _endpoint),
    "PATCH /api/v1/webhooks/{id}/": Entry(
        HIDDEN, _endpoint, lambda w: {"url": "http://127.0.0.1:9/mine"}
    ),
    "DELETE /api/v1/webhooks/{id}/": Entry(HIDDEN, _endpoint),
    "POST /api/v1/webhooks/{id}/rotate-secret/": Entry(
        HIDDEN, _endpoint, lambda w: {"overlap_hours": 0}
    ),
    "GET /api/v1/webhooks/{id}/deliveries/": Entry(HIDDEN, _endpoint),
    "GET /api/v1/webhook-deliveries/{id}/": Entry(HIDDEN, lambda w: {"id": w.delivery.pk}),
    "POST /api/v1/webhook-deliveries/{id}/replay/": Entry(HIDDEN, lambda w: {"id": w.delivery.pk}),
}

METHODS = ("get", "post", "put", "patch", "delete")


def operations_naming_an_object() -> set[str]:
    """'METHOD path' of every operation in the generated schema with a path parameter."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS and variables(path)
    }


def test_every_operation_naming_an_object_has_an_entry():
    in_schema = operations_naming_an_object()
    missing = sorted(in_schema - MATRIX.keys())
    gone = sorted(MATRIX.keys() - in_schema)
    assert not missing, f"operations without a tenancy matrix entry: {missing}"
    assert not gone, f"matrix entries for operations the schema no longer has: {gone}"


# --- The world: member B's objects, member A and carrier C ---------------------------------------


@pytest.fixture
def world() -> World:
    network = build_network()
    b = MemberFactory(country="CN", business_roles=[BusinessRole.CARRIER, BusinessRole.FORWARDER])
    line = make_line(network, b, code="CKG-HAN-B")
    make_timetable(line)
    scheduling_services.trips_generate()
    make_tariff(line)
    order = order_services.order_submit(order=place_order(network, b, customer_reference="B-1"))
    shipment = order.shipments.select_related("booking__trip__line").get()
    draft = place_order(network, b, customer_reference="B-2")
    vehicle = Vehicle.objects.create(
        carrier=b,
        plate="渝D·20002",
        registration_country="CN",
        vehicle_type="tractor_trailer",
        capacity_kg=Decimal(24000),
        capacity_m3=Decimal(86),
    )
    driver = Driver.objects.create(
        carrier=b,
        full_name="Wang Fang",
        licence_number="L-B",
        nationality="CN",
        phone="+8613800000002",
    )
    endpoint, _secret = webhooks.endpoint_create(member=b, url="http://127.0.0.1:9/hooks")
    notify(
        [
            Tell(
                member_id=b.pk,
                topic=Topic.MILESTONES,
                kind="shipment.status_changed",
                title=f"{shipment.tracking_number}: booked",
                dedupe_key="matrix:1",
                shipment_id=shipment.pk,
                data={"tracking_number": shipment.tracking_number, "code": "booked"},
            )
        ]
    )
    # Carrier C's line and trips come after B's order, so B's shipment is not on them.
    c_line = make_line(network, CARRIER_C.get(), code="CKG-HAN-C")
    make_timetable(c_line, weekdays=(1, 4))
    scheduling_services.trips_generate()
    return World(
        b=b,
        trip=shipment.booking.trip,
        order=order,
        draft=draft,
        shipment=shipment,
        booking=shipment.booking,
        vehicle=vehicle,
        driver=driver,
        endpoint=endpoint,
        delivery=WebhookDelivery.objects.get(endpoint=endpoint),
        network=network,
        a_trip=Trip.objects.filter(line=c_line).order_by("departure_at").first(),
    )


class _Lazy:
    """Carrier C is made once per test, inside the world fixture and for its callers."""

    def __init__(self):
        self.member = None

    def get(self):
        if self.member is None:
            self.member = MemberFactory(country="VN", business_roles=[BusinessRole.CARRIER])
        return self.member


CARRIER_C = _Lazy()


@pytest.fixture(autouse=True)
def fresh_carrier_c():
    CARRIER_C.member = None
    yield
    CARRIER_C.member = None


def key_client(member) -> APIClient:
    _key, raw = api_key_for(member, scopes=list(ApiScope.values))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def session_client(member) -> APIClient:
    client = APIClient()
    client.force_login(UserFactory(member=member))  # an admin of the member: every scope
    return client


CALLERS = {
    "member A with an API key": lambda: key_client(
        MemberFactory(country="VN", business_roles=[BusinessRole.CARRIER, BusinessRole.FORWARDER])
    ),
    "member A signed in": lambda: session_client(MemberFactory(country="VN")),
    "carrier C with an API key": lambda: key_client(CARRIER_C.get()),
}


# --- The database, before and after -------------------------------------------------------------

# The key's "last used" time is written on every authenticated request, by design.
UNWATCHED = {ApiKey._meta.db_table, "django_session"}


def snapshot() -> dict[str, tuple[int, str]]:
    """Each application table's row count and the md5 of its rows, in a stable order."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and model._meta.db_table not in UNWATCHED
    )
    state = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '') "  # noqa: S608
                f'FROM "{table}" AS t'
            )
            count, rows = cursor.fetchone()
            state[table] = (count, hashlib.md5(rows.encode()).hexdigest())  # noqa: S324
    return state


def changed(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before if before[table] != after[table])


def call(client, operation: str, params: dict, body):
    method, template = operation.split(" ", 1)
    path = template
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return getattr(client, method.lower())(path, body, format="json")


def cases():
    for operation, entry in MATRIX.items():
        if entry.expect == PUBLIC:
            yield pytest.param(operation, "anyone", id=f"{operation} by anyone")
            continue
        for caller in CALLERS:
            if caller.startswith("carrier") and not entry.carrier:
                continue
            yield pytest.param(operation, caller, id=f"{operation} by {caller}")


@pytest.mark.parametrize(("operation", "caller"), list(cases()))
def test_another_members_object_is_refused_and_nothing_changes(
    operation, caller, world, django_capture_on_commit_callbacks
):
    entry = MATRIX[operation]
    client = APIClient() if caller == "anyone" else CALLERS[caller]()
    params, body = entry.target(world), entry.body(world)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = call(client, operation, params, body)

    after = snapshot()
    method = operation.split(" ", 1)[0]
    if entry.expect == HIDDEN:
        assert response.status_code == 404, response.content[:300]
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}, (
            "a hidden object answers exactly like one that does not exist"
        )
    elif entry.expect == SHARED and method == "GET":
        assert response.status_code == 200, response.content[:300]
    elif entry.expect == SHARED:
        assert response.status_code == 403, response.content[:300]
        assert response.json()["error"]["code"] == "permission_denied"
    else:  # PUBLIC
        assert response.status_code == 200, response.content[:300]
        text = response.content.decode()
        assert "price" not in text and world.b.email not in text
    assert changed(before, after) == [], "a refused request changed the database"


def test_an_unknown_id_answers_exactly_like_another_members(world):
    """The same 404 for B's order and for an id nobody has: ids cannot be probed."""
    client = key_client(MemberFactory())
    theirs = client.get(f"/api/v1/orders/{world.order.pk}/")
    nobodys = client.get("/api/v1/orders/999999999/")
    assert (theirs.status_code, theirs.json()) == (nobodys.status_code, nobodys.json())
