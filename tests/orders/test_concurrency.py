"""Concurrent duplicates: one Idempotency-Key, one order; one draft, one confirmation."""

import pytest

from orders import services
from orders.models import Order, Shipment
from scheduling.models import Booking
from tests.factories import MemberFactory
from tests.orders.helpers import place_order
from tests.orders.test_api import client_for, order_payload
from tests.racing import race

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 12


def _race(work) -> list:
    return race(work, racers=RACERS)


def test_concurrent_duplicates_with_one_idempotency_key_make_one_order(network):
    member = MemberFactory()
    clients = [client_for(member) for _ in range(RACERS)]
    payload = order_payload(network)

    def post(number):
        return clients[number].post(
            "/api/v1/orders/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        )

    responses = _race(post)
    assert all(not isinstance(response, BaseException) for response in responses), responses
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}
    assert Order.objects.count() == 1
    created = [response.json() for response in responses if response.status_code == 201]
    assert all(body["reference"] == Order.objects.get().reference for body in created)
    assert sum(1 for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r) == 1


def test_concurrent_orders_get_distinct_references(network):
    member = MemberFactory()
    clients = [client_for(member) for _ in range(RACERS)]

    def post(number):
        return clients[number].post(
            "/api/v1/orders/",
            order_payload(network, customer_reference=f"PO-{number}"),
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{number}",
        )

    responses = _race(post)
    assert [response.status_code for response in responses] == [201] * RACERS
    assert Order.objects.values("reference").distinct().count() == RACERS


def test_concurrent_submits_of_one_order_confirm_it_once(network, trips, tariff):
    order = place_order(network, MemberFactory())

    def submit(_number):
        try:
            return services.order_submit(order=order).status
        except Exception as error:
            return type(error).__name__

    outcomes = _race(submit)
    assert outcomes.count(Order.Status.CONFIRMED) == 1
    assert set(outcomes) == {Order.Status.CONFIRMED, "InvalidTransition"}
    assert Shipment.objects.count() == 1 and Booking.objects.count() == 1
