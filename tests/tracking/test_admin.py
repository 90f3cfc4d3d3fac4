import pytest
from django.urls import reverse
from django.utils import timezone

from tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db


def test_admin_lists_events_read_only_and_requeues_unapplied_ones(
    client, staff, network, trips, django_capture_on_commit_callbacks
):
    event = TrackingEvent.objects.create(
        source=TrackingEvent.Source.STAFF,
        external_id="stuck",
        code="note",
        occurred_at=timezone.now(),
        utc_offset_minutes=0,
        trip=trips[0],
    )
    client.force_login(staff)
    for name in ["trackingevent", "timelineentry", "shipmentstate", "stopforecast", "position"]:
        assert client.get(reverse(f"admin:tracking_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:tracking_trackingevent_add")).status_code == 403
    response = client.post(
        reverse("admin:tracking_trackingevent_changelist"),
        {"action": "apply_again", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "1 unapplied event(s) queued." in response.content.decode()
    event.refresh_from_db()
    assert event.applied_at is not None  # in-process tasks: applied at once
