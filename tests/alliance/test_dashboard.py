"""The dashboard: a person's orders, shipments and the next departures, at a glance.

Its cards come from orders, tracking and scheduling through ``alliance.dashboard``;
every figure counts only what the person may see on the list it links to.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance import dashboard
from alliance.constants import UserRole
from orders.models import Shipment
from tests.factories import MemberFactory, UserFactory
from tests.orders.helpers import place_order
from tests.tracking.journey import (
    book_shipment,
    carrier_client,
    departure,
    journey,
    stored_event,
)
from tracking.apply import events_apply
from tracking.codes import Reason
from tracking.models import ShipmentState

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLACEHOLDER = "will appear here"


def dashboard_of(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("alliance:dashboard")).content.decode()


def shipments_url(query: str = "") -> str:
    return f"{reverse('shipments:list')}{query}"


def shown(moment, zone: ZoneInfo) -> str:
    """The page's machine-readable tag of a moment at a place, in that place's zone."""
    return f'<time datetime="{moment.astimezone(zone).isoformat()}">'


def order_status_link(status: str, label: str, count: int) -> str:
    return (
        f'<a href="{reverse("orders:list")}?status={status}">'
        f'<span class="badge status-{status}">{label}</span> {count}</a>'
    )


@pytest.fixture
def under_way(network, trips, tariff, carrier, django_capture_on_commit_callbacks):
    """The lorry left Chongqing half an hour ago with two of the member's three shipments
    (the third loads at Huu Nghi); customs hold one of them; the member has a draft besides.
    """
    made = journey(network, trips)
    with django_capture_on_commit_callbacks(execute=True):
        answer = carrier_client(carrier).post(
            f"/api/v1/trips/{made.trip.pk}/events/", departure(network), format="json"
        )
    assert answer.status_code == 201, answer.content
    held = stored_event(
        "held", hours_ago=0.2, shipment=made.through, code="exception", reason=Reason.CUSTOMS_HOLD
    )
    events_apply(event_ids=[held.pk])
    place_order(network, made.through.order.member)
    for shipment in (made.through, made.to_border, made.from_border):
        shipment.refresh_from_db()
    return made


@pytest.fixture
def shipper(under_way):
    return UserFactory(member=under_way.through.order.member, role=UserRole.DISPATCHER)


@pytest.fixture
def stranger(network, under_way):
    """Another member with a confirmed order booked on a later trip and a draft."""
    member = MemberFactory(legal_name="Curious Freight")
    book_shipment(network, member, network.chongqing, network.hanoi)
    place_order(network, member)
    return UserFactory(member=member)


# --- The registry ---------------------------------------------------------------------------


def test_panels_come_by_position_and_a_provider_answering_none_adds_no_card(rf, monkeypatch):
    monkeypatch.setattr(dashboard, "_providers", {})

    @dashboard.register
    def later(request):
        return dashboard.Panel(key="later", position=20, title="Later", template="later.html")

    @dashboard.register
    def nothing_to_say(request):
        return None

    @dashboard.register
    def sooner(request):
        return dashboard.Panel(key="sooner", position=10, title="Sooner", template="sooner.html")

    dashboard.register(later)  # imported again: still one card

    panels = dashboard.panels_for(rf.get("/dashboard/"))

    assert [panel.key for panel in panels] == ["sooner", "later"]
    assert panels[0].heading_id == "sooner-heading"


# --- A member's cards -----------------------------------------------------------------------


def test_dashboard_counts_the_members_orders_under_way_by_status(client, shipper):
    page = dashboard_of(client, shipper)

    assert PLACEHOLDER not in page
    assert '<h2 id="orders-heading">Orders</h2>' in page
    assert "4 orders under way" in page
    assert order_status_link("draft", "Draft", 1) in page
    assert order_status_link("confirmed", "Confirmed", 1) in page
    assert order_status_link("in_transit", "In transit", 2) in page
    assert f'href="{reverse("orders:create")}"' in page


def test_dashboard_counts_shipments_on_the_way_waiting_and_held_with_links(
    client, under_way, shipper
):
    page = dashboard_of(client, shipper)

    assert "2 shipments on the way</a>" in page
    assert (
        f'<a href="{shipments_url("?status=booked")}">1 shipment waiting to be picked up</a>'
        in (page)
    )
    assert (
        f'<a href="{shipments_url("?exception=on")}" class="tag exception">'
        "1 shipment with an open exception</a>"
    ) in page
    assert f'<a href="{reverse("shipments:exceptions")}">1 open exception</a>' in page
    held = client.get(shipments_url(), {"exception": "on"}).content.decode()
    assert under_way.through.tracking_number in held
    assert under_way.to_border.tracking_number not in held


def test_dashboard_lists_shipments_expected_within_a_day_in_the_destinations_time(
    client, under_way, shipper
):
    to_border = under_way.to_border  # Youyiguan, 20 hours after leaving Chongqing
    eta = to_border.state.eta

    page = dashboard_of(client, shipper)

    assert "1 shipment expected within 24 hours" in page
    assert reverse("shipments:detail", args=[to_border.tracking_number]) in page
    assert shown(eta, SHANGHAI) in page
    assert under_way.through.tracking_number not in page  # Hanoi is 30 hours away


def test_dashboard_counts_nothing_of_another_members(client, shipper, stranger):
    ours = dashboard_of(client, shipper)
    theirs = dashboard_of(client, stranger)

    assert "4 orders under way" in ours and order_status_link("draft", "Draft", 1) in ours
    assert "1 shipment waiting to be picked up" in ours
    assert "2 orders under way" in theirs
    assert order_status_link("draft", "Draft", 1) in theirs
    assert order_status_link("confirmed", "Confirmed", 1) in theirs
    assert "0 shipments on the way" in theirs
    assert "0 shipments with an open exception" in theirs
    assert "0 open exceptions" in theirs


def test_dashboard_of_the_carrier_counts_the_shipments_on_its_trips_as_the_list_does(
    client, under_way, carrier
):
    page = dashboard_of(client, UserFactory(member=carrier))

    assert "You have not placed an order yet" in page
    assert "2 shipments on the way" in page
    assert "1 shipment with an open exception" in page
    assert "1 open exception" in page


def test_dashboard_of_a_member_with_nothing_says_how_to_begin(client, member_admin):
    page = dashboard_of(client, member_admin)

    assert PLACEHOLDER not in page
    assert "You have not placed an order yet" in page
    assert f'href="{reverse("orders:quote")}"' in page
    assert "You have no shipment yet" in page
    assert "No departure is scheduled on the alliance's lines yet." in page
    assert f'href="{reverse("scheduling:board")}"' in page


def test_a_viewer_is_not_offered_a_new_order(client, under_way, shipper):
    viewer = UserFactory(member=shipper.member, role=UserRole.VIEWER)

    page = dashboard_of(client, viewer)

    assert "4 orders under way" in page
    assert f'href="{reverse("orders:create")}"' not in page


def test_dashboard_lists_the_next_departures_in_the_local_time_of_their_origin(
    client, member_admin, trips
):
    page = dashboard_of(client, member_admin)

    assert '<h2 id="departures-heading">Next departures</h2>' in page
    for trip in trips[:5]:
        assert shown(trip.departure_at, SHANGHAI) in page
        assert f'href="{reverse("scheduling:trip", args=[trip.pk])}"' in page
    assert shown(trips[5].departure_at, SHANGHAI) not in page
    assert f'href="{reverse("scheduling:line", args=[trips[0].line.code])}"' in page
    assert "Chongqing → Hanoi" in page


def test_next_departures_name_their_places_in_the_readers_language(
    client, member_admin, network, trips
):
    network.chongqing.local_name = "重庆"
    network.chongqing.save()
    member_admin.language = "zh-hans"
    member_admin.save()

    page = dashboard_of(client, member_admin)

    assert "重庆 → Hanoi" in page  # Hanoi's own name is for Vietnamese readers
    assert "Chongqing → Hanoi" not in page


# --- Staff and people of no member ----------------------------------------------------------


def test_dashboard_of_staff_shows_figures_across_the_alliance(client, under_way, stranger, staff):
    page = dashboard_of(client, staff)

    assert "All members&#x27; orders" in page and "All members&#x27; shipments" in page
    assert "6 orders under way" in page
    assert order_status_link("draft", "Draft", 2) in page
    assert "2 shipments waiting to be picked up" in page
    assert "1 shipment with an open exception" in page
    assert f'href="{reverse("orders:create")}"' not in page
    assert "?status__exact=pending" in page  # the applications waiting, as before


def test_dashboard_of_a_person_of_no_member_shows_the_company_card_only(client, trips):
    page = dashboard_of(client, UserFactory(member=None))

    assert "company-heading" in page
    assert not any(f"{key}-heading" in page for key in ("orders", "shipments", "departures"))


def test_dashboard_reads_in_few_queries_however_many_shipments(
    client, network, under_way, shipper, django_assert_max_num_queries
):
    client.force_login(shipper)

    def queries_with_more_arriving() -> int:
        shipment = book_shipment(network, shipper.member, network.chongqing, network.hanoi)
        Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.DEPARTED_ORIGIN)
        ShipmentState.objects.update_or_create(
            shipment=shipment, defaults={"eta": timezone.now() + timedelta(hours=5)}
        )
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("alliance:dashboard"))
        return len(queries)

    counts = [queries_with_more_arriving() for _ in range(4)]

    # Session, user, 2 for departures, 1 for orders, 3 for shipments, the bell's count:
    # the same with one shipment arriving within a day as with four (each row's places too).
    assert counts == [counts[0]] * 4 and counts[0] <= 10
    page = client.get(reverse("alliance:dashboard")).content.decode()
    assert "8 orders under way" in page
    assert "5 shipments expected within 24 hours" in page  # the four, and the trip's own
