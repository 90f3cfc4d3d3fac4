"""The email and in-app channels of notifications, and the member's notification settings.

``notify()`` is called directly with hand-made tells: what produces them (applied
events, orders, bookings) is tested beside its producer. Whatever the fixtures'
own orders told is cleared first, so each test counts only its own notifications.
"""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.constants import UserRole
from alliance.models import Member
from config.exceptions import ApplicationError
from orders.models import Shipment
from orders.tracking_numbers import new_tracking_number
from scheduling.models import Booking, Location
from tests.conftest import celery_broker, wait_for
from tests.factories import MemberFactory, StaffFactory, UserFactory
from tests.racing import race
from tests.tracking.journey import book_shipment
from tracking.notifications import email, email_tasks
from tracking.notifications.models import (
    Channel,
    ChannelPreference,
    EmailDigest,
    EmailRecipient,
    InAppNotification,
    Notification,
    Topic,
)
from tracking.notifications.preferences import email_recipients_set, preferences_save
from tracking.notifications.services import Tell, notify

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there
VI_PLATFORM = "Nền tảng Liên minh Xe tải"  # "Lorry Alliance Platform" in Vietnamese


def forget_notifications() -> None:
    """Drop what the fixtures' own orders told, so a test sees only its notifications."""
    EmailDigest.objects.all().delete()
    Notification.objects.all().delete()
    mail.outbox.clear()


@pytest.fixture
def shipper():
    return MemberFactory(legal_name="Hanoi Parts Trading")


@pytest.fixture
def boss(shipper):
    return UserFactory(member=shipper, role=UserRole.ADMIN, email="boss@parts.example")


@pytest.fixture
def clerk(shipper):
    return UserFactory(member=shipper, role=UserRole.VIEWER, email="clerk@parts.example")


@pytest.fixture
def shipment(network, trips, tariff, shipper) -> Shipment:
    made = book_shipment(network, shipper, network.chongqing, network.hanoi)
    forget_notifications()
    return made


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Digest tasks held as a broker would until they are due (tests run tasks in-process)."""
    held: list[dict] = []
    monkeypatch.setattr(
        email_tasks.send_email_digest, "apply_async", lambda **options: held.append(options)
    )
    return held


def tell(member, key, *, topic=Topic.EXCEPTIONS, shipment=None, order=None, title=None, **data):
    return Tell(
        member_id=member.pk,
        topic=topic,
        kind="test.told",
        title=title or f"Told {key}",
        dedupe_key=key,
        shipment_id=shipment.pk if shipment else None,
        order_id=order.pk if order else None,
        data=data,
    )


def more_shipments(like: Shipment, count: int) -> list[Shipment]:
    """``count`` more shipments of the same order, written straight into the tables."""
    b = like.booking
    bookings = Booking.objects.bulk_create(
        Booking(
            reference=f"{b.reference}-{n}",
            member_id=b.member_id,
            origin_id=b.origin_id,
            destination_id=b.destination_id,
            ready_date=b.ready_date,
            weight_kg=Decimal("10"),
            volume_m3=Decimal("0.1"),
            service_kind=b.service_kind,
        )
        for n in range(count)
    )
    return Shipment.objects.bulk_create(
        Shipment(
            order_id=like.order_id,
            sequence=like.sequence + 1 + n,
            tracking_number=new_tracking_number(),
            booking=booking,
            packages=1,
            weight_kg=Decimal("10"),
            volume_m3=Decimal("0.1"),
            currency=like.currency,
            price=Decimal("100"),
        )
        for n, booking in enumerate(bookings)
    )


def make_due() -> None:
    EmailDigest.objects.filter(sent_at__isnull=True).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )


# --- In the portal ------------------------------------------------------------------------------


def test_notify_puts_a_row_in_the_bell_of_each_active_person_of_the_member(
    shipper, boss, clerk, shipment
):
    gone = UserFactory(member=shipper, is_active=False)
    stranger = UserFactory(member=MemberFactory())

    notify([tell(shipper, "a", shipment=shipment), tell(shipper, "b", shipment=shipment)])

    rows = set(InAppNotification.objects.values_list("notification__dedupe_key", "user_id"))
    assert rows == {("a", boss.pk), ("a", clerk.pk), ("b", boss.pk), ("b", clerk.pk)}
    assert not InAppNotification.objects.filter(user__in=[gone, stranger]).exists()


def test_notify_twice_with_the_same_cause_rings_the_bell_once(shipper, boss, shipment):
    notify([tell(shipper, "a", shipment=shipment)])
    notify([tell(shipper, "a", shipment=shipment)])

    assert InAppNotification.objects.filter(user=boss).count() == 1


def test_a_topic_switched_off_reaches_neither_the_bell_nor_the_email(shipper, boss, shipment):
    preferences_save(member=shipper, channel=Channel.IN_APP, topics=[Topic.MILESTONES])
    preferences_save(member=shipper, channel=Channel.EMAIL, topics=[])

    notify([tell(shipper, "exception", topic=Topic.EXCEPTIONS, shipment=shipment)])
    notify([tell(shipper, "milestone", topic=Topic.MILESTONES, shipment=shipment)])

    assert list(
        InAppNotification.objects.filter(user=boss).values_list(
            "notification__dedupe_key", flat=True
        )
    ) == ["milestone"]
    assert not EmailDigest.objects.exists()


def test_by_default_milestones_ring_the_bell_but_send_no_email(shipper, boss, shipment):
    notify([tell(shipper, "milestone", topic=Topic.MILESTONES, shipment=shipment)])

    assert InAppNotification.objects.filter(user=boss).count() == 1
    assert not EmailDigest.objects.exists()


def test_the_bell_shows_the_persons_unread_count_with_one_query(
    client, shipper, boss, clerk, shipment
):
    notify([tell(shipper, key, shipment=shipment) for key in ("a", "b", "c")])
    InAppNotification.objects.filter(user=clerk).update(read_at=timezone.now())
    client.force_login(boss)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("alliance:dashboard"))

    assert response.status_code == 200
    assert "Notifications, 3 unread" in response.content.decode()
    bell_queries = [q for q in queries if "tracking_inappnotification" in q["sql"]]
    assert len(bell_queries) == 1
    assert "COUNT(*)" in bell_queries[0]["sql"]

    client.force_login(clerk)
    assert (
        "Notifications, none unread" in client.get(reverse("alliance:dashboard")).content.decode()
    )


def test_no_bell_and_no_count_for_anonymous_visitors_and_staff(client):
    response = client.get(reverse("home"))
    assert "notification-bell" not in response.content.decode()
    assert "unread_notifications" not in response.context

    client.force_login(StaffFactory())
    response = client.get(reverse("alliance:dashboard"))
    assert "notification-bell" not in response.content.decode()


def test_the_list_shows_the_persons_notifications_newest_first_unread_marked(
    client, shipper, boss, clerk, shipment
):
    order = shipment.order
    notify([tell(shipper, "first", shipment=shipment, title="Departed Chongqing")])
    notify([tell(shipper, "second", order=order, title="Order confirmed")])
    notify([tell(shipper, "third", topic=Topic.ACCOUNT, title="Webhook endpoint disabled")])
    InAppNotification.objects.filter(user=boss, notification__dedupe_key="second").update(
        read_at=timezone.now()
    )
    other = UserFactory(member=MemberFactory())
    notify([tell(other.member, "elsewhere", title="Someone else's news")])
    client.force_login(boss)

    response = client.get(reverse("notifications:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Webhook endpoint disabled") < page.index("Order confirmed")
    assert page.index("Order confirmed") < page.index("Departed Chongqing")
    assert "Someone else&#x27;s news" not in page and "Someone else's news" not in page
    assert page.count('class="notification unread"') == 2
    rows = {row.notification.dedupe_key: row for row in response.context["rows"]}
    assert rows["first"].open_url == reverse("notifications:open", args=[rows["first"].item.pk])
    assert rows["third"].open_url == ""  # about neither a shipment nor an order


def test_opening_a_notification_marks_it_read_and_goes_to_its_shipment_or_order(
    client, shipper, boss, clerk, shipment
):
    notify([tell(shipper, "s", shipment=shipment), tell(shipper, "o", order=shipment.order)])
    mine = {
        row.notification.dedupe_key: row
        for row in InAppNotification.objects.filter(user=boss).select_related("notification")
    }
    client.force_login(boss)

    response = client.get(reverse("notifications:open", args=[mine["s"].pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("shipments:detail", args=[shipment.tracking_number])
    response = client.get(reverse("notifications:open", args=[mine["o"].pk]))
    assert response["Location"] == reverse("orders:detail", args=[shipment.order.reference])

    assert not InAppNotification.objects.filter(user=boss, read_at__isnull=True).exists()
    # Personal: the colleague's copies are still unread.
    assert InAppNotification.objects.filter(user=clerk, read_at__isnull=True).count() == 2


def test_someone_elses_notifications_answer_404(client, shipper, boss, clerk, shipment):
    notify([tell(shipper, "s", shipment=shipment)])
    outsider = UserFactory(member=MemberFactory())
    notify([tell(outsider.member, "x")])
    colleagues_row = InAppNotification.objects.get(user=clerk)
    outsiders_row = InAppNotification.objects.get(user=outsider)
    client.force_login(boss)

    for row in (colleagues_row, outsiders_row):
        assert client.get(reverse("notifications:open", args=[row.pk])).status_code == 404
        assert client.post(reverse("notifications:read", args=[row.pk])).status_code == 404
        row.refresh_from_db()
        assert row.read_at is None


def test_the_notification_pages_are_for_members_people(client):
    assert client.get(reverse("notifications:list")).status_code == 302  # to sign in
    client.force_login(StaffFactory())
    assert client.get(reverse("notifications:list")).status_code == 403


def test_mark_one_read_with_htmx_answers_the_row_and_the_new_count(client, shipper, boss, shipment):
    notify([tell(shipper, "a", shipment=shipment), tell(shipper, "b", shipment=shipment)])
    row = InAppNotification.objects.filter(user=boss).first()
    client.force_login(boss)

    response = client.post(reverse("notifications:read", args=[row.pk]), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{row.pk}" class="notification"' in body
    assert 'hx-swap-oob="true"' in body and "Notifications, 1 unread" in body
    row.refresh_from_db()
    assert row.read_at is not None

    # Without htmx: back to the list.
    other = InAppNotification.objects.get(user=boss, read_at__isnull=True)
    response = client.post(reverse("notifications:read", args=[other.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read_reads_only_the_persons_own(client, shipper, boss, clerk, shipment):
    notify([tell(shipper, key, shipment=shipment) for key in ("a", "b", "c")])
    client.force_login(boss)

    response = client.post(reverse("notifications:read_all"), follow=True)

    assert response.status_code == 200
    assert "3 notification(s) marked read." in response.content.decode()
    assert not InAppNotification.objects.filter(user=boss, read_at__isnull=True).exists()
    assert InAppNotification.objects.filter(user=clerk, read_at__isnull=True).count() == 3


def test_the_list_page_costs_the_same_whatever_its_length(
    client, shipper, boss, shipment, django_assert_max_num_queries
):
    notify([tell(shipper, f"k{n}", shipment=shipment, order=shipment.order) for n in range(3)])
    client.force_login(boss)
    with django_assert_max_num_queries(8):
        client.get(reverse("notifications:list"))
    notify([tell(shipper, f"m{n}", shipment=shipment, order=shipment.order) for n in range(20)])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["rows"]) == 23


# --- Email ------------------------------------------------------------------------------------


def test_a_trip_event_fanning_out_to_300_shipments_makes_one_digest_per_shipment(
    shipper, boss, shipment, django_assert_max_num_queries
):
    shipments = [shipment, *more_shipments(shipment, 299)]
    tells = [
        tell(shipper, f"event:1:shipment:{s.pk}", shipment=s, title=f"{s.tracking_number}: late")
        for s in shipments
    ]
    # A second event within the window about the first shipment.
    tells.append(tell(shipper, "event:2", shipment=shipment, title="Customs hold at Youyiguan"))

    with django_assert_max_num_queries(20):
        stored = notify(tells)

    assert len(stored) == 301
    assert EmailDigest.objects.count() == 300
    assert (
        not EmailDigest.objects.values("member", "shipment").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert EmailDigest.objects.get(shipment=shipment).notifications.count() == 2

    assert email.digests_send_due() == 0  # nothing is due before the window closes
    make_due()
    assert email.digests_send_due() == 300

    assert len(mail.outbox) == 300
    first = next(m for m in mail.outbox if shipment.tracking_number in m.subject)
    assert "Departed" not in first.body
    assert f"{shipment.tracking_number}: late" in first.body
    assert "Customs hold at Youyiguan" in first.body
    assert first.subject == f"Shipment {shipment.tracking_number}: 2 updates"
    assert first.to == ["boss@parts.example"]


def test_notifications_about_one_shipment_within_the_window_share_one_email(
    shipper, boss, shipment
):
    notify([tell(shipper, "one", shipment=shipment, title="Arrived at Youyiguan")])
    notify([tell(shipper, "two", shipment=shipment, title="Export cleared")])
    notify([tell(shipper, "order", order=shipment.order, title="Order confirmed")])

    assert EmailDigest.objects.count() == 2  # the shipment's, and the one without a shipment
    make_due()
    email.digests_send_due()

    assert len(mail.outbox) == 2
    about_shipment = next(m for m in mail.outbox if "Arrived at Youyiguan" in m.body)
    assert "Export cleared" in about_shipment.body
    assert "Order confirmed" not in about_shipment.body
    assert f"http://testserver/shipments/{shipment.tracking_number}/" in about_shipment.body
    about_order = next(m for m in mail.outbox if "Order confirmed" in m.body)
    assert about_order.subject == "Order confirmed"
    assert f"http://testserver/orders/{shipment.order.reference}/" in about_order.body


def test_a_digest_is_sent_once_however_often_its_task_runs(shipper, boss, shipment):
    notify([tell(shipper, "one", shipment=shipment)])
    digest = EmailDigest.objects.get()

    assert email_tasks.send_email_digest(digest_id=digest.pk) == 1
    assert email_tasks.send_email_digest(digest_id=digest.pk) == 0
    make_due()
    assert email_tasks.send_due_email_digests(grace_seconds=0) == 0

    assert len(mail.outbox) == 1
    digest.refresh_from_db()
    assert digest.sent_at is not None


def test_the_same_event_applied_twice_sends_no_second_email(shipper, boss, shipment):
    tells = [tell(shipper, "event:7:shipment:1", shipment=shipment)]
    notify(tells)
    notify(tells)
    make_due()
    email.digests_send_due()
    notify(tells)  # once more after the email went out
    make_due()
    email.digests_send_due()

    assert len(mail.outbox) == 1
    assert EmailDigest.objects.count() == 1


def test_after_a_digest_is_sent_the_next_notification_opens_a_new_one(shipper, boss, shipment):
    notify([tell(shipper, "one", shipment=shipment)])
    make_due()
    email.digests_send_due()
    notify([tell(shipper, "two", shipment=shipment, title="Crossed the border")])

    open_digest = EmailDigest.objects.get(sent_at__isnull=True)
    assert list(open_digest.notifications.values_list("dedupe_key", flat=True)) == ["two"]
    assert open_digest.due_at > timezone.now()


def test_the_digest_task_is_queued_after_the_commit_with_a_countdown_until_due(
    shipper, boss, shipment, django_capture_on_commit_callbacks, queued, settings
):
    settings.EMAIL_DIGEST_WINDOW_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [tell(shipper, "one", shipment=shipment), tell(shipper, "two", order=shipment.order)]
        )
        assert queued == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        notify([tell(shipper, "three", shipment=shipment)])  # joins an open digest

    assert {q["kwargs"]["digest_id"] for q in queued} == set(
        EmailDigest.objects.values_list("pk", flat=True)
    )
    assert len(queued) == 2
    assert all(290 < q["countdown"] <= 300 and q["retry"] is False for q in queued)


def test_a_broker_down_at_the_commit_loses_no_email(
    shipper, boss, shipment, django_capture_on_commit_callbacks
):
    with (
        celery_broker(DEAD_BROKER, task_always_eager=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify([tell(shipper, "one", shipment=shipment)])  # must not raise

    assert mail.outbox == []
    make_due()
    assert email_tasks.send_due_email_digests(grace_seconds=0) == 1
    assert len(mail.outbox) == 1


def test_without_a_broker_the_digest_goes_out_at_the_commit(
    shipper, boss, shipment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([tell(shipper, "one", shipment=shipment)])

    assert len(mail.outbox) == 1  # tasks run in-process: no window to wait for


def test_emails_go_to_the_chosen_active_colleagues_else_the_admins(shipper, boss, clerk, shipment):
    UserFactory(member=shipper, role=UserRole.ADMIN, is_active=False, email="gone@parts.example")
    UserFactory(member=shipper, role=UserRole.DISPATCHER, email="desk@parts.example")

    notify([tell(shipper, "one", shipment=shipment)])
    make_due()
    email.digests_send_due()
    assert mail.outbox[-1].to == ["boss@parts.example"]  # no one chosen: the active admins

    email_recipients_set(member=shipper, users=[clerk])
    notify([tell(shipper, "two", shipment=shipment)])
    make_due()
    email.digests_send_due()
    assert mail.outbox[-1].to == ["clerk@parts.example"]

    # A chosen colleague deactivated since: the admins again, rather than nobody.
    clerk.is_active = False
    clerk.save()
    notify([tell(shipper, "three", shipment=shipment)])
    make_due()
    email.digests_send_due()
    assert mail.outbox[-1].to == ["boss@parts.example"]


def test_each_recipient_reads_the_email_in_their_language(shipper, boss, clerk, shipment):
    clerk.language = "vi"
    clerk.save()
    desk = UserFactory(member=shipper, role=UserRole.DISPATCHER, language="vi")
    email_recipients_set(member=shipper, users=[boss, clerk, desk])

    notify([tell(shipper, "one", shipment=shipment)])
    make_due()
    email.digests_send_due()

    assert len(mail.outbox) == 2
    by_to = {tuple(sorted(m.to)): m for m in mail.outbox}
    vietnamese = by_to[tuple(sorted([clerk.email, desk.email]))]
    english = by_to[(boss.email,)]
    assert VI_PLATFORM in vietnamese.body
    assert VI_PLATFORM not in english.body
    assert "Lorry Alliance Platform" in english.body


def test_times_in_the_email_are_those_of_the_place(shipper, boss, shipment, network):
    Location.objects.filter(pk=network.hanoi.pk).update(unlocode="VNHAN")
    occurred = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    notify(
        [
            tell(
                shipper,
                "hanoi",
                shipment=shipment,
                occurred_at=occurred.isoformat(),
                unlocode="VNHAN",
            ),
            tell(
                shipper,
                "offset",
                shipment=shipment,
                occurred_at=occurred.isoformat(),
                utc_offset_minutes=480,
            ),
        ]
    )
    make_due()
    email.digests_send_due()

    body = mail.outbox[0].body
    hanoi = occurred.astimezone(network.hanoi.zone)
    assert f"{hanoi:%H:%M} Vietnam Time" in body  # the place's zone, named
    assert f"{occurred.astimezone(network.chongqing.zone):%H:%M} GMT+08:00" in body  # an offset


def test_a_suspended_member_gets_no_email_and_its_digest_closes(shipper, boss, shipment):
    notify([tell(shipper, "one", shipment=shipment)])
    Member.objects.filter(pk=shipper.pk).update(status=Member.Status.SUSPENDED)
    make_due()

    assert email.digests_send_due() == 0
    assert mail.outbox == []
    assert not EmailDigest.objects.filter(sent_at__isnull=True).exists()


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_notifications_about_one_shipment_share_one_digest(
    shipper, boss, shipment, queued
):
    results = race(
        lambda n: len(notify([tell(shipper, f"racer-{n}", shipment=shipment)])), racers=8
    )

    assert results == [1] * 8
    digest = EmailDigest.objects.get()
    assert digest.notifications.count() == 8
    assert [q["kwargs"] for q in queued] == [{"digest_id": digest.pk}]  # queued once


@pytest.mark.django_db(transaction=True)
def test_concurrent_notifications_about_no_shipment_share_one_digest_apart_from_the_shipments(
    shipper, boss, shipment, queued
):
    notify([tell(shipper, "about-the-shipment", shipment=shipment)])
    results = race(
        lambda n: len(notify([tell(shipper, f"order-{n}", order=shipment.order)])), racers=8
    )

    assert results == [1] * 8
    without = EmailDigest.objects.get(shipment__isnull=True)
    assert without.notifications.count() == 8
    assert EmailDigest.objects.get(shipment=shipment).notifications.count() == 1
    assert sorted(q["kwargs"]["digest_id"] for q in queued) == sorted(
        EmailDigest.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_notification_joining_a_digest_being_sent_goes_in_the_next_one(
    shipper, boss, shipment, queued, monkeypatch
):
    notify([tell(shipper, "before", shipment=shipment, title="Before")])
    digest = EmailDigest.objects.get()
    sending, release = threading.Event(), threading.Event()
    sent, errors = [], []

    class SlowMailServer:
        def send_messages(self, messages):
            sending.set()
            release.wait(timeout=30)
            sent.extend(messages)
            return len(messages)

    monkeypatch.setattr(email, "get_connection", SlowMailServer)

    def in_a_thread(work):
        def run():
            try:
                work()
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    sender = in_a_thread(lambda: email.digest_send(digest_id=digest.pk))
    assert sending.wait(timeout=30)
    joiner = in_a_thread(
        lambda: notify([tell(shipper, "during", shipment=shipment, title="During")])
    )
    try:
        assert wait_for(waiting_on_a_lock, timeout=30), "the joiner never waited for the sender"
    finally:
        release.set()
        sender.join(timeout=30)
        joiner.join(timeout=30)

    assert errors == []
    assert len(sent) == 1 and "Before" in sent[0].body and "During" not in sent[0].body
    newer = EmailDigest.objects.get(sent_at__isnull=True)
    assert list(newer.notifications.values_list("dedupe_key", flat=True)) == ["during"]
    assert email.digest_send(digest_id=newer.pk) == 1
    assert "During" in sent[1].body


# --- Settings -----------------------------------------------------------------------------------


def test_settings_show_the_defaults_until_the_member_chooses(client, shipper, boss):
    client.force_login(boss)

    response = client.get(reverse("notifications:settings"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["topics_email"].initial == [
        Topic.EXCEPTIONS,
        Topic.DELAYS,
        Topic.ORDERS,
        Topic.ALLOCATION,
        Topic.ACCOUNT,
    ]
    assert form["topics_in_app"].initial == list(Topic.values)
    assert 'value="milestones" id="id_topics_email_0"' in response.content.decode()
    assert 'value="milestones" id="id_topics_in_app_0" checked' in response.content.decode()


def test_settings_save_the_channels_changed_and_the_recipients(client, shipper, boss, clerk):
    client.force_login(boss)

    response = client.post(
        reverse("notifications:settings"),
        {
            "topics_email": [Topic.DELAYS, Topic.ORDERS],
            "topics_webhook": list(Topic.values),  # as the defaults: left alone
            "topics_in_app": [Topic.MILESTONES],
            "recipients": [clerk.pk],
        },
    )

    assert response.status_code == 302
    saved = dict(ChannelPreference.objects.filter(member=shipper).values_list("channel", "topics"))
    assert saved == {
        Channel.EMAIL: [Topic.DELAYS, Topic.ORDERS],
        Channel.IN_APP: [Topic.MILESTONES],
    }
    assert list(EmailRecipient.objects.values_list("user_id", flat=True)) == [clerk.pk]

    response = client.get(reverse("notifications:settings"))
    assert response.context["form"]["topics_email"].initial == [Topic.DELAYS, Topic.ORDERS]
    assert response.context["form"]["recipients"].initial == [clerk.pk]

    # Choosing nobody: back to the administrators; switching every email topic off.
    client.post(reverse("notifications:settings"), {"topics_webhook": list(Topic.values)})
    assert not EmailRecipient.objects.exists()
    assert ChannelPreference.objects.get(member=shipper, channel=Channel.EMAIL).topics == []


def test_settings_refuse_people_of_other_members_as_recipients(client, shipper, boss):
    outsider = UserFactory(member=MemberFactory())
    client.force_login(boss)

    response = client.post(
        reverse("notifications:settings"),
        {"topics_email": [Topic.DELAYS], "recipients": [outsider.pk]},
    )

    assert response.status_code == 200
    assert "recipients" in response.context["form"].errors
    assert not EmailRecipient.objects.exists()
    assert not ChannelPreference.objects.exists()


def test_settings_are_for_member_administrators_only(client, shipper, clerk):
    dispatcher = UserFactory(member=shipper, role=UserRole.DISPATCHER)
    for person in (clerk, dispatcher):
        client.force_login(person)
        assert client.get(reverse("notifications:settings")).status_code == 403
        response = client.post(reverse("notifications:settings"), {"topics_email": []})
        assert response.status_code == 403
    assert not ChannelPreference.objects.exists()


def test_services_refuse_unknown_topics_and_outsiders(shipper, boss):
    with pytest.raises(ApplicationError):
        preferences_save(member=shipper, channel=Channel.EMAIL, topics=["gossip"])
    with pytest.raises(ApplicationError):
        email_recipients_set(member=shipper, users=[UserFactory(member=MemberFactory())])


# --- Admin --------------------------------------------------------------------------------------


def test_staff_see_notifications_with_their_bells_and_digests_read_only(
    client, shipper, boss, shipment
):
    notify([tell(shipper, "one", shipment=shipment, title="Customs hold at Youyiguan")])
    notification = Notification.objects.get()
    digest = EmailDigest.objects.get()
    client.force_login(StaffFactory())

    for url in (
        reverse("admin:tracking_notification_changelist"),
        reverse("admin:tracking_notification_change", args=[notification.pk]),
        reverse("admin:tracking_emaildigest_changelist"),
        reverse("admin:tracking_emaildigest_change", args=[digest.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(
        reverse("admin:tracking_notification_change", args=[notification.pk])
    ).content.decode()
    assert boss.email in page  # whose bell it is in
    assert client.get(reverse("admin:tracking_notification_add")).status_code == 403

    response = client.post(
        reverse("admin:tracking_emaildigest_changelist"),
        {"action": "send_now", "_selected_action": [digest.pk]},
        follow=True,
    )
    assert "1 unsent digest(s) queued." in response.content.decode()
    digest.refresh_from_db()
    assert digest.sent_at is not None  # tasks run in-process in tests
    assert len(mail.outbox) == 1
