from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from config.wsgi import application
from orders import services
from orders.models import Order, Shipment
from scheduling.models import Booking
from tests.factories import MemberFactory, StaffFactory, api_key_for
from tests.orders.helpers import cargo, make_tariff, place_order

pytestmark = pytest.mark.django_db

WRITE = [ApiScope.ORDERS_READ, ApiScope.ORDERS_WRITE]


def client_for(member, scopes=WRITE) -> APIClient:
    _key, raw = api_key_for(member, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def order_payload(network, **overrides) -> dict:
    payload = {
        "customer_reference": "PO-7781",
        "shipper_name": "重庆宗申摩托车配件有限公司",
        "shipper_address": "Ba'nan District, Chongqing",
        "shipper_country": "CN",
        "consignee_name": "Công ty TNHH Phụ tùng Hà Nội",
        "consignee_address": "Long Biên, Hà Nội",
        "consignee_country": "VN",
        "origin": network.chongqing.pk,
        "destination": network.hanoi.pk,
        "ready_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "service_kind": "ltl",
        "incoterm": "DAP",
        "currency": "CNY",
        "cargo_lines": [
            {
                "description": "Motorcycle spare parts",
                "hs_code": "871410",
                "package_count": 10,
                "package_type": "carton",
                "gross_kg": "1000",
                "volume_m3": "4",
                "declared_value": "50000",
                "declared_currency": "CNY",
            }
        ],
    }
    payload.update(overrides)
    return payload


def quote(client, network, *, cargo_lines, **overrides):
    body = {
        "origin": network.chongqing.pk,
        "destination": network.hanoi.pk,
        # Today where the cargo is ready: the day may have turned there before it has in UTC.
        "ready_date": timezone.localdate(timezone=network.chongqing.zone).isoformat(),
        "service_kind": "ltl",
        "cargo_lines": cargo_lines,
    }
    body.update(overrides)
    return client.post("/api/v1/quotes/", body, format="json")


@pytest.fixture
def shipper():
    return MemberFactory(country="CN")


@pytest.fixture
def api(shipper):
    return client_for(shipper)


def test_quote_lists_lines_with_price_transit_and_departures(api, network, trips, tariff):
    response = quote(
        api, network, cargo_lines=[{"package_count": 4, "gross_kg": "1000", "volume_m3": "4"}]
    )
    assert response.status_code == 200
    (option,) = response.json()["options"]
    assert option["line"] == "CKG-HAN-S"
    assert option["transit_hours"] == "30.00"
    assert option["price"] == {
        "currency": "CNY",
        "chargeable_kg": "1332.00",
        "basis": "weight",
        "freight": "1598.40",
        "cold_chain_surcharge": "0.00",
        "dangerous_goods_fee": "0.00",
        "total": "1598.40",
    }
    assert option["departures"][0]["trip_id"] == trips[0].pk
    assert option["shipments"] == 1


def test_a_line_priced_in_two_currencies_is_one_option_per_currency_looked_up_once(
    api, network, line, trips, tariff, django_assert_max_num_queries
):
    one_tonne = [{"package_count": 1, "gross_kg": "1000", "volume_m3": "1"}]
    quote(api, network, cargo_lines=one_tonne)  # the key is looked up once, then kept
    with CaptureQueriesContext(connection) as one_currency:
        assert quote(api, network, cargo_lines=one_tonne).status_code == 200
    make_tariff(
        line,
        currency="USD",
        rate_per_kg=Decimal("0.17"),
        rate_per_m3=Decimal("42"),
        minimum_charge=Decimal("70"),
    )

    with django_assert_max_num_queries(len(one_currency)):
        response = quote(api, network, cargo_lines=one_tonne)
    in_usd = quote(api, network, cargo_lines=one_tonne, currency="USD").json()["options"]

    options = response.json()["options"]
    assert [option["price"]["currency"] for option in options] == ["CNY", "USD"]
    assert options[0]["departures"] == options[1]["departures"] != []
    assert options[0]["transit_hours"] == options[1]["transit_hours"] == "30.00"
    assert [option["price"]["total"] for option in in_usd] == ["170.00"]


def test_quote_refuses_bad_input_with_a_message_per_field(api, network, tariff):
    response = quote(
        api,
        network,
        cargo_lines=[{"gross_kg": "0", "volume_m3": "1"}],
        origin=network.hanoi.pk,
        ready_date=(timezone.localdate() - timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "differ from the origin" in fields["destination"][0]
    assert "past" in fields["ready_date"][0]
    assert "more than 0 kg" in fields["weight_kg"][0]


def test_order_create_returns_the_draft(api, network, shipper):
    response = api.post("/api/v1/orders/", order_payload(network), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["reference"].startswith("ORD-")
    assert body["cargo_lines"][0]["hs_code"] == "871410"
    assert Order.objects.get().member == shipper


def test_order_create_refuses_bad_cargo_and_saves_nothing(api, network):
    payload = order_payload(network)
    payload["cargo_lines"][0].update(gross_kg="-1", hs_code="84.71")
    response = api.post("/api/v1/orders/", payload, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "more than 0 kg" in fields["cargo_lines.1.gross_kg"][0]
    assert "6 to 10 digits" in fields["cargo_lines.1.hs_code"][0]
    assert not Order.objects.exists()


def test_order_create_needs_the_write_scope(shipper, network):
    client = client_for(shipper, scopes=[ApiScope.ORDERS_READ])
    response = client.post("/api/v1/orders/", order_payload(network), format="json")
    assert response.status_code == 403
    assert "orders:write" in response.json()["error"]["message"]


def test_idempotency_key_replays_the_first_answer(api, network):
    headers = {"HTTP_IDEMPOTENCY_KEY": "5b0f7c5e-order-1"}
    first = api.post("/api/v1/orders/", order_payload(network), format="json", **headers)
    again = api.post("/api/v1/orders/", order_payload(network), format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_idempotency_key_with_another_body_is_refused(api, network):
    headers = {"HTTP_IDEMPOTENCY_KEY": "key-2"}
    api.post("/api/v1/orders/", order_payload(network), format="json", **headers)
    other = api.post(
        "/api/v1/orders/", order_payload(network, notes="changed"), format="json", **headers
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_idempotency_keys_belong_to_one_member(api, network):
    other = client_for(MemberFactory())
    headers = {"HTTP_IDEMPOTENCY_KEY": "shared-key"}
    api.post("/api/v1/orders/", order_payload(network), format="json", **headers)
    second = other.post("/api/v1/orders/", order_payload(network), format="json", **headers)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Order.objects.count() == 2


def test_idempotency_key_after_a_refusal_can_be_retried(api, network):
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-me"}
    bad = order_payload(network, incoterm="XXX")
    assert api.post("/api/v1/orders/", bad, format="json", **headers).status_code == 400
    good = api.post("/api/v1/orders/", bad | {"incoterm": "DAP"}, format="json", **headers)
    assert good.status_code == 422  # the key was used with another body
    fixed = api.post("/api/v1/orders/", bad, format="json", **headers)
    assert fixed.status_code == 400  # the same body again: still refused, still nothing saved
    assert not Order.objects.exists()


def test_orders_list_is_scoped_filtered_and_cursor_paginated(api, network, shipper):
    for number in range(3):
        place_order(network, shipper, customer_reference=f"PO-{number}")
    place_order(network, MemberFactory())
    page = api.get("/api/v1/orders/", {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"] and page["previous"] is None
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    found = api.get("/api/v1/orders/", {"reference": "po-1"}).json()["results"]
    assert [order["customer_reference"] for order in found] == ["PO-1"]
    assert api.get("/api/v1/orders/", {"status": "confirmed"}).json()["results"] == []
    assert api.get("/api/v1/orders/", {"status": "nonsense"}).status_code == 400


def test_another_members_order_answers_404_everywhere(api, network):
    theirs = place_order(network, MemberFactory())
    base = f"/api/v1/orders/{theirs.pk}/"
    assert api.get(base).status_code == 404
    assert api.patch(base, {"notes": "x"}, format="json").status_code == 404
    for verb in ("submit", "cancel", "amend"):
        response = api.post(f"{base}{verb}/", {}, format="json")
        assert response.status_code == 404, response.json()
    assert Order.objects.get().status == Order.Status.DRAFT


def test_order_update_edits_drafts_only(api, network, shipper, trips, tariff):
    order = place_order(network, shipper)
    response = api.patch(f"/api/v1/orders/{order.pk}/", {"notes": "Keep dry"}, format="json")
    assert response.status_code == 200 and response.json()["notes"] == "Keep dry"
    api.post(f"/api/v1/orders/{order.pk}/submit/")
    refused = api.patch(f"/api/v1/orders/{order.pk}/", {"notes": "late"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"


def test_submit_confirms_with_shipments_booked_and_priced(api, network, shipper, trips, tariff):
    order = place_order(network, shipper)
    response = api.post(f"/api/v1/orders/{order.pk}/submit/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "confirmed" and body["price_total"] == "1598.40"
    (shipment,) = body["shipments"]
    assert shipment["booking"]["status"] == "allocated"
    assert shipment["booking"]["trip_id"] == trips[0].pk
    assert shipment["booking"]["departs_at_local"].endswith("+08:00")
    assert [event["to_status"] for event in body["history"]] == ["draft", "submitted", "confirmed"]


def test_submit_refuses_a_currency_the_tariff_does_not_take(api, network, shipper, trips, tariff):
    order = place_order(network, shipper, currency="VND")
    response = api.post(f"/api/v1/orders/{order.pk}/submit/")
    assert response.status_code == 400
    assert "No tariff in VND" in response.json()["error"]["fields"]["currency"][0]
    assert not Booking.objects.exists()


def test_cancel_and_amend_through_the_api(api, network, shipper, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    amended = api.post(
        f"/api/v1/orders/{order.pk}/amend/",
        {"cargo_lines": [{"line": 1, "gross_kg": "2000"}]},
        format="json",
    )
    assert amended.status_code == 200, amended.json()
    last = amended.json()["history"][-1]
    assert last["data"]["difference"] == "801.60"
    assert api.post(f"/api/v1/orders/{order.pk}/amend/", {}, format="json").status_code == 400
    cancelled = api.post(f"/api/v1/orders/{order.pk}/cancel/", {"reason": "No longer needed"})
    assert cancelled.json()["status"] == "cancelled"
    assert not Booking.objects.filter(status=Booking.Status.ALLOCATED).exists()
    again = api.post(f"/api/v1/orders/{order.pk}/cancel/")
    assert again.status_code == 409


def test_shipments_for_owner_carrier_and_strangers(api, network, shipper, carrier, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    number = order.shipments.get().tracking_number
    mine = api.get(f"/api/v1/shipments/{number}/").json()
    assert mine["price"] == "1598.40" and mine["order"] == order.reference
    carried = client_for(carrier).get(f"/api/v1/shipments/{number}/")
    assert carried.status_code == 200
    assert "price" not in carried.json() and "price_breakdown" not in carried.json()
    assert carried.json()["booking"]["trip_id"] == trips[0].pk
    listed = client_for(carrier).get("/api/v1/shipments/", {"trip": trips[0].pk}).json()
    assert [row["tracking_number"] for row in listed["results"]] == [number]
    stranger = client_for(MemberFactory())
    assert stranger.get(f"/api/v1/shipments/{number}/").status_code == 404
    assert stranger.get(f"/api/v1/shipments/{number}/consignment-note/").status_code == 404
    assert stranger.get("/api/v1/shipments/").json()["results"] == []


def test_a_shipment_is_found_by_its_number_in_any_case(api, network, shipper, trips, tariff):
    order = services.order_submit(order=place_order(network, shipper))
    number = order.shipments.get().tracking_number
    response = api.get(f"/api/v1/shipments/{number.lower()}/")
    assert response.status_code == 200
    assert response.json()["tracking_number"] == number


def test_staff_see_every_order_but_do_not_place_them(network, shipper):
    place_order(network, shipper)
    staff = StaffFactory()
    client = APIClient()
    client.force_authenticate(staff)
    assert len(client.get("/api/v1/orders/").json()["results"]) == 1
    response = client.post("/api/v1/orders/", order_payload(network), format="json")
    assert response.status_code == 403


def test_consignment_note_is_a_pdf_for_the_owner(api, network, shipper, trips, tariff):
    order = services.order_submit(
        order=place_order(network, shipper, cargo_lines=[cargo(), cargo(hs_code="650610")])
    )
    number = order.shipments.get().tracking_number
    response = api.get(f"/api/v1/shipments/{number}/consignment-note/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert number in response["Content-Disposition"]
    assert Shipment.objects.get().weight_kg == Decimal(2000)


def test_quote_refuses_a_currency_no_tariff_on_the_route_takes(api, network, trips, tariff):
    response = quote(
        api, network, cargo_lines=[{"gross_kg": "100", "volume_m3": "1"}], currency="THB"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["currency"] == [
        "No tariff on this route is in THB; ask in CNY."
    ]


def test_quote_splits_cargo_too_big_for_one_trip(api, network, trips, tariff):
    response = quote(
        api, network, cargo_lines=[{"package_count": 25, "gross_kg": "25000", "volume_m3": "25"}]
    )
    (option,) = response.json()["options"]
    assert option["shipments"] == 3
    # Each part priced on its own: 10,000 + 10,000 + 5,000 kg × 1.20.
    assert option["price"]["total"] == "30000.00"


def test_consignment_notes_are_rate_limited(api, network, shipper, trips, tariff, monkeypatch):
    from django.core.cache import cache

    from orders.api.views import DocumentRateThrottle

    cache.clear()
    monkeypatch.setattr(DocumentRateThrottle, "THROTTLE_RATES", {"documents": "1/hour"})
    order = services.order_submit(order=place_order(network, shipper))
    url = f"/api/v1/shipments/{order.shipments.get().tracking_number}/consignment-note/"
    assert api.get(url).status_code == 200
    refused = api.get(url)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"


def test_orders_list_filters_by_dates_and_route_and_refuses_bad_dates(api, network, shipper):
    soon = timezone.localdate() + timedelta(days=2)
    later = timezone.localdate() + timedelta(days=9)
    place_order(network, shipper, customer_reference="SOON", ready_date=soon)
    place_order(network, shipper, customer_reference="LATER", ready_date=later)
    place_order(
        network,
        shipper,
        customer_reference="BORDER",
        destination=network.youyiguan,
        ready_date=later,
    )

    def refs(**query):
        return sorted(
            o["customer_reference"] for o in api.get("/api/v1/orders/", query).json()["results"]
        )

    assert refs(ready_to=(soon + timedelta(days=1)).isoformat()) == ["SOON"]
    assert refs(ready_from=later.isoformat()) == ["BORDER", "LATER"]
    assert refs(destination=network.youyiguan.pk) == ["BORDER"]
    assert refs(origin=network.chongqing.pk, destination=network.hanoi.pk) == ["LATER", "SOON"]
    today = timezone.localdate().isoformat()
    assert refs(created_from=today, created_to=today) == ["BORDER", "LATER", "SOON"]
    refused = api.get("/api/v1/orders/", {"ready_from": "next week"})
    assert refused.status_code == 400
    assert "ready_from" in refused.json()["error"]["fields"]


def test_an_empty_filter_value_means_no_filter_and_the_schema_says_which_may_be_empty(
    api, network, shipper
):
    place_order(network, shipper, customer_reference="SOON")
    place_order(network, shipper, customer_reference="LATER")
    listed = api.get("/api/v1/orders/", {"ready_from": "", "destination": "", "reference": ""})
    assert listed.status_code == 200
    assert sorted(o["customer_reference"] for o in listed.json()["results"]) == ["LATER", "SOON"]
    refused = api.get("/api/v1/orders/", {"status": ""})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["status"] == [
        "Select a valid choice.  is not one of the available choices."
    ]

    schema = api.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert parameters["ready_from"]["allowEmptyValue"] is True
    assert parameters["destination"]["allowEmptyValue"] is True
    assert "allowEmptyValue" not in parameters["status"]
    assert "allowEmptyValue" not in parameters["cursor"]


def test_an_order_and_its_waiting_booking_answer_as_the_schema_says(
    network, shipper, tariff, wsgi_keeps_the_test_connection
):
    """The first history entry has no previous status; a waiting booking has no trip."""
    order = services.order_submit(order=place_order(network, shipper))  # no trips: it waits
    booking = order.shipments.get().booking
    _key, raw = api_key_for(shipper, scopes=list(ApiScope.values))
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    answers = {}
    for path, parameters in (
        ("/api/v1/orders/{id}/", {"id": order.pk}),
        ("/api/v1/bookings/{id}/", {"id": booking.pk}),
    ):
        case = schema[path]["GET"].Case(
            path_parameters=parameters, headers={"Authorization": f"Api-Key {raw}"}
        )
        response = case.call()
        case.validate_response(response)  # status, content type, headers and body as documented
        answers[path] = response.json()
    assert answers["/api/v1/orders/{id}/"]["history"][0]["from_status"] == ""
    assert answers["/api/v1/bookings/{id}/"]["trip"] is None
