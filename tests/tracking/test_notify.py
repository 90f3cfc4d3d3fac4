"""Who is told what: milestones, exceptions, delays, ETA moves, orders and allocation changes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling import services as scheduling_services
from scheduling.models import Trip, TripStop
from tests.factories import MemberFactory, UserFactory
from tests.tracking.journey import at, book_shipment, carrier_client, journey
from tracking.apply import events_apply
from tracking.delays import detect_delays
from tracking.models import ExceptionCase, ShipmentState, TrackingEvent
from tracking.notifications.models import Notification
from tracking.notifications.services import Tell, notify

pytestmark = pytest.mark.django_db


def post(client, path, body, capture):
    with capture(execute=True):
        return client.post(path, body, format="json")


def test_a_trip_event_tells_the_placer_and_the_carrier_once_per_shipment(
    network, carrier, trips, tariff, django_capture_on_commit_callbacks
):
    j = journey(network, trips)
    placer = j.through.order.member
    post(
        carrier_client(carrier),
        f"/api/v1/trips/{j.trip.pk}/events/",
        {
            "event_id": "d1",
            "code": "departed_origin",
            "occurred_at": at(0.5),
            "location": network.chongqing.pk,
        },
        django_capture_on_commit_callbacks,
    )
    told = Notification.objects.filter(kind="shipment.status_changed")
    assert told.filter(member=placer).count() == 2  # through and to_border: on board
    assert told.filter(member=carrier).count() == 2
    notification = told.filter(member=placer, shipment=j.through).get()
    assert notification.topic == "milestones"
    assert notification.data["code"] == "departed_origin"
    assert notification.data["place"] == "Chongqing"
    assert "price" not in str(notification.data)


def test_the_same_cause_is_told_once(network, carrier, trips, tariff):
    j = journey(network, trips)
    tell = Tell(
        member_id=carrier.pk,
        topic="exceptions",
        kind="shipment.exception",
        title="x",
        dedupe_key="same-cause",
        shipment_id=j.through.pk,
    )
    assert len(notify([tell, tell])) == 1
    assert notify([tell]) == []
    assert Notification.objects.filter(dedupe_key="same-cause").count() == 1


def test_a_carrier_exception_opens_a_case_and_resolving_closes_it_with_who_and_when(
    network, carrier, trips, tariff, django_capture_on_commit_callbacks
):
    j = journey(network, trips)
    client = carrier_client(carrier)
    path = f"/api/v1/trips/{j.trip.pk}/events/"
    post(
        client,
        path,
        {"event_id": "e1", "code": "exception", "reason": "breakdown", "occurred_at": at(0.4)},
        django_capture_on_commit_callbacks,
    )
    case = ExceptionCase.objects.get()
    assert (case.trip_id, case.reason, case.resolved_at) == (j.trip.pk, "breakdown", None)
    assert Notification.objects.filter(kind="shipment.exception").count() >= 2
    assert ShipmentState.objects.get(shipment=j.through).open_exceptions == ["breakdown"]
    post(
        client,
        path,
        {
            "event_id": "e2",
            "code": "exception_resolved",
            "reason": "breakdown",
            "occurred_at": at(0.1),
            "remarks": "Tyre changed",
        },
        django_capture_on_commit_callbacks,
    )
    case.refresh_from_db()
    assert case.resolved_at is not None
    assert case.resolved_by.external_id == "e2" and case.resolved_by.member == carrier
    assert ShipmentState.objects.get(shipment=j.through).open_exceptions == []


def test_an_order_confirmation_is_told_to_the_placer(network, trips, tariff):
    member = MemberFactory()
    shipment = book_shipment(network, member, network.chongqing, network.hanoi)
    told = Notification.objects.get(member=member, kind="order.confirmed")
    assert told.topic == "orders" and told.order == shipment.order
    assert told.data["shipments"] == [shipment.tracking_number]


def test_order_and_booking_news_is_shown_in_the_shippers_local_time(
    client, network, trips, tariff, staff, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    person = UserFactory(member=member)
    with django_capture_on_commit_callbacks(execute=True):
        book_shipment(network, member, network.chongqing, network.hanoi)  # Chongqing: UTC+8
        scheduling_services.trip_cancel(trip=trips[0], actor=staff, reason="Flooded road")
    client.force_login(person)
    rows = client.get(reverse("notifications:list")).context["rows"]
    kinds = {row.notification.kind: row.when for row in rows}
    assert {"order.confirmed", "booking.trip_cancelled"} <= set(kinds)
    for when in kinds.values():
        assert when.endswith("China Standard Time"), when


def test_a_cancelled_trip_tells_the_placer_the_booking_moved(
    network, trips, tariff, staff, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    shipment = book_shipment(network, member, network.chongqing, network.hanoi)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling_services.trip_cancel(trip=trips[0], actor=staff, reason="Flooded road")
    kinds = set(
        Notification.objects.filter(member=member, topic="allocation").values_list(
            "kind", flat=True
        )
    )
    assert "booking.trip_cancelled" in kinds and "booking.allocated" in kinds
    moved = Notification.objects.get(member=member, kind="booking.trip_cancelled")
    assert moved.shipment == shipment and "Flooded road" in moved.data["reason"]


def test_a_late_lorry_raises_one_delay_exception_updates_eta_and_tells(
    network, carrier, trips, tariff, settings, django_capture_on_commit_callbacks
):
    settings.DELAY_THRESHOLD_MINUTES = 60
    j = journey(network, trips, hours_ago=23)  # Youyiguan was due 3 hours ago
    with django_capture_on_commit_callbacks(execute=True):
        assert detect_delays() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert detect_delays() == 0  # once, not every run
    case = ExceptionCase.objects.get()
    assert case.reason == "delay" and case.location == network.youyiguan
    delayed = Notification.objects.filter(kind="shipment.delayed")
    assert delayed.filter(member=j.through.order.member).exists()
    assert delayed.filter(member=carrier).exists()
    state = ShipmentState.objects.get(shipment=j.through)
    planned = TripStop.objects.get(trip=j.trip, sequence=4).planned_arrival
    assert state.eta >= planned + timedelta(hours=2, minutes=50)
    assert any(part["kind"] == "overdue" for part in state.eta_basis)
    # The lorry turns up: the delay case closes.
    post(
        carrier_client(carrier),
        f"/api/v1/trips/{j.trip.pk}/events/",
        {
            "event_id": "late-arrival",
            "code": "arrived_border",
            "occurred_at": at(0.1),
            "location": network.youyiguan.pk,
        },
        django_capture_on_commit_callbacks,
    )
    case.refresh_from_db()
    assert case.resolved_at is not None


def test_an_eta_moving_beyond_the_threshold_is_told(
    network, carrier, trips, tariff, settings, django_capture_on_commit_callbacks
):
    settings.ETA_NOTIFY_THRESHOLD_MINUTES = 60
    j = journey(network, trips, hours_ago=3)
    client = carrier_client(carrier)
    path = f"/api/v1/trips/{j.trip.pk}/events/"
    post(
        client,
        path,
        {
            "event_id": "on-time",
            "code": "departed_origin",
            "occurred_at": at(2.9),
            "location": network.chongqing.pk,
        },
        django_capture_on_commit_callbacks,
    )
    assert not Notification.objects.filter(kind="shipment.eta_changed").exists()
    # Two hours at the first gate instead of the planned dwell... reported 3 h late arriving.
    stop = TripStop.objects.get(trip=j.trip, sequence=2)
    TripStop.objects.filter(pk=stop.pk).update(
        planned_arrival=timezone.now() - timedelta(hours=4),
        planned_departure=timezone.now() - timedelta(hours=3),
    )
    post(
        client,
        path,
        {
            "event_id": "late",
            "code": "arrived_border",
            "occurred_at": at(0.5),
            "location": network.youyiguan.pk,
        },
        django_capture_on_commit_callbacks,
    )
    moved = Notification.objects.filter(kind="shipment.eta_changed", shipment=j.through)
    assert moved.filter(member=j.through.order.member).exists()
    assert moved.first().data["hours"] >= 1


def test_events_applied_twice_tell_nobody_twice(network, carrier, trips, tariff):
    j = journey(network, trips)
    event = TrackingEvent.objects.create(
        source=TrackingEvent.Source.STAFF,
        external_id="twice",
        code="departed_origin",
        occurred_at=j.trip.departure_at + timedelta(minutes=5),
        utc_offset_minutes=480,
        trip=j.trip,
        stop_sequence=1,
        location=network.chongqing,
    )
    events_apply(event_ids=[event.pk])
    count = Notification.objects.count()
    TrackingEvent.objects.filter(pk=event.pk).update(applied_at=None)  # as if the commit was lost
    events_apply(event_ids=[event.pk])
    assert Notification.objects.count() == count
    assert Trip.objects.get(pk=j.trip.pk).status == Trip.Status.DEPARTED


def test_open_exceptions_page_shows_age_line_place_and_members_to_those_concerned(
    client, network, carrier, trips, tariff, staff, settings, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.factories import UserFactory

    j = journey(network, trips, hours_ago=23)
    with django_capture_on_commit_callbacks(execute=True):
        detect_delays()
    carrier_user = UserFactory(member=carrier)
    client.force_login(carrier_user)
    html = client.get(reverse("shipments:exceptions")).content.decode()
    assert "Delay" in html and "Youyiguan" in html and j.trip.line.code in html
    assert j.through.order.member.legal_name in html and carrier.legal_name in html
    client.force_login(UserFactory(member=MemberFactory()))
    assert (
        "No open exception concerns you."
        in client.get(reverse("shipments:exceptions")).content.decode()
    )
    client.force_login(staff)
    admin = client.get(reverse("admin:tracking_exceptioncase_changelist")).content.decode()
    assert "Youyiguan" in admin and j.trip.line.code in admin
