from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from scheduling import services
from scheduling.models import Booking, BorderCrossing, Driver, Trip, Vehicle, VehiclePermit
from tests.factories import MemberFactory, StaffFactory, api_key_for
from tests.network import make_line, make_timetable

pytestmark = pytest.mark.django_db

ALL_SCOPES = [
    ApiScope.TRIPS_READ,
    ApiScope.TRIPS_WRITE,
    ApiScope.ORDERS_READ,
    ApiScope.ORDERS_WRITE,
]


def booking_payload(network, **overrides) -> dict:
    payload = {
        "reference": "PO-1",
        "origin": network.chongqing.pk,
        "destination": network.hanoi.pk,
        "ready_date": timezone.localdate().isoformat(),
        "weight_kg": "100",
        "volume_m3": "1",
        "service_kind": "ltl",
    }
    payload.update(overrides)
    return payload


def post_booking(client, network, **overrides):
    return client.post("/api/v1/bookings/", booking_payload(network, **overrides), format="json")


def client_for(member, scopes=ALL_SCOPES) -> APIClient:
    _key, raw = api_key_for(member, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def fleet(carrier):
    vehicle = Vehicle.objects.create(
        carrier=carrier,
        plate="渝D·10001",
        registration_country="CN",
        vehicle_type="tractor_trailer",
        capacity_kg=Decimal(24000),
        capacity_m3=Decimal(86),
    )
    permit = VehiclePermit.objects.create(
        vehicle=vehicle,
        kind="bilateral",
        number="CN-VN-001",
        valid_from=date(2026, 1, 1),
        valid_until=date(2030, 1, 1),
    )
    permit.crossings.set(BorderCrossing.objects.all())
    driver = Driver.objects.create(
        carrier=carrier,
        full_name="Liu Yang",
        licence_number="L-1",
        nationality="CN",
        phone="+8613800000001",
    )
    return vehicle, driver


def test_lines_list_with_stops_and_route_filter(network, line):
    client = client_for(MemberFactory())

    body = client.get("/api/v1/lines/").json()
    served = client.get(
        f"/api/v1/lines/?origin={network.youyiguan.pk}&destination={network.hanoi.pk}"
    ).json()
    backwards = client.get(
        f"/api/v1/lines/?origin={network.hanoi.pk}&destination={network.youyiguan.pk}"
    ).json()

    assert body["results"][0]["code"] == "CKG-HAN-S"
    assert [stop["location"]["name"] for stop in body["results"][0]["stops"]] == [
        "Chongqing",
        "Youyiguan",
        "Huu Nghi",
        "Hanoi",
    ]
    assert served["count"] == 1 and backwards["count"] == 0


def test_line_retrieved_by_code_and_unknown_is_404(line):
    client = client_for(MemberFactory())

    assert client.get("/api/v1/lines/CKG-HAN-S/").json()["corridor"] == "east"
    assert client.get("/api/v1/lines/NOPE/").status_code == 404


def test_locations_filter_by_kind_and_country(network):
    client = client_for(MemberFactory())

    gates = client.get("/api/v1/locations/?kind=border_gate&country=VN").json()

    assert [row["name"] for row in gates["results"]] == ["Huu Nghi"]
    assert gates["results"][0]["timezone"] == "Asia/Ho_Chi_Minh"


def test_trips_filter_by_line_dates_status_and_route(network, trips):
    client = client_for(MemberFactory())
    after = (trips[1].departure_at - timedelta(minutes=1)).isoformat()

    by_line = client.get("/api/v1/trips/?line=CKG-HAN-S").json()
    later = client.get("/api/v1/trips/", {"departure_after": after}).json()
    route = client.get(
        f"/api/v1/trips/?origin={network.huu_nghi.pk}&destination={network.hanoi.pk}"
    ).json()
    cancelled = client.get("/api/v1/trips/?status=cancelled").json()

    assert by_line["count"] == len(trips)
    assert later["count"] == len(trips) - 1
    assert route["count"] == len(trips)
    assert cancelled["count"] == 0


def test_trips_are_ordered_as_asked_latest_first(trips):
    client = client_for(MemberFactory())

    default = client.get("/api/v1/trips/").json()["results"]
    latest_first = client.get("/api/v1/trips/?ordering=-departure_at").json()["results"]
    only_commas = client.get("/api/v1/trips/?ordering=,").json()["results"]

    assert [row["id"] for row in default] == [trip.pk for trip in trips]
    assert [row["id"] for row in latest_first] == [trip.pk for trip in reversed(trips)]
    assert only_commas == default


def test_trip_pages_in_a_chosen_order_neither_repeat_nor_skip_a_trip(network, carrier, trips):
    # Two lines leave at the same instants: ordering by line leaves many ties to break.
    other = make_line(network, carrier, code="CKG-HAN-B")
    make_timetable(other)
    services.trips_generate()
    client = client_for(MemberFactory())
    count = Trip.objects.count()

    seen = []
    for offset in range(0, count, 3):
        page = client.get(f"/api/v1/trips/?ordering=line&limit=3&offset={offset}").json()
        seen += [(row["line"], row["id"]) for row in page["results"]]

    assert len(seen) == count
    assert len({trip_id for _line, trip_id in seen}) == count
    assert seen == sorted(seen)  # by line, and within a line by id


def test_an_ordering_a_list_does_not_offer_is_refused_by_name(trips):
    client = client_for(MemberFactory())

    response = client.get("/api/v1/trips/?ordering=-load_kg_pct")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["ordering"] == [
        "Select a valid choice. -load_kg_pct is not one of the available choices."
    ]


def test_bookings_and_locations_order_by_their_offered_fields(network, carrier):
    client = client_for(carrier)
    for reference in ("PO-B", "PO-C", "PO-A"):
        assert post_booking(client, network, reference=reference).status_code == 201

    bookings = client.get("/api/v1/bookings/?ordering=-reference").json()["results"]
    places = client.get("/api/v1/locations/?ordering=-name").json()["results"]

    assert [row["reference"] for row in bookings] == ["PO-C", "PO-B", "PO-A"]
    names = [row["name"] for row in places]
    assert names == sorted(names, reverse=True) and len(names) > 1


def test_trip_shows_local_times_and_load(network, trips):
    client = client_for(MemberFactory())

    body = client.get(f"/api/v1/trips/{trips[0].pk}/").json()

    assert body["stops"][0]["planned_departure_local"].endswith("+08:00")
    assert body["stops"][3]["planned_arrival_local"].endswith("+07:00")
    assert body["load_kg_pct"] == "0.00"
    assert "vehicle" not in body["legs"][0]


def test_trip_filters_refuse_bad_values(trips):
    client = client_for(MemberFactory())

    response = client.get("/api/v1/trips/?status=flying&departure_after=yesterday")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"status", "departure_after"}


def test_carrier_assigns_its_vehicle_and_driver_to_a_leg(carrier, trips):
    vehicle, driver = fleet(carrier)
    client = client_for(carrier)

    response = client.post(
        f"/api/v1/trips/{trips[0].pk}/legs/2/assign/",
        {"vehicle": vehicle.pk, "driver": driver.pk},
        format="json",
    )
    detail = client.get(f"/api/v1/trips/{trips[0].pk}/").json()

    assert response.status_code == 200, response.json()
    assert response.json()["vehicle"] == "渝D·10001"
    assert detail["legs"][1]["driver"] == "Liu Yang"


def test_other_member_cannot_assign_and_does_not_see_drivers(carrier, trips):
    vehicle, _driver = fleet(carrier)
    stranger = client_for(MemberFactory())

    response = stranger.post(
        f"/api/v1/trips/{trips[0].pk}/legs/1/assign/", {"vehicle": vehicle.pk}, format="json"
    )

    assert response.status_code == 403
    assert "operating this line" in response.json()["error"]["message"]
    assert stranger.get("/api/v1/vehicles/").json()["count"] == 0
    assert stranger.get("/api/v1/drivers/").json()["count"] == 0


def test_carrier_cannot_assign_another_carriers_vehicle(carrier, trips):
    foreign, _driver = fleet(MemberFactory())

    response = client_for(carrier).post(
        f"/api/v1/trips/{trips[0].pk}/legs/1/assign/", {"vehicle": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"vehicle": ["No vehicle of yours has this id."]}


def test_assign_needs_trips_write_scope(carrier, trips):
    vehicle, _driver = fleet(carrier)

    response = client_for(carrier, scopes=[ApiScope.TRIPS_READ]).post(
        f"/api/v1/trips/{trips[0].pk}/legs/1/assign/", {"vehicle": vehicle.pk}, format="json"
    )

    assert response.status_code == 403 and "trips:write" in response.json()["error"]["message"]


def test_only_staff_cancel_trips_and_bookings_move(
    network, trips, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    client = client_for(member)
    booking = post_booking(client, network, reference="PO-1", weight_kg="500", volume_m3="2").json()
    staff = APIClient()
    staff.force_login(StaffFactory())

    refused = client.post(f"/api/v1/trips/{trips[0].pk}/cancel/", {"reason": "x"}, format="json")
    missing_reason = staff.post(f"/api/v1/trips/{trips[0].pk}/cancel/", {}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(
            f"/api/v1/trips/{trips[0].pk}/cancel/",
            {"reason": "Landslide on the G72"},
            format="json",
        )

    assert refused.status_code == 403
    assert missing_reason.status_code == 400
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert Booking.objects.get(pk=booking["id"]).trip_id == trips[1].pk


def test_booking_create_allocates_and_lists_only_own(network, trips):
    member, other = MemberFactory(), MemberFactory()
    payload = booking_payload(network, reference="PO-7", weight_kg="1200.5", volume_m3="3.2")

    created = client_for(member).post("/api/v1/bookings/", payload, format="json")
    duplicate = client_for(member).post("/api/v1/bookings/", payload, format="json")

    assert created.status_code == 201
    assert created.json()["status"] == "allocated" and created.json()["trip"] == trips[0].pk
    assert duplicate.status_code == 400 and "reference" in duplicate.json()["error"]["fields"]
    assert client_for(other).get("/api/v1/bookings/").json()["count"] == 0
    assert client_for(other).get(f"/api/v1/bookings/{created.json()['id']}/").status_code == 404


def test_carrier_sees_bookings_on_its_trips_but_cannot_release_them(network, carrier, trips):
    member = MemberFactory()
    booking = post_booking(client_for(member), network, reference="PO-9").json()
    carrier_client = client_for(carrier)

    assert carrier_client.get("/api/v1/bookings/").json()["count"] == 1
    assert carrier_client.post(f"/api/v1/bookings/{booking['id']}/release/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight_kg": "0"}, "weight_kg"),
        ({"volume_m3": "-1"}, "volume_m3"),
        ({"destination": "ORIGIN"}, "destination"),
        ({"service_kind": "teleport"}, "service_kind"),
        ({"origin": 999999}, "origin"),
        ({"ready_date": "next week"}, "ready_date"),
    ],
)
def test_booking_create_refuses_bad_input(network, trips, change, field):
    payload = booking_payload(network, reference="PO-BAD", **change)
    if payload["destination"] == "ORIGIN":
        payload["destination"] = payload["origin"]

    response = client_for(MemberFactory()).post("/api/v1/bookings/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Booking.objects.exists()


def test_booking_reallocate_and_release(network, trips):
    client = client_for(MemberFactory())
    booking = post_booking(client, network, reference="PO-2", weight_kg="100", volume_m3="1").json()

    moved = client.post(
        f"/api/v1/bookings/{booking['id']}/reallocate/", {"trip": trips[2].pk}, format="json"
    )
    released = client.post(
        f"/api/v1/bookings/{booking['id']}/release/", {"reason": "Order cancelled"}, format="json"
    )

    assert moved.json()["trip"] == trips[2].pk
    assert released.json()["status"] == "released"
    assert Trip.objects.get(pk=trips[2].pk).legs.first().booked_kg == 0


def test_reallocate_to_cancelled_trip_is_409(network, trips):
    client = client_for(MemberFactory())
    booking = post_booking(client, network, reference="PO-3", weight_kg="100", volume_m3="1").json()
    Trip.objects.filter(pk=trips[2].pk).update(status="cancelled")

    response = client.post(
        f"/api/v1/bookings/{booking['id']}/reallocate/", {"trip": trips[2].pk}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_bookable"


def test_schedule_api_needs_trips_read(line):
    response = client_for(MemberFactory(), scopes=[ApiScope.MEMBERS_READ]).get("/api/v1/lines/")

    assert response.status_code == 403


def test_trip_list_query_count_is_flat(trips, django_assert_max_num_queries):
    client = client_for(MemberFactory())

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/trips/")

    assert response.json()["count"] == len(trips)


def test_operating_carrier_moves_its_trip_along_and_others_cannot(carrier, trips):
    url = f"/api/v1/trips/{trips[0].pk}/status/"

    stranger = client_for(MemberFactory()).post(url, {"status": "loading"}, format="json")
    loading = client_for(carrier).post(url, {"status": "loading"}, format="json")
    backwards = client_for(carrier).post(url, {"status": "planned"}, format="json")
    cancel = client_for(carrier).post(url, {"status": "cancelled"}, format="json")

    assert stranger.status_code == 403
    assert loading.status_code == 200 and loading.json()["status"] == "loading"
    assert (
        backwards.status_code == 409 and backwards.json()["error"]["code"] == "invalid_transition"
    )
    assert cancel.status_code == 400 and "status" in cancel.json()["error"]["fields"]


def test_carrier_lists_only_the_trips_it_operates(network, carrier, trips):
    other_line = make_line(network, MemberFactory(), code="OTHER-LINE", with_nanning=True)
    make_timetable(other_line)
    services.trips_generate()

    mine = client_for(carrier).get("/api/v1/trips/?operated=true").json()
    everything = client_for(carrier).get("/api/v1/trips/").json()

    assert {row["line"] for row in mine["results"]} == {"CKG-HAN-S"}
    assert mine["count"] == len(trips) < everything["count"]


def test_assigning_a_lorry_without_a_valid_permit_is_409_on_the_field(carrier, trips):
    vehicle, _driver = fleet(carrier)
    VehiclePermit.objects.filter(vehicle=vehicle).update(valid_until=date(2026, 1, 31))

    response = client_for(carrier).post(
        f"/api/v1/trips/{trips[0].pk}/legs/2/assign/", {"vehicle": vehicle.pk}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "permit_missing"
    assert "no cross-border permit valid" in response.json()["error"]["fields"]["vehicle"][0]
    assert trips[0].legs.get(sequence=2).vehicle is None
