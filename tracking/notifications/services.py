"""Creating notifications: once per member and cause, then handed to every channel.

Notifications are written in the transaction of what caused them (an applied
event, a confirmed order, a moved booking), so none is lost and none is told
twice: each carries a ``dedupe_key`` unique per member. Channels only queue
their work in that transaction and start it after the commit; their periodic
sweeps pick up whatever a broker outage left behind.
"""

from dataclasses import dataclass, field

from django.db import transaction

from tracking.notifications import email, in_app, webhooks
from tracking.notifications.models import Notification


@dataclass(frozen=True)
class Tell:
    """One thing to tell one member."""

    member_id: int
    topic: str
    kind: str
    title: str
    dedupe_key: str
    shipment_id: int | None = None
    order_id: int | None = None
    data: dict = field(default_factory=dict)


@transaction.atomic
def notify(tells: list[Tell]) -> list[Notification]:
    """Store what is new among ``tells`` and hand it to the channels; returns the new ones."""
    if not tells:
        return []
    unique = {(tell.member_id, tell.dedupe_key): tell for tell in tells}
    candidates = [
        Notification(
            member_id=tell.member_id,
            topic=tell.topic,
            kind=tell.kind,
            title=tell.title[:200],
            shipment_id=tell.shipment_id,
            order_id=tell.order_id,
            data=tell.data,
            dedupe_key=tell.dedupe_key,
        )
        for tell in unique.values()
    ]
    # What was told before, here or by a concurrent worker, the once-per-cause constraint drops.
    created = Notification.objects.bulk_create(candidates, ignore_conflicts=True)
    stored = list(Notification.objects.filter(pk__in=[n.pk for n in created]).order_by("sequence"))
    for channel in (in_app, email, webhooks):
        channel.enqueue(stored)
    return stored
