"""Notification emails through a real Celery worker: none lost while the broker is down, none
sent twice however often the sending runs."""

import pytest

from alliance.constants import UserRole
from tests.conftest import celery_broker, wait_for
from tests.factories import MemberFactory, UserFactory
from tests.tracking.journey import book_shipment
from tracking.notifications import email_tasks
from tracking.notifications.models import EmailDigest, InAppNotification, Topic
from tracking.notifications.services import Tell, notify

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there


def tell(member, key, title, shipment) -> Tell:
    return Tell(
        member_id=member.pk,
        topic=Topic.EXCEPTIONS,
        kind="shipment.exception",
        title=title,
        dedupe_key=key,
        shipment_id=shipment.pk,
        order_id=shipment.order_id,
    )


def mails(mail_dir) -> str:
    return "\n".join(path.read_text() for path in sorted(mail_dir.glob("*.log")))


def test_notifications_told_while_the_broker_is_down_are_emailed_once_it_is_back(
    celery_worker, network, trips, tariff, settings
):
    mail_dir = celery_worker
    settings.EMAIL_DIGEST_WINDOW_SECONDS = 0  # due at once: the sweep may send it
    shipper = MemberFactory(legal_name="Hanoi Parts Trading")
    UserFactory(member=shipper, role=UserRole.ADMIN, email="boss@parts.example")
    shipment = book_shipment(network, shipper, network.chongqing, network.hanoi)
    other = book_shipment(network, shipper, network.chongqing, network.youyiguan)

    with celery_broker(DEAD_BROKER, task_always_eager=False):
        notify(
            [
                tell(shipper, "hold", "Customs hold at Youyiguan", shipment),
                tell(shipper, "congestion", "Border congestion at Youyiguan", shipment),
            ]
        )  # committed; queuing the email failed, and did not fail the caller

    digest = EmailDigest.objects.get(shipment=shipment)
    assert digest.sent_at is None
    assert digest.notifications.count() == 2
    assert InAppNotification.objects.filter(notification__dedupe_key="hold").exists()
    assert "Customs hold at Youyiguan" not in mails(mail_dir)

    # The broker is back: the periodic sweep finds the digest due and unsent.
    email_tasks.send_due_email_digests.delay(grace_seconds=0)
    text = wait_for(
        lambda: "Customs hold at Youyiguan" in mails(mail_dir) and mails(mail_dir), timeout=60
    )
    assert text, "the sweep sent no email within a minute"
    assert "To: boss@parts.example" in text
    assert "Border congestion at Youyiguan" in text
    assert f"http://testserver/shipments/{shipment.tracking_number}/" in text
    digest.refresh_from_db()
    assert digest.sent_at is not None

    # Sending again, by its task or the sweep, sends nothing more. A last notification
    # (about another shipment, with the broker up) marks when the worker got that far.
    email_tasks.send_email_digest.delay(digest_id=digest.pk)
    email_tasks.send_due_email_digests.delay(grace_seconds=0)
    notify([tell(shipper, "marker", "Arrived at Youyiguan", other)])
    assert wait_for(lambda: "Arrived at Youyiguan" in mails(mail_dir), timeout=60)
    assert mails(mail_dir).count("- Customs hold at Youyiguan") == 1
