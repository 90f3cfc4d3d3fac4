"""Notification titles in the reader's language: the wording (``titles.title_of``), the portal's
list, and email digests. Webhooks' titles, in their endpoint's language, are tested with the
webhooks (``test_webhooks.py``).

Expected titles are built from the catalogue's own translation of the labels they contain
(``label``), never from strings written here, so the tests follow the catalogues.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from alliance.constants import UserRole
from orders.models import Order
from scheduling import services as scheduling_services
from scheduling.models import BookingEvent
from tests.factories import MemberFactory, UserFactory
from tests.tracking.journey import at, book_shipment, carrier_client, journey
from tracking.codes import Code, Reason
from tracking.notifications import email
from tracking.notifications.models import EmailDigest, InAppNotification, Notification
from tracking.notifications.titles import title_of


def label(choice, language: str) -> str:
    """A choice's label as the catalogue writes it in ``language``."""
    with translation.override(language):
        return str(choice.label)


def depart_from_chongqing(trip, network, carrier, capture) -> None:
    """The carrier posts that the lorry left Chongqing: its shipments' members are told."""
    with capture(execute=True):
        response = carrier_client(carrier).post(
            f"/api/v1/trips/{trip.pk}/events/",
            {
                "event_id": "left-chongqing",
                "code": "departed_origin",
                "occurred_at": at(0.5),
                "location": network.chongqing.pk,
            },
            format="json",
        )
    assert response.status_code < 300, response.content


def make_due() -> None:
    EmailDigest.objects.filter(sent_at__isnull=True).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )


# --- The wording ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_producers_stored_title_is_its_english_title(
    network, carrier, trips, tariff, staff, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    shipment = book_shipment(network, member, network.chongqing, network.hanoi)
    with django_capture_on_commit_callbacks(execute=True):
        scheduling_services.trip_cancel(trip=trips[0], actor=staff, reason="Flooded road")
    j = journey(network, trips[1:])
    depart_from_chongqing(j.trip, network, carrier, django_capture_on_commit_callbacks)

    told = Notification.objects.filter(member__in=[member, j.through.order.member])
    kinds = set(told.values_list("kind", flat=True))
    assert {
        "order.confirmed",
        "booking.trip_cancelled",
        "booking.allocated",
        "shipment.status_changed",
    } <= kinds
    for notification in told:
        assert title_of(notification, "en") == notification.title, notification.kind
    confirmed = told.get(kind="order.confirmed", order=shipment.order)
    assert confirmed.title == f"{shipment.order.reference}: Confirmed"
    moved = told.get(kind="booking.trip_cancelled", shipment=shipment)
    assert moved.title == f"{shipment.tracking_number}: Trip cancelled"
    departed = told.get(kind="shipment.status_changed", shipment=j.through)
    assert departed.title == f"{j.through.tracking_number}: Departed origin — Chongqing"


def test_a_title_is_written_from_the_facts_in_the_language_asked():
    exception = Notification(
        kind="shipment.exception",
        title="LA1: Exception (Customs hold) — Youyiguan",
        data={
            "tracking_number": "LA1",
            "code": "exception",
            "reason": "customs_hold",
            "place": "Youyiguan",
        },
    )
    chinese = title_of(exception, "zh-hans")
    assert label(Code.EXCEPTION, "zh-hans") != "Exception"
    assert label(Code.EXCEPTION, "zh-hans") in chinese
    assert label(Reason.CUSTOMS_HOLD, "zh-hans") in chinese
    assert chinese.startswith("LA1: ") and chinese.endswith("Youyiguan")
    assert title_of(exception, "en") == exception.title
    # No language given: the active one (a page's reader's).
    with translation.override("vi"):
        assert title_of(exception) == title_of(exception, "vi") != exception.title

    order = Notification(kind="order.rejected", data={"order": "ORD-1", "status": "rejected"})
    assert title_of(order, "th") == f"ORD-1: {label(Order.Status.REJECTED, 'th')}"
    moved = Notification(
        kind="booking.reallocated", data={"tracking_number": "LA2", "action": "reallocated"}
    )
    assert label(BookingEvent.Action.REALLOCATED, "lo") in title_of(moved, "lo")


def test_an_eta_move_is_written_with_the_readers_decimal_separator():
    moved = Notification(
        kind="shipment.eta_changed",
        title="LA1: ETA -1.5 h",
        data={"tracking_number": "LA1", "hours": -1.5},
    )
    assert title_of(moved, "en") == "LA1: ETA -1.5 h"
    assert "-1,5" in title_of(moved, "vi")  # Vietnamese writes a decimal comma


def test_unknown_kinds_and_missing_facts_fall_back_to_the_stored_title():
    for notification in (
        Notification(kind="test.told", title="Told in English", data={"code": "delivered"}),
        # Facts the wording needs are missing (no place, no reason).
        Notification(
            kind="shipment.status_changed",
            title="Told in English",
            data={"tracking_number": "LA7", "code": "departed_origin"},
        ),
        # A code no longer known.
        Notification(
            kind="shipment.status_changed",
            title="Told in English",
            data={"tracking_number": "LA7", "code": "teleported", "reason": "", "place": ""},
        ),
        Notification(kind="order.confirmed", title="Told in English", data=["not", "a", "dict"]),
    ):
        assert title_of(notification, "vi") == "Told in English"


# --- In the portal ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_each_reader_the_titles_in_their_language(
    client, network, carrier, trips, tariff, django_capture_on_commit_callbacks
):
    j = journey(network, trips)
    placer = j.through.order.member
    vietnamese = UserFactory(member=placer, role=UserRole.VIEWER, language="vi")
    english = UserFactory(member=placer, role=UserRole.VIEWER, language="en")
    depart_from_chongqing(j.trip, network, carrier, django_capture_on_commit_callbacks)
    departed = Notification.objects.get(
        member=placer, shipment=j.through, kind="shipment.status_changed"
    )
    departed_vi = label(Code.DEPARTED_ORIGIN, "vi")
    assert departed_vi != "Departed origin"  # the catalogue translates it

    client.force_login(vietnamese)
    page = client.get(reverse("notifications:list")).content.decode()
    assert title_of(departed, "vi") in page
    assert f"{j.through.tracking_number}: {departed_vi}" in page
    assert "Departed origin" not in page

    # Marked read with htmx, the row comes back in Vietnamese too.
    row = InAppNotification.objects.get(user=vietnamese, notification=departed)
    fragment = client.post(
        reverse("notifications:read", args=[row.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert title_of(departed, "vi") in fragment and "Departed origin" not in fragment

    client.force_login(english)
    page = client.get(reverse("notifications:list")).content.decode()
    assert departed.title in page and departed_vi not in page


# --- By email -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_digest_to_a_thai_reader_has_its_subject_and_titles_in_thai(
    network, trips, tariff
):
    member = MemberFactory(country="VN")  # the reader's own choice wins over the country's
    reader = UserFactory(member=member, role=UserRole.ADMIN, language="th")
    shipment = book_shipment(network, member, network.chongqing, network.hanoi)
    mail.outbox.clear()
    make_due()

    email.digests_send_due()

    confirmed_th = label(Order.Status.CONFIRMED, "th")
    assert confirmed_th != "Confirmed"
    [about_the_order] = [m for m in mail.outbox if shipment.order.reference in m.subject]
    assert about_the_order.to == [reader.email]
    confirmed = Notification.objects.get(member=member, kind="order.confirmed")
    # One notification in the digest: its title is the subject.
    assert about_the_order.subject == title_of(confirmed, "th")
    assert confirmed_th in about_the_order.subject
    assert title_of(confirmed, "th") in about_the_order.body
    for message in mail.outbox:
        assert message.to == [reader.email]
        assert "Confirmed" not in message.body and "Allocated" not in message.body


@pytest.mark.django_db
def test_a_reader_without_a_language_of_their_own_reads_their_countrys(network, trips, tariff):
    member = MemberFactory(country="VN")
    reader = UserFactory(member=member, role=UserRole.ADMIN, language="")
    shipment = book_shipment(network, member, network.chongqing, network.hanoi)
    mail.outbox.clear()
    make_due()

    email.digests_send_due()

    [about_the_order] = [m for m in mail.outbox if shipment.order.reference in m.subject]
    assert about_the_order.to == [reader.email]
    assert label(Order.Status.CONFIRMED, "vi") in about_the_order.subject
