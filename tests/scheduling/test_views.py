from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling import allocation, services
from scheduling.models import (
    Driver,
    Line,
    ServiceKind,
    Trip,
    Vehicle,
    VehicleType,
)
from scheduling.services import PlannedStop
from tests.factories import MemberFactory, UserFactory
from tests.network import make_line, make_timetable

pytestmark = pytest.mark.django_db


def book(network, *, reference="BK-1", kg="1000", m3="4", destination=None, member=None):
    return allocation.booking_create(
        member=member or MemberFactory(legal_name=f"Shipper of {reference}"),
        reference=reference,
        origin=network.chongqing,
        destination=destination or network.hanoi,
        ready_date=timezone.localdate(),
        weight_kg=Decimal(kg),
        volume_m3=Decimal(m3),
        service_kind=ServiceKind.LTL,
    )


def local_iso(moment, zone: str) -> str:
    """How a page writes an instant in a place's zone: <time datetime="…">."""
    return f'datetime="{moment.astimezone(ZoneInfo(zone)).isoformat()}"'


def search_params(network, **overrides) -> dict:
    params = {
        "origin": network.chongqing.pk,
        "destination": network.hanoi.pk,
        # Today where the cargo is ready: the day may have turned there before it has in UTC.
        "ready_date": timezone.localdate(timezone=network.chongqing.zone).isoformat(),
        "weight_kg": "500",
        "volume_m3": "2",
        "service_kind": ServiceKind.LTL,
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


@pytest.fixture
def carrier_user(carrier):
    return UserFactory(member=carrier)


@pytest.fixture
def northbound(network, carrier) -> Line:
    return services.line_upsert(
        code="HAN-CKG-N",
        name="Hanoi – Chongqing via Huu Nghi",
        corridor=Line.Corridor.EAST,
        direction=Line.Direction.NORTHBOUND,
        service_kinds=[ServiceKind.LTL],
        stops=[
            PlannedStop(network.hanoi, Decimal(0)),
            PlannedStop(network.huu_nghi, Decimal(5), Decimal(2)),
            PlannedStop(network.youyiguan, Decimal(8), Decimal(4)),
            PlannedStop(network.chongqing, Decimal(30)),
        ],
        carriers=[carrier],
    )


@pytest.fixture
def assigned(network, carrier, trips):
    """The first trip with a vehicle and driver of the carrier on its first (domestic) leg."""
    vehicle = Vehicle.objects.create(
        carrier=carrier,
        plate="渝A·12345",
        registration_country="CN",
        vehicle_type=VehicleType.TRACTOR_TRAILER,
        capacity_kg=Decimal("12000"),
        capacity_m3=Decimal("45"),
    )
    driver = Driver.objects.create(
        carrier=carrier,
        full_name="Zhang Wei",
        licence_number="500101198001011234",
        nationality="CN",
        phone="+8613800000000",
    )
    booking = book(network, reference="SECRET-REF-1")
    services.leg_assign(leg=booking.trip.legs.get(sequence=1), vehicle=vehicle, driver=driver)
    return booking.trip


# --- Access -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("scheduling:board", {}),
        ("scheduling:line", {"code": "CKG-HAN-S"}),
        ("scheduling:trip", {"pk": 1}),
        ("scheduling:manifest", {"pk": 1}),
        ("scheduling:search", {}),
    ],
)
def test_schedule_pages_send_anonymous_visitors_to_sign_in(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_schedule_board_refuses_a_user_of_no_member(client):
    client.force_login(UserFactory(member=None))

    assert client.get(reverse("scheduling:board")).status_code == 403


def test_navigation_offers_schedules_to_members_and_marks_the_current_page(client, member_admin):
    client.force_login(member_admin)

    dashboard = client.get(reverse("alliance:dashboard")).content.decode()
    board = client.get(reverse("scheduling:board")).content.decode()

    assert f'href="{reverse("scheduling:board")}"' in dashboard
    assert f'<a href="{reverse("scheduling:board")}" aria-current="page">Schedules</a>' in board


# --- Schedule board -----------------------------------------------------------


def test_board_lists_active_lines_with_route_and_next_departure(
    client, member_admin, network, carrier, trips, django_assert_max_num_queries
):
    retired = make_line(network, carrier, code="OLD-LINE")
    Line.objects.filter(pk=retired.pk).update(is_active=False)
    client.force_login(member_admin)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("scheduling:board"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "CKG-HAN-S" in html
    assert "Chongqing → Youyiguan → Huu Nghi → Hanoi" in html
    assert "East corridor (via Guangxi)" in html and "Southbound (from China)" in html
    assert local_iso(trips[0].departure_at, "Asia/Shanghai") in html
    assert reverse("scheduling:trip", kwargs={"pk": trips[0].pk}) in html
    assert "OLD-LINE" not in html


def test_board_filters_lines_by_direction_and_corridor(client, staff, line, northbound, timetable):
    client.force_login(staff)

    northbound_only = client.get(reverse("scheduling:board"), {"direction": "northbound"})
    west_only = client.get(reverse("scheduling:board"), {"corridor": "west"})
    everything = client.get(reverse("scheduling:board"))

    assert "HAN-CKG-N" in northbound_only.content.decode()
    assert "CKG-HAN-S" not in northbound_only.content.decode()
    assert "No active line matches these filters." in west_only.content.decode()
    assert "None scheduled" in everything.content.decode()  # the northbound line has no trip
    assert [line.code for line in everything.context["lines"]] == ["CKG-HAN-S", "HAN-CKG-N"]


# --- Line board -------------------------------------------------------------------


def test_line_board_shows_departures_in_origin_local_time(
    client, member_admin, line, trips, django_assert_max_num_queries
):
    client.force_login(member_admin)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("scheduling:line", kwargs={"code": line.code}))

    html = response.content.decode()
    first = trips[0]
    assert first.departure_at.astimezone(UTC).strftime("%H:%M") == "00:00"
    assert f"{local_iso(first.departure_at, 'Asia/Shanghai')}>" in html
    assert ", 08:00</time>" in html
    assert '<span class="zone" title="Asia/Shanghai">China Standard Time</span>' in html
    assert ", 00:00</time>" not in html  # never the stored UTC wall clock
    assert "Monday, Thursday at 08:00 (Chongqing local time)" in html
    assert list(response.context["trips"]) == trips[: len(response.context["trips"])]


def test_line_board_colours_load_factors_after_a_booking(client, member_admin, network, trips):
    client.force_login(member_admin)
    url = reverse("scheduling:line", kwargs={"code": "CKG-HAN-S"})

    before = client.get(url).content.decode()
    book(network, kg="9500", m3="30")
    after = client.get(url).content.decode()

    assert '<span class="load load-low">0%</span>' in before
    assert "load-high" not in before and "load-medium" not in before
    assert '<span class="load load-high">95%</span>' in after  # by weight
    assert '<span class="load load-medium">75%</span>' in after  # by volume


def test_line_board_paginates_departures(client, member_admin, line):
    make_timetable(line, weekdays=range(7))
    services.trips_generate()
    client.force_login(member_admin)
    url = reverse("scheduling:line", kwargs={"code": line.code})

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert len(first.context["trips"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert len(second.context["trips"]) == Trip.objects.filter(line=line).count() - 25


def test_line_board_answers_404_for_unknown_or_inactive_line(client, member_admin, line):
    client.force_login(member_admin)
    Line.objects.filter(pk=line.pk).update(is_active=False)

    assert client.get(reverse("scheduling:line", kwargs={"code": "NO-SUCH"})).status_code == 404
    assert client.get(reverse("scheduling:line", kwargs={"code": line.code})).status_code == 404


# --- Trip detail and manifest ----------------------------------------------------


def test_trip_detail_shows_every_stop_in_its_own_local_time(client, member_admin, trips):
    trip = trips[0]
    client.force_login(member_admin)

    html = client.get(reverse("scheduling:trip", kwargs={"pk": trip.pk})).content.decode()

    stops = {stop.location.name: stop for stop in trip.stops.select_related("location")}
    assert local_iso(stops["Chongqing"].planned_departure, "Asia/Shanghai") in html
    assert local_iso(stops["Youyiguan"].planned_arrival, "Asia/Shanghai") in html
    assert local_iso(stops["Huu Nghi"].planned_arrival, "Asia/Ho_Chi_Minh") in html
    hanoi_arrival = local_iso(stops["Hanoi"].planned_arrival, "Asia/Ho_Chi_Minh")
    assert hanoi_arrival.endswith('T13:00:00+07:00"')  # 08:00 in Chongqing + 30 h
    assert hanoi_arrival in html
    assert "Youyiguan – Huu Nghi" in html  # the border crossing of the leg


def test_trip_detail_shows_actual_times_in_local_time(client, member_admin, trips):
    trip = trips[0]
    stop = trip.stops.get(sequence=1)
    services.trip_stop_record_actual(
        stop=stop,
        arrival=stop.planned_arrival - timedelta(hours=1),
        departure=stop.planned_departure + timedelta(minutes=25),
    )
    client.force_login(member_admin)

    html = client.get(reverse("scheduling:trip", kwargs={"pk": trip.pk})).content.decode()

    assert ", 08:25</time>" in html


def test_trip_detail_hides_vehicles_drivers_and_bookings_from_other_members(
    client, member_admin, assigned
):
    client.force_login(member_admin)

    response = client.get(reverse("scheduling:trip", kwargs={"pk": assigned.pk}))
    manifest = client.get(reverse("scheduling:manifest", kwargs={"pk": assigned.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Chongqing" in html and "load-low" in html  # times and free capacity are open
    for private in ("渝A·12345", "Zhang Wei", "SECRET-REF-1", "Shipper of SECRET-REF-1"):
        assert private not in html
    assert reverse("scheduling:manifest", kwargs={"pk": assigned.pk}) not in html
    assert manifest.status_code == 404


@pytest.mark.parametrize("who", ["carrier_user", "staff"])
def test_trip_detail_shows_vehicles_drivers_and_bookings_to_carrier_and_staff(
    client, request, who, assigned
):
    client.force_login(request.getfixturevalue(who))

    html = client.get(reverse("scheduling:trip", kwargs={"pk": assigned.pk})).content.decode()

    assert "渝A·12345" in html and "Zhang Wei" in html
    assert "SECRET-REF-1" in html and "Shipper of SECRET-REF-1" in html
    assert reverse("scheduling:manifest", kwargs={"pk": assigned.pk}) in html


@pytest.mark.parametrize("who", ["carrier_user", "staff"])
def test_manifest_groups_bookings_by_stop_with_totals(client, request, who, network, trips):
    first = book(network, reference="BK-HAN", kg="1200", m3="5")
    second = book(network, reference="BK-GATE", kg="300", m3="1.5", destination=network.huu_nghi)
    assert first.trip == second.trip
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("scheduling:manifest", kwargs={"pk": first.trip.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    manifest = response.context["manifest"]
    by_place = {entry.stop.location.name: entry for entry in manifest.stops}
    assert [b.reference for b in by_place["Chongqing"].loading] == ["BK-HAN", "BK-GATE"]
    assert [b.reference for b in by_place["Huu Nghi"].dropping] == ["BK-GATE"]
    assert [b.reference for b in by_place["Hanoi"].dropping] == ["BK-HAN"]
    assert (manifest.total_kg, manifest.total_m3) == (Decimal("1500"), Decimal("6.5"))
    assert "Load at Chongqing" in html and "Drop at Huu Nghi" in html and "Drop at Hanoi" in html
    assert "1,500" in html and "6.5" in html


def test_trip_pages_answer_404_for_unknown_trip(client, staff):
    client.force_login(staff)

    assert client.get(reverse("scheduling:trip", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("scheduling:manifest", kwargs={"pk": 999999})).status_code == 404


# --- Search -----------------------------------------------------------------------


def test_search_form_starts_with_today_and_no_results(client, member_admin, network):
    client.force_login(member_admin)

    response = client.get(reverse("scheduling:search"))

    html = response.content.decode()
    assert response.context["departures"] is None
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert '<label for="id_origin">From:</label>' in html
    assert "Chongqing — China (Hub)" in html


def test_search_finds_the_next_departure_with_room(client, member_admin, network, trips):
    client.force_login(member_admin)
    expected = allocation.candidate_trips(
        origin=network.chongqing,
        destination=network.hanoi,
        ready_date=timezone.localdate(),
        weight_kg=Decimal("500"),
        volume_m3=Decimal("2"),
        service_kind=ServiceKind.LTL,
    ).first()

    response = client.get(reverse("scheduling:search"), search_params(network))

    html = response.content.decode()
    departures = response.context["departures"]
    assert departures[0] == expected
    assert len(departures) <= 10
    assert departures[0].room_kg == Decimal("10000") and departures[0].room_m3 == Decimal("40")
    assert local_iso(expected.departure_at, "Asia/Shanghai") in html
    assert "10,000 kg" in html


def test_search_skips_a_full_trip(client, member_admin, network, trips):
    full = book(network, reference="FULL", kg="10000", m3="1").trip
    client.force_login(member_admin)

    response = client.get(reverse("scheduling:search"), search_params(network, weight_kg="1"))

    departures = response.context["departures"]
    assert departures
    assert full not in departures
    assert departures[0].departure_at > full.departure_at


def test_search_defaults_weight_and_volume_when_left_empty(client, member_admin, network, trips):
    client.force_login(member_admin)

    response = client.get(
        reverse("scheduling:search"),
        search_params(network, weight_kg="", volume_m3="", ready_date=""),
    )

    form = response.context["form"]
    assert "1 kg and 0.01 m³" in response.content.decode()
    assert form.cleaned_data["weight_kg"] == Decimal("1")
    assert form.cleaned_data["volume_m3"] == Decimal("0.01")
    assert form.cleaned_data["ready_date"] >= timezone.localdate()
    assert response.context["departures"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"destination": "origin"}, "destination", "Origin and destination must differ."),
        (
            {"ready_date": (timezone.localdate() - timedelta(days=2)).isoformat()},
            "ready_date",
            "The ready date cannot be in the past.",
        ),
        ({"weight_kg": "0"}, "weight_kg", "The weight must be greater than 0 kg."),
        ({"volume_m3": "-1"}, "volume_m3", "The volume must be greater than 0 m³."),
        ({"origin": None}, "origin", "This field is required."),
    ],
)
def test_search_refuses_bad_input_field_by_field(
    client, member_admin, network, trips, overrides, field, message
):
    if overrides.get("destination") == "origin":
        overrides = {"destination": network.chongqing.pk}
    client.force_login(member_admin)

    response = client.get(reverse("scheduling:search"), search_params(network, **overrides))

    assert response.status_code == 200
    assert response.context["departures"] is None
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()


def test_search_explains_when_no_departure_has_room(client, member_admin, network, trips):
    client.force_login(member_admin)

    response = client.get(
        reverse("scheduling:search"),
        search_params(network, origin=network.hanoi.pk, destination=network.chongqing.pk),
    )

    assert response.context["departures"] == []
    assert "No departure with room for 500 kg and 2 m³" in response.content.decode()
