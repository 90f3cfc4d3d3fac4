import base64
import json
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from config.wsgi import application
from scheduling.models import Booking, Handover, Location, Trip, TripStop
from tests.factories import PNG_BYTES, MemberFactory, api_key_for
from tests.network import make_line, make_timetable
from tests.tracking.journey import at, carrier_client, journey
from tracking.models import Position, ShipmentState, TimelineEntry, TrackingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(carrier):
    return carrier_client(carrier)


@pytest.fixture
def trip_under_way(network, trips, tariff):
    return journey(network, trips)


def post(api, path, body, capture):
    with capture(execute=True):
        return api.post(path, body, format="json")


def trip_event(code, stop, hours_ago, event_id=None, **extra):
    return {
        "event_id": event_id or f"{code}-{stop}",
        "code": code,
        "occurred_at": at(hours_ago),
        "location": stop.pk,
        **extra,
    }


def test_trip_departure_is_stored_then_applied_to_the_shipments_on_board(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    response = post(
        api,
        f"/api/v1/trips/{j.trip.pk}/events/",
        trip_event("departed_origin", network.chongqing, 0.5),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["result"] == "created"
    for shipment in (j.through, j.to_border):
        shipment.refresh_from_db()
        assert shipment.status == "departed_origin"
        assert shipment.timeline.get().code == "departed_origin"
    j.from_border.refresh_from_db()
    assert j.from_border.status == "booked"  # loaded further on: not on board yet
    stop = TripStop.objects.get(trip=j.trip, sequence=1)
    assert stop.actual_departure is not None
    assert Trip.objects.get(pk=j.trip.pk).status == Trip.Status.DEPARTED
    assert j.through.order.status == "in_transit"
    assert TrackingEvent.objects.get().applied_at is not None


def test_the_same_event_id_is_stored_once(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    body = trip_event("departed_origin", network.chongqing, 0.5, event_id="GPS-77")
    path = f"/api/v1/trips/{trip_under_way.trip.pk}/events/"
    first = post(api, path, body, django_capture_on_commit_callbacks)
    again = post(api, path, body, django_capture_on_commit_callbacks)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "result": "duplicate"}
    assert TrackingEvent.objects.count() == 1
    assert TimelineEntry.objects.filter(shipment=trip_under_way.through).count() == 1


def test_arrival_at_a_gate_means_border_or_destination_per_shipment(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    path = f"/api/v1/trips/{j.trip.pk}/events/"
    post(
        api,
        path,
        trip_event("departed_origin", network.chongqing, 0.9),
        django_capture_on_commit_callbacks,
    )
    response = post(
        api,
        path,
        trip_event("arrived_border", network.youyiguan, 0.2),
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201
    for shipment in (j.through, j.to_border, j.from_border):
        shipment.refresh_from_db()
    assert j.through.status == "arrived_border"
    assert j.to_border.status == "arrived_destination"
    assert j.from_border.status == "booked"
    assert j.to_border.order.status == "in_transit"


def test_a_late_older_event_joins_the_timeline_without_moving_status_back(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    path = f"/api/v1/trips/{j.trip.pk}/events/"
    post(
        api,
        path,
        trip_event("arrived_border", network.youyiguan, 0.2),
        django_capture_on_commit_callbacks,
    )
    post(
        api,
        path,
        trip_event("departed_origin", network.chongqing, 0.9),
        django_capture_on_commit_callbacks,
    )
    j.through.refresh_from_db()
    assert j.through.status == "arrived_border"
    codes = list(j.through.timeline.order_by("occurred_at").values_list("code", flat=True))
    assert codes == ["departed_origin", "arrived_border"]


def test_delivered_sticks_and_the_order_follows(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    number = j.to_border.tracking_number
    path = f"/api/v1/shipments/{number}/events/"
    delivered = {
        "event_id": "POD-1",
        "code": "delivered",
        "occurred_at": at(0.1),
        "receiver_name": "Lý Văn Minh",
        "photo": base64.b64encode(PNG_BYTES).decode(),
    }
    response = post(api, path, delivered, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.json()
    later_pickup = {"event_id": "LATE", "code": "picked_up", "occurred_at": at(0.05)}
    post(api, path, later_pickup, django_capture_on_commit_callbacks)
    j.to_border.refresh_from_db()
    assert j.to_border.status == "delivered"
    assert j.to_border.order.status == "delivered"
    assert TrackingEvent.objects.get(external_id="POD-1").photo.name.endswith(".png")


def test_customs_clearance_needs_its_declaration_number(
    api, trip_under_way, django_capture_on_commit_callbacks
):
    path = f"/api/v1/shipments/{trip_under_way.through.tracking_number}/events/"
    body = {"event_id": "EX-1", "code": "export_cleared", "occurred_at": at(0.1)}
    refused = post(api, path, body, django_capture_on_commit_callbacks)
    assert refused.status_code == 400
    assert "declaration number" in refused.json()["error"]["fields"]["declaration_number"][0]
    cleared = post(
        api,
        path,
        {**body, "declaration_number": "530120260001234"},
        django_capture_on_commit_callbacks,
    )
    assert cleared.status_code == 201
    trip_under_way.through.refresh_from_db()
    assert trip_under_way.through.status == "export_cleared"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"code": "teleported"}, "code", "Unknown code"),
        ({"code": "delivered"}, "code", "posted per shipment"),
        ({"occurred_at": "2026-11-23T08:00:00"}, "occurred_at", "UTC offset"),
        ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        ({"latitude": 95, "longitude": 100}, "latitude", "between -90 and 90"),
        ({"latitude": 20}, "longitude", "both coordinates"),
        ({"location": None}, "location", "Say where"),
        ({"location": "ZZZZZ"}, "location", "No place has this"),
        ({"code": "exception"}, "reason", "needs a reason"),
        ({"code": "exception", "reason": "alien"}, "reason", "Unknown reason"),
        ({"code": "exception", "reason": ["delay"]}, "reason", "Unknown reason"),
        ({"code": "exception_resolved", "reason": []}, "reason", "Unknown reason"),
        ({"code": "exception_resolved", "reason": False}, "reason", "Unknown reason"),
        ({"location": "²"}, "location", "No place has this"),
        ({"location": "CN\x00CKG"}, "location", "No place has this"),
        ({"remarks": "Gate\x00 4"}, "remarks", "Send text."),
        ({"event_id": "\x00"}, "event_id", "Send text."),
        ({"code": "handover", "seal_numbers": ["CN-1\x00"]}, "seal_numbers", "list of text"),
        ({"remarks": "Gate \ud800 4"}, "remarks", "Send text."),
        ({"event_id": "\udfff"}, "event_id", "Send text."),
        ({"code": "handover", "seal_numbers": ["CN-\ud800"]}, "seal_numbers", "list of text"),
        ({"location": "CN\ud800CKG"}, "location", "No place has this"),
        ({"code": ["arrived_stop"]}, "code", "Unknown code"),
        ({"seal_numbers": "CN-77812"}, "seal_numbers", "list of text"),
        ({"seal_numbers": {}}, "seal_numbers", "list of text"),
        ({"seals_intact": "yes"}, "seals_intact", "true or false"),
        ({"code": {"name": "arrived_stop"}}, "code", "Unknown code"),
        ({"event_id": ""}, "event_id", "your own id"),
        ({"remarks": "x" * 1001}, "remarks", "At most 1000"),
    ],
)
def test_trip_events_refused_with_a_message_per_field(
    api, network, trip_under_way, change, field, message
):
    body = {**trip_event("arrived_stop", network.youyiguan, 0.2), **change}
    # As JSON text with escapes, as a carrier's system may send half a surrogate pair.
    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"][field])
    assert not TrackingEvent.objects.exists()


def test_events_in_the_future_or_before_the_trip_are_refused(api, network, trip_under_way):
    path = f"/api/v1/trips/{trip_under_way.trip.pk}/events/"
    future = {**trip_event("arrived_stop", network.youyiguan, 0), "occurred_at": at(-0.5)}
    past = {**trip_event("arrived_stop", network.youyiguan, 0), "occurred_at": at(24 * 5)}
    assert (
        "10 minutes in the future"
        in api.post(path, future, format="json").json()["error"]["fields"]["occurred_at"][0]
    )
    assert (
        "before the trip existed"
        in api.post(path, past, format="json").json()["error"]["fields"]["occurred_at"][0]
    )


def test_a_place_off_the_line_is_refused(api, network, trip_under_way):
    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/",
        trip_event("arrived_stop", network.nanning, 0.2),
        format="json",
    )
    assert response.json()["error"]["fields"]["location"] == [
        "This place is not a stop of the trip's line."
    ]


def test_a_place_code_is_read_the_same_way_by_the_single_and_bulk_endpoints(
    api, network, trip_under_way
):
    Location.objects.filter(pk=network.youyiguan.pk).update(unlocode="CNYYG")
    single = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/",
        {
            **trip_event("arrived_stop", network.youyiguan, 0.2, event_id="s-1"),
            "location": " cn yyg",
        },
        format="json",
    )
    bulk = api.post(
        "/api/v1/events/bulk/",
        {
            "events": [
                {
                    **trip_event("departed_stop", network.youyiguan, 0.1, event_id="b-1"),
                    "location": "CN YYG",
                    "trip": trip_under_way.trip.pk,
                }
            ]
        },
        format="json",
    )
    assert single.status_code == 201, single.json()
    assert bulk.json()["results"][0]["result"] == "created"
    assert set(TrackingEvent.objects.values_list("location", flat=True)) == {network.youyiguan.pk}


def test_a_shipment_on_no_trip_can_only_be_at_its_origin_or_destination(network, trip_under_way):
    shipment = trip_under_way.through
    Booking.objects.filter(pk=shipment.booking_id).update(trip=None, status=Booking.Status.WAITING)
    placer = carrier_client(shipment.order.member)
    path = f"/api/v1/shipments/{shipment.tracking_number}/events/"
    body = {"event_id": "p-1", "code": "picked_up", "occurred_at": at(0.1)}
    elsewhere = placer.post(path, {**body, "location": network.nanning.pk}, format="json")
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"]["fields"]["location"] == [
        "The shipment is on no trip yet: it can only be at its origin or its destination."
    ]
    assert not TrackingEvent.objects.exists()
    at_origin = placer.post(path, {**body, "location": network.chongqing.pk}, format="json")
    assert at_origin.status_code == 201, at_origin.json()


def test_another_carriers_trip_and_shipments_answer_404(network, trip_under_way, carrier):
    stranger = carrier_client(MemberFactory())
    body = trip_event("arrived_stop", network.youyiguan, 0.2)
    assert (
        stranger.post(
            f"/api/v1/trips/{trip_under_way.trip.pk}/events/", body, format="json"
        ).status_code
        == 404
    )
    number = trip_under_way.through.tracking_number
    assert (
        stranger.post(
            f"/api/v1/shipments/{number}/events/",
            {"event_id": "x", "code": "note", "occurred_at": at(0.1)},
            format="json",
        ).status_code
        == 404
    )
    assert not TrackingEvent.objects.exists()


def test_a_body_over_the_limit_is_refused_before_reading(api, trip_under_way, settings):
    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/",
        {"event_id": "big", "remarks": "x" * 70_000},
        format="json",
    )
    assert response.status_code == 413
    assert "at most 65536" in response.json()["error"]["message"]


def test_handover_records_the_seals_through_scheduling(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    body = trip_event(
        "handover",
        network.huu_nghi,
        0.1,
        seal_numbers=["CN-77812", "CN-77813"],
        seals_intact=True,
        signed_by="Nguyễn Văn An",
    )
    response = post(
        api,
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/",
        body,
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201
    handover = Handover.objects.get()
    assert handover.seal_numbers == ["CN-77812", "CN-77813"] and handover.seals_intact
    assert handover.stop.location == network.huu_nghi


def test_bulk_answers_per_item_and_one_bad_item_sinks_nothing(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    events = [
        {**trip_event("departed_origin", network.chongqing, 0.9), "trip": j.trip.pk},
        {**trip_event("departed_origin", network.chongqing, 0.9), "trip": j.trip.pk},
        {"trip": j.trip.pk, "event_id": "bad", "code": "arrived_stop", "occurred_at": "soon"},
        {
            "shipment": j.through.tracking_number,
            "event_id": "n1",
            "code": "note",
            "occurred_at": at(0.5),
            "remarks": "Loaded at bay 4",
        },
        {"trip": 999999, "event_id": "nope", "code": "note", "occurred_at": at(0.5)},
    ]
    response = post(
        api, "/api/v1/events/bulk/", {"events": events}, django_capture_on_commit_callbacks
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["created"], body["duplicate"], body["error"]) == (2, 1, 2)
    assert [r["result"] for r in body["results"]] == [
        "created",
        "duplicate",
        "error",
        "created",
        "error",
    ]
    assert "ISO 8601" in body["results"][2]["errors"]["occurred_at"][0]
    assert "No trip you operate" in body["results"][4]["errors"]["trip"][0]
    j.through.refresh_from_db()
    assert j.through.status == "departed_origin"


def test_bulk_refuses_a_trip_that_is_not_a_number_per_item(api, network, trip_under_way):
    good = {**trip_event("departed_origin", network.chongqing, 0.9), "trip": trip_under_way.trip.pk}
    events = [
        {**trip_event("note", network.chongqing, 0.8, event_id="t-1"), "trip": True},
        {**trip_event("note", network.chongqing, 0.8, event_id="t-2"), "trip": "12"},
        good,
    ]
    response = api.post("/api/v1/events/bulk/", {"events": events}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["error", "error", "created"]
    assert results[0]["errors"] == {"trip": ["Send the trip's id as a whole number."]}
    assert results[1]["errors"] == {"trip": ["Send the trip's id as a whole number."]}
    assert TrackingEvent.objects.count() == 1


def test_a_trip_id_past_what_the_database_holds_is_not_found_per_item(api, network, trip_under_way):
    good = {**trip_event("departed_origin", network.chongqing, 0.9), "trip": trip_under_way.trip.pk}
    huge = {**trip_event("note", network.chongqing, 0.8, event_id="t-1"), "trip": 10**20}
    response = api.post("/api/v1/events/bulk/", {"events": [huge, good]}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["error", "created"]
    assert "No trip you operate" in results[0]["errors"]["trip"][0]


def test_a_tracking_number_with_text_postgresql_cannot_hold_is_not_found(api):
    single = api.post(
        "/api/v1/shipments/LA%00/events/",
        {"event_id": "n-1", "code": "note", "occurred_at": at(0.1)},
        format="json",
    )
    events = [
        {"shipment": "LA\x00", "event_id": "n-2", "code": "note"},
        {"shipment": "LA\ud800", "event_id": "n-3", "code": "note"},
    ]
    bulk = api.post(
        "/api/v1/events/bulk/", json.dumps({"events": events}), content_type="application/json"
    )
    assert single.status_code == 404
    assert [r["result"] for r in bulk.json()["results"]] == ["error", "error"]


def test_bulk_says_which_subject_field_is_wrong_or_missing(api, network, trip_under_way):
    note = trip_event("note", network.chongqing, 0.8)
    events = [{**note, "shipment": ["LA1"]}, note]
    results = api.post("/api/v1/events/bulk/", {"events": events}, format="json").json()["results"]
    assert results[0]["errors"] == {"shipment": ["Send the tracking number as text."]}
    assert "trip id or a tracking number" in results[1]["errors"]["trip"][0]


def test_bulk_takes_at_most_1000_events(api):
    response = api.post("/api/v1/events/bulk/", {"events": [{}] * 1001}, format="json")
    assert response.status_code == 400
    assert "At most 1000" in response.json()["error"]["fields"]["events"][0]


def test_positions_raise_a_temperature_exception_for_cold_cargo(
    api, network, carrier, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from scheduling import services as scheduling_services
    from scheduling.models import ServiceKind, VehicleType
    from tests.orders.helpers import make_tariff
    from tests.tracking.journey import book_shipment, move_trip_to_the_past

    line = make_line(
        network, carrier, code="CKG-HAN-COLD", services_offered=[ServiceKind.COLD_CHAIN]
    )
    make_timetable(line, vehicle_type=VehicleType.REEFER)
    scheduling_services.trips_generate()
    make_tariff(line, service_kind=ServiceKind.COLD_CHAIN)
    shipment = book_shipment(
        network,
        MemberFactory(),
        network.chongqing,
        network.hanoi,
        service_kind=ServiceKind.COLD_CHAIN,
        cargo={"temperature_min_c": Decimal(2), "temperature_max_c": Decimal(8)},
    )
    trip = shipment.booking.trip
    move_trip_to_the_past(trip, hours_ago=2)
    pings = [
        {"recorded_at": at(0.5), "latitude": 25.1, "longitude": 107.2, "temperature_c": 5.0},
        {"recorded_at": at(0.4), "latitude": 25.0, "longitude": 107.3, "temperature_c": 11.5},
    ]
    response = post(
        api,
        f"/api/v1/trips/{trip.pk}/positions/",
        {"positions": pings},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"stored": 2, "temperature_exceptions": 1}
    assert ShipmentState.objects.get(shipment=shipment).open_exceptions == ["temperature"]
    again = post(
        api,
        f"/api/v1/trips/{trip.pk}/positions/",
        {"positions": pings},
        django_capture_on_commit_callbacks,
    )
    assert again.json() == {"stored": 0, "temperature_exceptions": 0}


def test_positions_refused_per_item(api, trip_under_way):
    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/positions/",
        {"positions": [{"recorded_at": at(0.1), "latitude": 200, "longitude": 10}]},
        format="json",
    )
    assert response.status_code == 400
    assert "between -90 and 90" in response.json()["error"]["fields"]["positions.0.latitude"][0]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"recorded_at": at(-2)}, "recorded_at", "10 minutes in the future"),
        ({"recorded_at": "2026-11-24T08:00:00"}, "recorded_at", "UTC offset"),
        ({"speed_kmh": 400}, "speed_kmh", "between 0 and 300"),
        ({"temperature_c": -80}, "temperature_c", "between -60 and 60"),
        ({"longitude": "east"}, "longitude", "Send a number."),
    ],
)
def test_each_bad_position_field_is_named(api, trip_under_way, change, field, message):
    ping = {"recorded_at": at(0.1), "latitude": 21.8, "longitude": 106.7, **change}

    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/positions/", {"positions": [ping]}, format="json"
    )

    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"][f"positions.0.{field}"])
    assert not Position.objects.exists()


def test_at_most_1000_positions_in_one_request(api, trip_under_way):
    ping = {"recorded_at": at(0.1), "latitude": 21.8, "longitude": 106.7}

    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/positions/",
        {"positions": [ping] * 1001},
        format="json",
    )

    assert response.status_code == 400
    assert "At most 1000 positions" in json.dumps(response.json(), ensure_ascii=False)
    assert not Position.objects.exists()


def test_a_cancelled_shipment_stays_cancelled(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    from orders.models import Shipment

    j = trip_under_way
    Shipment.objects.filter(pk=j.through.pk).update(status="cancelled")
    body = trip_event("departed_origin", network.chongqing, 0.5)

    post(api, f"/api/v1/trips/{j.trip.pk}/events/", body, django_capture_on_commit_callbacks)

    j.through.refresh_from_db()
    j.to_border.refresh_from_db()
    assert j.through.status == "cancelled"
    assert j.to_border.status == "departed_origin"


def test_a_heading_rounding_up_to_360_is_north(api, trip_under_way):
    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/positions/",
        {
            "positions": [
                {"recorded_at": at(0.1), "latitude": 22, "longitude": 106, "heading": 359.6}
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Position.objects.get().heading == 0


def test_positions_from_before_the_trip_existed_are_refused(api, trip_under_way):
    response = api.post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/positions/",
        {
            "positions": [
                {"recorded_at": "1970-01-01T00:00:00+00:00", "latitude": 22, "longitude": 106}
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["positions.0.recorded_at"] == [
        "This is before the trip existed."
    ]
    assert not Position.objects.exists()


def test_eta_follows_the_delay_and_the_gate_history(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    planned = TripStop.objects.get(trip=j.trip, sequence=4).planned_arrival
    # Left Chongqing half an hour ago, though planned an hour ago: 30 min late.
    post(
        api,
        f"/api/v1/trips/{j.trip.pk}/events/",
        trip_event("departed_origin", network.chongqing, 0.5),
        django_capture_on_commit_callbacks,
    )
    state = ShipmentState.objects.get(shipment=j.through)
    assert abs(state.eta - (planned + timedelta(minutes=30))) < timedelta(minutes=1)
    assert state.eta_basis[0]["kind"] == "delay" and state.eta_basis[0]["place"] == "Chongqing"
    assert timezone.now() < state.eta


def test_the_eta_reason_says_early_and_names_the_place_in_the_readers_script(
    api, client, network, trip_under_way, django_capture_on_commit_callbacks
):
    Location.objects.filter(pk=network.chongqing.pk).update(local_name="重庆")
    # Planned to leave an hour ago, left an hour and a half ago: 30 minutes early.
    post(
        api,
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/",
        trip_event("departed_origin", network.chongqing, 1.5),
        django_capture_on_commit_callbacks,
    )
    path = f"/api/v1/public/track/{trip_under_way.through.tracking_number}/"
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()["eta"]["basis"]
    chinese = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["eta"]["basis"]
    assert english == "0.5 h ahead of the plan at Chongqing"
    assert "重庆" in chinese and "Chongqing" not in chinese and "-" not in chinese


def test_staff_posting_the_same_event_id_twice_store_one(
    network, trip_under_way, staff, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff)
    body = trip_event("departed_origin", network.chongqing, 0.5, event_id="STAFF-FIX-1")
    path = f"/api/v1/trips/{trip_under_way.trip.pk}/events/"
    first = post(client, path, body, django_capture_on_commit_callbacks)
    again = post(client, path, body, django_capture_on_commit_callbacks)
    assert (first.status_code, again.status_code) == (201, 200)
    event = TrackingEvent.objects.get()
    assert event.source == "staff" and event.member is None


def test_a_reason_goes_with_exceptions_only(api, network, trip_under_way):
    body = {**trip_event("arrived_stop", network.youyiguan, 0.2), "reason": "delay"}
    response = api.post(f"/api/v1/trips/{trip_under_way.trip.pk}/events/", body, format="json")
    assert (
        "exception and exception_resolved only" in response.json()["error"]["fields"]["reason"][0]
    )


def test_a_photo_that_is_not_base64_text_is_refused(api, trip_under_way):
    response = api.post(
        f"/api/v1/shipments/{trip_under_way.through.tracking_number}/events/",
        {"event_id": "pod-1", "code": "delivered", "occurred_at": at(0.1), "photo": {}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["photo"] == ["Send the photo as base64."]
    assert not TrackingEvent.objects.exists()


def test_the_event_endpoints_answer_as_their_published_schema_says(
    network, trip_under_way, carrier, wsgi_keeps_the_test_connection
):
    """The schema documents the bodies (not just "an object"), and real answers match it."""
    _key, raw = api_key_for(carrier, scopes=[ApiScope.EVENTS_WRITE])
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Api-Key {raw}"}
    trip = trip_under_way.trip.pk
    event = trip_event("departed_origin", network.chongqing, 0.5)
    cases = [
        ("/api/v1/trips/{trip_id}/events/", {"trip_id": trip}, event),
        ("/api/v1/trips/{trip_id}/events/", {"trip_id": trip}, event),  # the duplicate: 200
        ("/api/v1/events/bulk/", {}, {"events": [{**event, "event_id": "b-2", "trip": trip}, 7]}),
        (
            "/api/v1/trips/{trip_id}/positions/",
            {"trip_id": trip},
            {"positions": [{"recorded_at": at(0.2), "latitude": "22.5", "longitude": 106.7}]},
        ),
    ]
    statuses = []
    for path, parameters, body in cases:
        case = schema[path]["POST"].Case(
            path_parameters=parameters, headers=headers, body=body, media_type="application/json"
        )
        response = case.call()
        case.validate_response(response)
        statuses.append(response.status_code)
    assert statuses == [201, 200, 200, 201]
    documented = schema.raw_schema["components"]["schemas"]["EventRequest"]
    assert {"event_id", "code", "occurred_at"} <= set(documented["required"])


def shipment_path(shipment) -> str:
    return f"/api/v1/shipments/{shipment.tracking_number}/events/"


def test_crossing_the_border_reaches_the_shipments_on_board_and_closes_the_gate_stop(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    j = trip_under_way
    path = f"/api/v1/trips/{j.trip.pk}/events/"
    for body in (
        trip_event("departed_origin", network.chongqing, 0.9),
        trip_event("arrived_border", network.youyiguan, 0.5),
        trip_event("crossed_border", network.huu_nghi, 0.3),
    ):
        assert post(api, path, body, django_capture_on_commit_callbacks).status_code == 201
    for shipment in (j.through, j.to_border, j.from_border):
        shipment.refresh_from_db()
    assert j.through.status == "crossed_border"
    assert j.to_border.status == "arrived_destination"  # unloaded at Youyiguan
    gate = TripStop.objects.get(trip=j.trip, location=network.youyiguan)
    crossing = TrackingEvent.objects.get(code="crossed_border")
    assert gate.actual_departure == crossing.occurred_at


def test_import_clearance_and_delivery_round_move_the_shipment(
    api, trip_under_way, django_capture_on_commit_callbacks
):
    shipment = trip_under_way.through
    cleared = {
        "event_id": "IM-1",
        "code": "import_cleared",
        "occurred_at": at(0.3),
        "declaration_number": "100120260004321",
    }
    out = {"event_id": "OUT-1", "code": "out_for_delivery", "occurred_at": at(0.1)}

    assert (
        post(api, shipment_path(shipment), cleared, django_capture_on_commit_callbacks).status_code
        == 201
    )
    shipment.refresh_from_db()
    assert shipment.status == "import_cleared"
    assert TrackingEvent.objects.get(external_id="IM-1").declaration_number == "100120260004321"
    assert (
        post(api, shipment_path(shipment), out, django_capture_on_commit_callbacks).status_code
        == 201
    )
    shipment.refresh_from_db()
    assert shipment.status == "out_for_delivery"


def test_an_exception_on_one_shipment_carries_its_reason_code(
    api, trip_under_way, django_capture_on_commit_callbacks
):
    shipment = trip_under_way.through
    body = {"event_id": "EXC-1", "code": "exception", "reason": "damage", "occurred_at": at(0.2)}
    no_reason = {**body, "event_id": "EXC-2", "reason": None}

    refused = api.post(shipment_path(shipment), no_reason, format="json")
    stored = post(api, shipment_path(shipment), body, django_capture_on_commit_callbacks)

    assert refused.status_code == 400 and "needs a reason" in " ".join(
        refused.json()["error"]["fields"]["reason"]
    )
    assert stored.status_code == 201
    event = TrackingEvent.objects.get(external_id="EXC-1")
    assert (event.reason, event.shipment_id) == ("damage", shipment.pk)
    assert shipment.timeline.get(code="exception").event.reason == "damage"


def test_a_shipment_event_from_before_the_shipment_existed_is_refused(api, trip_under_way):
    shipment = trip_under_way.through
    body = {"event_id": "OLD-1", "code": "picked_up", "occurred_at": at(24 * 30)}

    answer = api.post(shipment_path(shipment), body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["occurred_at"] == [
        "This is before the shipment existed."
    ]
    assert not TrackingEvent.objects.exists()


def test_a_handover_says_who_signed_and_whether_the_seals_held(api, network, trip_under_way):
    body = trip_event("handover", network.huu_nghi, 0.1, seal_numbers=["CN-77812"])

    answer = api.post(f"/api/v1/trips/{trip_under_way.trip.pk}/events/", body, format="json")

    fields = answer.json()["error"]["fields"]
    assert answer.status_code == 400
    assert fields["signed_by"] == ["Say who signed for the handover."]
    assert fields["seals_intact"] == ["Say whether the seals were intact: true or false."]
    assert not Handover.objects.exists()


def test_the_offset_the_carrier_sent_is_kept_beside_the_instant(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    # Sent as Hanoi time (+07:00): the instant is kept, and so is the offset it was sent with.
    hanoi = timezone.get_fixed_timezone(7 * 60)
    sent = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0).astimezone(hanoi)
    body = {**trip_event("arrived_stop", network.youyiguan, 0.5), "occurred_at": sent.isoformat()}
    path = f"/api/v1/trips/{trip_under_way.trip.pk}/events/"

    post(api, path, body, django_capture_on_commit_callbacks)

    event = TrackingEvent.objects.get()
    assert event.utc_offset_minutes == 420
    assert event.occurred_at == sent


def test_two_carriers_may_use_the_same_event_id(
    network, trip_under_way, carrier, django_capture_on_commit_callbacks
):
    # The id is unique per carrier: another member's "42" is another event.
    shipper = carrier_client(trip_under_way.through.order.member)
    body = {"event_id": "42", "code": "note", "occurred_at": at(0.2), "remarks": "gate 4"}
    path = shipment_path(trip_under_way.through)

    first = post(carrier_client(carrier), path, body, django_capture_on_commit_callbacks)
    second = post(shipper, path, body, django_capture_on_commit_callbacks)

    assert (first.status_code, second.status_code) == (201, 201)
    assert TrackingEvent.objects.filter(external_id="42").count() == 2


def test_a_bulk_body_over_its_limit_is_refused_before_reading(api, settings):
    events = [{"event_id": f"e{n}", "remarks": "x" * 3000} for n in range(800)]

    answer = api.post("/api/v1/events/bulk/", {"events": events}, format="json")

    assert answer.status_code == 413
    assert f"at most {settings.TRACKING_BULK_MAX_BYTES}" in answer.json()["error"]["message"]
    assert not TrackingEvent.objects.exists()


def test_the_event_endpoints_need_a_key_with_the_events_scope(network, trip_under_way, carrier):
    _key, raw = api_key_for(carrier, scopes=[ApiScope.TRIPS_READ])
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    body = trip_event("arrived_stop", network.youyiguan, 0.2)

    answer = reader.post(f"/api/v1/trips/{trip_under_way.trip.pk}/events/", body, format="json")
    anonymous = APIClient().post(
        f"/api/v1/trips/{trip_under_way.trip.pk}/events/", body, format="json"
    )

    assert answer.status_code == 403
    assert anonymous.status_code == 401
    assert not TrackingEvent.objects.exists()


def test_applying_is_asked_for_only_once_the_event_is_committed(
    api, network, trip_under_way, django_capture_on_commit_callbacks
):
    # Tasks run in-process here: had the apply been queued before the commit, it would
    # already have run when the answer came back.
    body = trip_event("departed_origin", network.chongqing, 0.5)
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        answer = api.post(f"/api/v1/trips/{trip_under_way.trip.pk}/events/", body, format="json")

    assert answer.status_code == 201
    assert TrackingEvent.objects.get().applied_at is None
    for callback in on_commit:
        callback()
    assert TrackingEvent.objects.get().applied_at is not None
    trip_under_way.through.refresh_from_db()
    assert trip_under_way.through.status == "departed_origin"
