"""The member portal's shipment pages: list, detail, proof of delivery and the dispatcher's form."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alliance.constants import UserRole
from scheduling import services as scheduling_services
from scheduling.models import Location, TripStop
from tests.factories import PNG_BYTES, MemberFactory, UserFactory
from tests.tracking.journey import at, book_shipment, carrier_client, journey
from tracking.models import Position, ShipmentState, TrackingEvent

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def j(network, trips, tariff):
    """A trip that left Chongqing an hour ago with three shipments of one member on board."""
    return journey(network, trips)


@pytest.fixture
def shipper(j):
    return j.through.order.member


@pytest.fixture
def dispatcher(shipper):
    return UserFactory(member=shipper, role=UserRole.DISPATCHER, full_name="Nguyen Thi Lan")


@pytest.fixture
def viewer(shipper):
    return UserFactory(member=shipper, role=UserRole.VIEWER)


@pytest.fixture
def carrier_dispatcher(carrier):
    return UserFactory(member=carrier, role=UserRole.DISPATCHER, full_name="Wang Jun")


@pytest.fixture
def stranger():
    return UserFactory(member=MemberFactory(legal_name="Curious Freight"), role=UserRole.ADMIN)


def detail_url(shipment) -> str:
    return reverse("shipments:detail", kwargs={"tracking_number": shipment.tracking_number})


def form_url(shipment) -> str:
    return reverse("shipments:post_event", kwargs={"tracking_number": shipment.tracking_number})


def trip_form_url(trip, shipment=None) -> str:
    url = reverse("shipments:post_trip_event", kwargs={"trip_id": trip.pk})
    return f"{url}?shipment={shipment.tracking_number}" if shipment else url


def wall_clock(hours_ago: float, zone: ZoneInfo) -> str:
    """What a dispatcher types into the datetime-local field: a clock time in that zone."""
    moment = (timezone.now() - timedelta(hours=hours_ago)).astimezone(zone)
    return moment.strftime("%Y-%m-%dT%H:%M")


def shown(moment, zone: ZoneInfo) -> str:
    """The page's machine-readable tag of a moment at a place, in that place's zone."""
    return f'<time datetime="{moment.astimezone(zone).isoformat()}">'


def clock(moment, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}</time>"


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def api_event(j, capture, code, location, hours_ago, **extra):
    """An event sent by the carrier's telematics through the API, applied on commit."""
    body = {
        "event_id": f"{code}-{location.pk}-{hours_ago}",
        "code": code,
        "occurred_at": at(hours_ago),
        "location": location.pk,
        **extra,
    }
    api = carrier_client(j.trip.line.carriers.get())
    with capture(execute=True):
        response = api.post(f"/api/v1/trips/{j.trip.pk}/events/", body, format="json")
    assert response.status_code == 201, response.json()


# --- The list -------------------------------------------------------------------------------


def test_list_shows_own_shipments_and_those_on_trips_the_member_operates(
    client, network, j, dispatcher, carrier_dispatcher, stranger, staff
):
    ours = {j.through.tracking_number, j.to_border.tracking_number, j.from_border.tracking_number}
    theirs = book_shipment(network, stranger.member, network.chongqing, network.hanoi)
    url = reverse("shipments:list")

    client.force_login(dispatcher)
    page = html(client.get(url))
    assert all(number in page for number in ours)
    assert theirs.tracking_number not in page
    assert f'href="{reverse("orders:detail", args=[j.through.order.reference])}"' in page

    client.force_login(stranger)
    page = html(client.get(url))
    assert theirs.tracking_number in page
    assert not any(number in page for number in ours)

    client.force_login(carrier_dispatcher)
    page = html(client.get(url))
    assert all(number in page for number in {*ours, theirs.tracking_number})
    assert "carried on your trip" in page
    assert reverse("orders:detail", args=[j.through.order.reference]) not in page

    client.force_login(staff)
    response = client.get(url)
    assert response.context["page"].paginator.count == 4
    assert "All members' shipments" in html(response)


def test_list_filters_by_status_exception_eta_and_number(client, j, dispatcher):
    state = ShipmentState.objects.create(
        shipment=j.to_border,
        eta=timezone.now() + timedelta(days=3),
        open_exceptions=["customs_hold"],
    )
    j.through.status = "departed_origin"
    j.through.save(update_fields=["status"])
    client.force_login(dispatcher)
    url = reverse("shipments:list")

    def numbers(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return {shipment.tracking_number for shipment in response.context["shipments"]}

    everyone = {j.through.tracking_number, j.to_border.tracking_number}
    everyone.add(j.from_border.tracking_number)
    assert numbers() == everyone
    assert numbers(status="departed_origin") == {j.through.tracking_number}
    assert numbers(status=["departed_origin", "booked"]) == everyone
    assert numbers(exception="on") == {j.to_border.tracking_number}
    assert numbers(reason="customs_hold") == {j.to_border.tracking_number}
    assert numbers(reason="breakdown") == set()
    # The ETA's day at the destination; without an estimate, the timetable's arrival.
    eta_day = state.eta.astimezone(SHANGHAI).date()
    assert numbers(eta_from=eta_day, eta_to=eta_day) == {j.to_border.tracking_number}
    planned = TripStop.objects.get(trip=j.trip, location=j.through.order.destination)
    planned_day = planned.planned_arrival.astimezone(HANOI).date()
    assert j.through.tracking_number in numbers(eta_from=planned_day, eta_to=planned_day)
    assert numbers(q=j.from_border.tracking_number.lower()) == {j.from_border.tracking_number}
    assert numbers(q=j.through.order.reference) == {j.through.tracking_number}
    refused = client.get(url, {"eta_from": "2030-01-02", "eta_to": "2030-01-01"})
    assert "The end comes before the start." in html(refused)


def test_list_shows_badges_eta_in_destination_time_and_exceptions(client, j, dispatcher):
    eta = timezone.now() + timedelta(hours=20)
    ShipmentState.objects.create(shipment=j.through, eta=eta, open_exceptions=["border_congestion"])
    client.force_login(dispatcher)
    page = html(client.get(reverse("shipments:list")))
    assert '<span class="badge shipment-booked">Booked</span>' in page
    assert "Border congestion" in page
    assert eta.astimezone(HANOI).strftime("%H:%M") in page
    assert 'title="Asia/Ho_Chi_Minh"' in page


def test_places_are_named_in_the_readers_script(client, network, j, dispatcher):
    Location.objects.filter(pk=network.chongqing.pk).update(local_name="重庆")
    Location.objects.filter(pk=network.hanoi.pk).update(local_name="Hà Nội")
    client.force_login(dispatcher)

    def page_in(language, url):
        dispatcher.language = language
        dispatcher.save(update_fields=["language"])
        return html(client.get(url))

    chinese = page_in("zh-hans", reverse("shipments:list"))
    vietnamese = page_in("vi", detail_url(j.through))
    english = page_in("en", reverse("shipments:list"))
    assert "重庆 → Hanoi" in chinese
    assert "Chongqing → Hà Nội" in vietnamese
    assert "Chongqing → Hanoi" in english


def test_list_costs_the_same_queries_however_many_shipments(
    client, network, j, dispatcher, django_assert_max_num_queries
):
    client.force_login(dispatcher)
    url = reverse("shipments:list")
    with django_assert_max_num_queries(5):  # the bell's count included
        assert client.get(url).status_code == 200
    for _ in range(5):
        shipment = book_shipment(network, dispatcher.member, network.chongqing, network.hanoi)
        ShipmentState.objects.create(shipment=shipment, open_exceptions=["delay"])
    with django_assert_max_num_queries(5):
        response = client.get(url, {"exception": "on"})
    assert len(response.context["shipments"]) == 5


def test_list_pages(client, network, j, dispatcher, monkeypatch):
    monkeypatch.setattr("tracking.portal.views.PAGE_SIZE", 2)
    client.force_login(dispatcher)
    first = client.get(reverse("shipments:list"), {"status": "booked"})
    assert len(first.context["shipments"]) == 2
    assert "?status=booked&amp;page=2" in html(first)
    second = client.get(reverse("shipments:list"), {"status": "booked", "page": 2})
    assert len(second.context["shipments"]) == 1


def test_the_nav_leads_members_and_staff_to_shipments(client, dispatcher, staff):
    for user in (dispatcher, staff):
        client.force_login(user)
        assert f'href="{reverse("shipments:list")}"' in html(client.get(reverse("orders:list")))


# --- The detail -----------------------------------------------------------------------------


def test_detail_is_a_404_for_members_who_may_not_see_the_shipment(client, j, stranger):
    client.force_login(stranger)
    assert client.get(detail_url(j.through)).status_code == 404
    assert client.get(reverse("shipments:detail", args=["LA000000000000"])).status_code == 404


def test_detail_needs_signing_in(client, j):
    response = client.get(detail_url(j.through))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_carrier_sees_the_shipment_on_its_trip_without_its_price(
    client, j, dispatcher, carrier_dispatcher
):
    price = "1,598.40 CNY"
    client.force_login(dispatcher)
    own = html(client.get(detail_url(j.through)))
    assert price in own

    client.force_login(carrier_dispatcher)
    response = client.get(detail_url(j.through))
    assert response.status_code == 200
    page = html(response)
    assert j.through.tracking_number in page
    assert price not in page and "Price" not in page
    assert j.through.order.member.legal_name in page  # placed by another member
    assert "Post a trip event" in page
    assert reverse("orders:detail", args=[j.through.order.reference]) not in page


def test_timeline_shows_posted_events_in_each_places_local_time(
    client, network, j, viewer, django_capture_on_commit_callbacks
):
    api_event(j, django_capture_on_commit_callbacks, "departed_origin", network.chongqing, 0.9)
    api_event(
        j,
        django_capture_on_commit_callbacks,
        "arrived_border",
        network.huu_nghi,
        0.2,
        remarks="Queue of 40 lorries at the gate",
    )
    departed = TrackingEvent.objects.get(code="departed_origin").occurred_at
    arrived = TrackingEvent.objects.get(code="arrived_border").occurred_at
    client.force_login(viewer)  # viewers read everything; they only may not post
    response = client.get(detail_url(j.through))
    page = html(response)
    assert shown(departed, SHANGHAI) in page and "China Standard Time" in page
    assert shown(arrived, HANOI) in page and 'title="Asia/Ho_Chi_Minh"' in page
    assert "Departed origin" in page and "Arrived at the border" in page
    assert "Queue of 40 lorries at the gate" in page
    assert "Carrier API" in page
    rows = response.context["timeline"]
    assert [row.entry.code for row in rows] == ["arrived_border", "departed_origin"]  # newest first
    assert response.context["eta"].kind == "estimate"
    assert "Post a shipment event" not in page


def test_detail_shows_stops_positions_eta_reason_and_documents(
    client, network, j, dispatcher, django_capture_on_commit_callbacks
):
    late = 3
    api_event(j, django_capture_on_commit_callbacks, "departed_origin", network.chongqing, 0.5)
    TripStop.objects.filter(trip=j.trip, sequence=1).update(
        actual_departure=j.trip.departure_at + timedelta(hours=late)
    )
    from tracking.apply import refresh_forecast

    refresh_forecast(j.trip)
    now = timezone.now()
    Position.objects.create(
        trip=j.trip,
        recorded_at=now - timedelta(minutes=5),
        latitude=Decimal("21.9"),
        longitude=Decimal("106.7"),
        speed_kmh=Decimal("62.5"),
        temperature_c=Decimal("4.5"),
    )
    client.force_login(dispatcher)
    response = client.get(detail_url(j.through))
    page = html(response)
    assert "+3 h against the plan at Chongqing" in page
    assert "62.5" in page and "4.5" in page and "21.900000" in page
    assert reverse("orders:consignment_note", args=[j.through.tracking_number]) in page
    assert [row.role for row in response.context["stops"]] == [
        "load",
        "on_board",
        "on_board",
        "unload",
    ]
    youyiguan = response.context["stops"][1]
    assert youyiguan.expected_arrival is not None
    assert clock(youyiguan.expected_arrival, SHANGHAI) in page
    assert '<svg class="route-map"' in page


def test_detail_costs_the_same_queries_however_long_the_history(
    client,
    network,
    j,
    carrier_dispatcher,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client.force_login(carrier_dispatcher)
    with django_assert_max_num_queries(12):
        assert client.get(detail_url(j.through)).status_code == 200
    api_event(j, django_capture_on_commit_callbacks, "departed_origin", network.chongqing, 0.9)
    api_event(j, django_capture_on_commit_callbacks, "arrived_border", network.youyiguan, 0.5)
    api_event(j, django_capture_on_commit_callbacks, "crossed_border", network.huu_nghi, 0.3)
    now = timezone.now()
    Position.objects.bulk_create(
        Position(
            trip=j.trip,
            recorded_at=now - timedelta(minutes=minutes),
            latitude=Decimal("22.0"),
            longitude=Decimal("106.7"),
        )
        for minutes in range(1, 61)
    )
    with django_assert_max_num_queries(12):
        response = client.get(detail_url(j.through))
    assert len(response.context["timeline"]) == 3
    assert len(response.context["positions"]) == 50  # the latest 50 pings only


# --- Posting an event -----------------------------------------------------------------------


def test_carrier_dispatcher_posts_a_trip_event_that_gets_applied(
    client, network, j, carrier_dispatcher, django_capture_on_commit_callbacks
):
    client.force_login(carrier_dispatcher)
    form = client.get(trip_form_url(j.trip, j.through))
    assert form.status_code == 200
    page = html(form)
    assert "Asia/Shanghai" in page and "UTC+08:00" in page  # the zone is named beside the time
    assert 'value="delivered"' not in page  # a shipment's code is not offered per trip
    typed = wall_clock(0.2, SHANGHAI)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            trip_form_url(j.trip, j.through),
            {
                "code": "arrived_border",
                "location": network.youyiguan.pk,
                "occurred_at": typed,
                "time_zone": "",
                "remarks": "Gate busy",
            },
        )
    assert response.status_code == 302
    assert response.url == detail_url(j.through)
    assert messages_of(response) == ["Event recorded; it is being applied."]
    event = TrackingEvent.objects.get()
    assert event.source == TrackingEvent.Source.PORTAL
    assert (event.member, event.posted_by) == (carrier_dispatcher.member, carrier_dispatcher)
    assert event.occurred_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") == typed
    assert event.utc_offset_minutes == 480
    assert event.applied_at is not None
    for shipment in (j.through, j.to_border, j.from_border):
        shipment.refresh_from_db()
    assert (j.through.status, j.to_border.status) == ("arrived_border", "arrived_destination")
    assert j.from_border.status == "booked"

    detail = client.get(response.url)
    page = html(detail)
    assert "Gate busy" in page and "Portal (dispatcher)" in page and "Wang Jun" in page
    # Chongqing is behind the lorry now, even though its departure was never posted.
    assert detail.context["stops"][0].expected_departure is None
    assert typed[-5:] in page


def test_shipper_dispatcher_posts_a_customs_clearance_of_its_shipment(
    client, j, dispatcher, django_capture_on_commit_callbacks
):
    client.force_login(dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(j.through),
            {
                "code": "export_cleared",
                "occurred_at": wall_clock(0.1, SHANGHAI),
                "time_zone": "Asia/Shanghai",
                "declaration_number": "530120260001234",
            },
        )
    assert response.status_code == 302, html(response)
    j.through.refresh_from_db()
    assert j.through.status == "export_cleared"
    event = TrackingEvent.objects.get()
    assert (event.shipment, event.declaration_number) == (j.through, "530120260001234")
    page = html(client.get(detail_url(j.through)))
    assert "530120260001234" in page and "Nguyen Thi Lan" in page


def test_staff_post_events_as_staff(client, network, j, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            trip_form_url(j.trip),
            {
                "code": "exception",
                "reason": "border_congestion",
                "occurred_at": wall_clock(0.3, ZoneInfo("UTC")),
                "time_zone": "UTC",
            },
        )
    assert response.status_code == 302
    assert response.url == reverse("scheduling:trip", kwargs={"pk": j.trip.pk})
    event = TrackingEvent.objects.get()
    assert (event.source, event.member, event.posted_by) == ("staff", None, staff)
    assert event.utc_offset_minutes == 0
    assert ShipmentState.objects.get(shipment=j.through).open_exceptions == ["border_congestion"]
    assert "Border congestion" in html(client.get(detail_url(j.through)))


def test_sending_the_same_form_again_after_going_back_records_the_event_once(
    client, j, dispatcher, django_capture_on_commit_callbacks
):
    client.force_login(dispatcher)
    data = {
        "code": "note",
        "occurred_at": wall_clock(0.1, HANOI),
        "time_zone": "Asia/Ho_Chi_Minh",
        "remarks": "Consignee asks for a morning delivery",
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(form_url(j.through), data)
        assert client.get(form_url(j.through)).status_code == 200  # Back: a fresh form
        again = client.post(form_url(j.through), data)
        other = client.post(form_url(j.through), {**data, "remarks": "Call before arrival"})
    assert messages_of(first)[-1] == "Event recorded; it is being applied."
    assert messages_of(again)[-1] == "This event was already recorded."
    assert messages_of(other)[-1] == "Event recorded; it is being applied."
    assert sorted(TrackingEvent.objects.values_list("remarks", flat=True)) == [
        "Call before arrival",
        "Consignee asks for a morning delivery",
    ]


def test_an_exception_without_a_reason_asks_for_one_in_words(client, j, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        form_url(j.through),
        {
            "code": "exception",
            "occurred_at": wall_clock(0.1, HANOI),
            "time_zone": "Asia/Ho_Chi_Minh",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["Choose the reason for the exception."]
    assert not TrackingEvent.objects.exists()


def trip_post(network, **change) -> dict:
    return {
        "code": "arrived_border",
        "location": network.youyiguan.pk,
        "occurred_at": wall_clock(0.2, SHANGHAI),
        "time_zone": "",
        **change,
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"occurred_at": "future"}, "occurred_at", "more than 10 minutes in the future"),
        ({"location": "", "time_zone": "Asia/Shanghai"}, "location", "Choose the stop"),
        ({"code": "exception", "location": ""}, "time_zone", "which time zone"),
        (
            {"code": "exception", "location": "", "time_zone": "UTC"},
            "reason",
            "Choose the reason for the exception.",
        ),
        ({"location": "elsewhere"}, "location", "not a stop of the trip"),
        ({"code": "handover", "location": "huu_nghi"}, "seal_numbers", "seal numbers"),
        ({"code": "delivered"}, "code", "Select a valid choice"),
    ],
)
def test_the_form_refuses_what_the_rules_refuse_and_stores_nothing(
    client, network, j, carrier_dispatcher, change, field, message
):
    if change.get("occurred_at") == "future":
        change["occurred_at"] = wall_clock(-1, SHANGHAI)
    if change.get("location") == "elsewhere":
        vientiane = scheduling_services.location_upsert(
            country="LA",
            name="Vientiane",
            kind="city",
            timezone="Asia/Vientiane",
            latitude=Decimal("17.97"),
            longitude=Decimal("102.63"),
        )
        change["location"] = vientiane.pk
    if change.get("location") == "huu_nghi":
        change["location"] = network.huu_nghi.pk
    client.force_login(carrier_dispatcher)
    response = client.post(trip_form_url(j.trip), trip_post(network, **change))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert "The event was not recorded" in html(response) or field == "__all__"
    assert not TrackingEvent.objects.exists()


def test_the_shipment_form_offers_shipment_codes_and_refuses_a_photo_without_delivery(
    client, j, dispatcher
):
    client.force_login(dispatcher)
    page = html(client.get(form_url(j.through)))
    assert 'value="export_cleared"' in page and 'value="arrived_border"' not in page
    response = client.post(
        form_url(j.through),
        {
            "code": "picked_up",
            "occurred_at": wall_clock(0.1, SHANGHAI),
            "time_zone": "Asia/Shanghai",
            "photo": SimpleUploadedFile("pod.png", PNG_BYTES, content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert "with a delivery only" in " ".join(response.context["form"].errors["photo"])
    refused = client.post(
        form_url(j.through),
        {
            "code": "delivered",
            "occurred_at": wall_clock(0.1, SHANGHAI),
            "time_zone": "Asia/Shanghai",
        },
    )
    assert "Say who received the goods." in html(refused)
    assert not TrackingEvent.objects.exists()


def test_viewers_may_not_post_events(client, network, j, viewer):
    client.force_login(viewer)
    assert client.get(form_url(j.through)).status_code == 403
    assert client.post(form_url(j.through), {"code": "note"}).status_code == 403
    assert client.get(trip_form_url(j.trip)).status_code == 403
    assert not TrackingEvent.objects.exists()


def test_the_form_is_a_404_for_what_the_member_may_not_post_about(
    client, network, j, stranger, dispatcher
):
    client.force_login(stranger)
    assert client.get(form_url(j.through)).status_code == 404
    response = client.post(
        form_url(j.through),
        {"code": "note", "occurred_at": wall_clock(0.1, HANOI), "time_zone": "UTC"},
    )
    assert response.status_code == 404
    assert client.get(trip_form_url(j.trip)).status_code == 404
    # The shipper posts about its shipments, not about the carrier's trip.
    client.force_login(dispatcher)
    assert client.get(trip_form_url(j.trip)).status_code == 404
    assert client.post(trip_form_url(j.trip), trip_post(network)).status_code == 404
    assert not TrackingEvent.objects.exists()


# --- Proof of delivery ------------------------------------------------------------------------


def test_proof_of_delivery_photo_only_for_those_who_may_see_the_shipment(
    client, j, dispatcher, carrier_dispatcher, stranger, django_capture_on_commit_callbacks
):
    client.force_login(dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            form_url(j.to_border),
            {
                "code": "delivered",
                "occurred_at": wall_clock(0.1, SHANGHAI),
                "time_zone": "Asia/Shanghai",
                "receiver_name": "Lý Văn Minh",
                "photo": SimpleUploadedFile("signed.png", PNG_BYTES, content_type="image/png"),
            },
        )
    assert response.status_code == 302, html(response)
    event = TrackingEvent.objects.get()
    assert event.photo.name.endswith(".png")
    photo_url = reverse(
        "shipments:photo",
        kwargs={"tracking_number": j.to_border.tracking_number, "event_id": event.pk},
    )
    page = html(client.get(detail_url(j.to_border)))
    assert photo_url in page and "Lý Văn Minh" in page
    assert event.photo.url not in page  # never the storage's own URL

    for user in (dispatcher, carrier_dispatcher):
        client.force_login(user)
        photo = client.get(photo_url)
        assert photo.status_code == 200
        assert photo["Content-Type"] == "image/png"
        assert photo["X-Content-Type-Options"] == "nosniff"
        assert b"".join(photo.streaming_content) == PNG_BYTES

    client.force_login(stranger)
    assert client.get(photo_url).status_code == 404
    client.force_login(dispatcher)
    elsewhere = reverse(
        "shipments:photo",
        kwargs={"tracking_number": j.through.tracking_number, "event_id": event.pk},
    )
    assert client.get(elsewhere).status_code == 404
    client.logout()
    assert client.get(photo_url).status_code == 302
