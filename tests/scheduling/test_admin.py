from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling.models import Booking, Trip, Vehicle, VehiclePermit
from tests.network import book

pytestmark = pytest.mark.django_db


def test_admin_cancels_trips_only_with_a_reason(
    client, staff, network, trips, django_capture_on_commit_callbacks
):
    booking = book(network, kg="100", m3="1")
    client.force_login(staff)
    url = reverse("admin:scheduling_trip_changelist")

    asked = client.post(url, {"action": "cancel", "_selected_action": [trips[0].pk]})
    refused = client.post(
        url, {"action": "cancel", "_selected_action": [trips[0].pk], "confirm": "1", "reason": ""}
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {
                "action": "cancel",
                "_selected_action": [trips[0].pk],
                "confirm": "1",
                "reason": "Snow on the pass",
            },
            follow=True,
        )

    assert 'name="reason"' in asked.content.decode()
    assert "This field is required" in refused.content.decode()
    assert "1 trip(s) cancelled" in done.content.decode()
    assert Trip.objects.get(pk=trips[0].pk).cancellation_reason == "Snow on the pass"
    assert Booking.objects.get(pk=booking.pk).trip_id == trips[1].pk


def test_admin_line_stop_inline_refuses_out_of_order_offsets(client, staff, network, carrier):
    from tests.network import make_line

    line = make_line(network, carrier, code="CKG-HAN-EDIT")
    stops = list(line.stops.order_by("sequence"))
    client.force_login(staff)
    data = {
        "code": line.code,
        "name": line.name,
        "corridor": line.corridor,
        "direction": line.direction,
        "service_kinds": "ltl",
        "booking_cutoff_hours": "24",
        "is_active": "on",
        "carriers": [carrier.pk],
        "stops-TOTAL_FORMS": str(len(stops)),
        "stops-INITIAL_FORMS": str(len(stops)),
        "stops-MIN_NUM_FORMS": "0",
        "stops-MAX_NUM_FORMS": "1000",
        "timetables-TOTAL_FORMS": "0",
        "timetables-INITIAL_FORMS": "0",
        "timetables-MIN_NUM_FORMS": "0",
        "timetables-MAX_NUM_FORMS": "1000",
    }
    for index, stop in enumerate(stops):
        data.update(
            {
                f"stops-{index}-id": stop.pk,
                f"stops-{index}-line": line.pk,
                f"stops-{index}-sequence": stop.sequence,
                f"stops-{index}-location": stop.location_id,
                f"stops-{index}-arrival_offset_hours": stop.arrival_offset_hours,
                f"stops-{index}-dwell_hours": stop.dwell_hours,
            }
        )
    data["stops-2-arrival_offset_hours"] = "21"  # Huu Nghi before Youyiguan is left

    response = client.post(reverse("admin:scheduling_line_change", args=[line.pk]), data)

    assert response.status_code == 200
    assert "Stop 3 (Huu Nghi) is reached at 21" in response.content.decode()
    assert line.stops.get(sequence=3).arrival_offset_hours == Decimal(25)


def test_admin_vehicle_list_warns_of_expiring_and_missing_permits(client, staff, carrier):
    soon = Vehicle.objects.create(
        carrier=carrier,
        plate="SOON1",
        registration_country="CN",
        vehicle_type="box_truck",
        capacity_kg=10000,
        capacity_m3=40,
    )
    VehiclePermit.objects.create(
        vehicle=soon,
        kind="gms_cbta",
        number="P-SOON",
        valid_from=date(2026, 1, 1),
        valid_until=timezone.localdate() + timedelta(days=10),
    )
    Vehicle.objects.create(
        carrier=carrier,
        plate="NONE1",
        registration_country="CN",
        vehicle_type="box_truck",
        capacity_kg=10000,
        capacity_m3=40,
    )
    client.force_login(staff)

    html = client.get(reverse("admin:scheduling_vehicle_changelist")).content.decode()

    assert "expires" in html and "none valid" in html


def test_admin_pages_of_scheduling_open(client, staff, trips):
    client.force_login(staff)

    for name in [
        "line",
        "timetable",
        "trip",
        "vehicle",
        "driver",
        "booking",
        "location",
        "bordercrossing",
    ]:
        assert client.get(reverse(f"admin:scheduling_{name}_changelist")).status_code == 200, name
    assert (
        client.get(reverse("admin:scheduling_trip_change", args=[trips[0].pk])).status_code == 200
    )
