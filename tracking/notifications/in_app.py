"""The portal's bell: a notification for each active person of the member that hears its topic.

Each person reads (or not) their own copy: ``InAppNotification`` is one row per
notification and person, so marking read is personal and the unread count is
one indexed ``COUNT`` (the partial index on unread rows).
"""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tracking.notifications.models import Channel, InAppNotification
from tracking.notifications.preferences import topics_by_member

BATCH_SIZE = 2000


def enqueue(notifications) -> int:
    """Put each notification in the bell of the member's active people; returns rows made.

    Called inside the transaction that created the notifications; a notification
    given twice makes its rows once.
    """
    notifications = list(notifications)
    if not notifications:
        return 0
    member_ids = {n.member_id for n in notifications}
    hearing = topics_by_member(member_ids, Channel.IN_APP)
    wanted = [n for n in notifications if n.topic in hearing[n.member_id]]
    if not wanted:
        return 0
    people = defaultdict(list)
    for member_id, user_id in (
        get_user_model()
        .objects.filter(member_id__in={n.member_id for n in wanted}, is_active=True)
        .values_list("member_id", "pk")
    ):
        people[member_id].append(user_id)
    rows = [
        InAppNotification(notification_id=n.pk, user_id=user_id)
        for n in wanted
        for user_id in people[n.member_id]
    ]
    InAppNotification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH_SIZE)
    return len(rows)


def in_app_of(user):
    """The person's notifications, newest first, with what they link to."""
    return (
        InAppNotification.objects.filter(user=user)
        .select_related("notification__shipment", "notification__order")
        .order_by("-notification__sequence")
    )


def unread_count(user) -> int:
    """How many notifications in the person's bell are unread (the partial index answers)."""
    return InAppNotification.objects.filter(user=user, read_at__isnull=True).count()


@transaction.atomic
def in_app_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one of the person's notifications read (``pk``), or all of them; returns how many.

    Only the person's own rows are touched; one already read keeps its first time.
    """
    rows = InAppNotification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        rows = rows.filter(pk=pk)
    return rows.update(read_at=timezone.now())
