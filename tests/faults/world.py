"""The fault tests' data, run as a Django program against a private database.

    python -m tests.faults.world seed <receiver ports>  # build it; print the world as JSON
    python -m tests.faults.world events <world.json> <events.json> [count]
    python -m tests.faults.world reference <world.json> <events.json> [n ...]  # without faults
    python -m tests.faults.world snapshot               # the database's state as JSON

The world: a carrier running six trips Chongqing → Hanoi that left about a day ago,
ten shipments on each, placed by two shippers; the carrier and both shippers have
a webhook endpoint, each on a receiver of its own (one port per member, in that order). The snapshot
names everything by what is the same in every copy of the seeded database (event
ids as posted, tracking numbers, seeded ids), so a faulty run and the fault-free
reference compare equal when every event was applied exactly once.
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import django

SHIPMENTS = 60
TRIP_CODES = [
    # (code, place, hours before now)
    ("departed_origin", "chongqing", 28),
    ("arrived_border", "youyiguan", 12),
    ("crossed_border", "youyiguan", 9),
    ("departed_stop", "huu_nghi", 7),
    ("arrived_destination", "hanoi", 2),
]
REASONS = ["customs_hold", "border_congestion", "damage", "breakdown", "other"]


def seed(receiver_ports: list[int]) -> dict:
    from alliance.constants import ApiScope, BusinessRole
    from orders.models import Shipment
    from scheduling import services as scheduling
    from tests.factories import MemberFactory, UserFactory, api_key_for
    from tests.network import build_network, make_line, make_timetable
    from tests.orders.helpers import make_tariff
    from tests.tracking.journey import book_shipment, move_trip_to_the_past
    from tracking.notifications import webhooks

    network = build_network()
    carrier = MemberFactory(country="CN", business_roles=[BusinessRole.CARRIER])
    line = make_line(network, carrier)
    make_timetable(line, weekdays=tuple(range(7)))
    make_tariff(line)
    scheduling.trips_generate()
    shippers = [MemberFactory(country="VN"), MemberFactory(country="TH")]
    for shipper in shippers:
        UserFactory(member=shipper)
    for index in range(SHIPMENTS):
        book_shipment(network, shippers[index % 2], network.chongqing, network.hanoi)
    trips = sorted(
        {s.booking.trip for s in Shipment.objects.select_related("booking__trip")},
        key=lambda trip: trip.departure_at,
    )
    for trip in trips:
        move_trip_to_the_past(trip, hours_ago=30)
    _key, raw = api_key_for(carrier, scopes=[ApiScope.EVENTS_WRITE, ApiScope.TRIPS_READ])
    endpoints = {}
    for member, port in zip((carrier, *shippers), receiver_ports, strict=True):
        endpoint, _secret = webhooks.endpoint_create(
            member=member, url=f"http://127.0.0.1:{port}/hooks/{member.pk}"
        )
        endpoints[member.pk] = endpoint.pk
    return {
        "api_key": raw,
        "carrier": carrier.pk,
        "shippers": [shipper.pk for shipper in shippers],
        "endpoints": endpoints,
        "places": {
            name: getattr(network, name).pk
            for name in ("chongqing", "youyiguan", "huu_nghi", "hanoi")
        },  # fmt: skip
        "trips": {
            trip.pk: sorted(
                Shipment.objects.filter(booking__trip=trip).values_list(
                    "tracking_number", flat=True
                )
            )
            for trip in trips
        },
    }


def events(world: dict, count: int) -> list[dict]:
    """``count`` valid carrier events for the bulk endpoint, each with its own event id: the
    trips' journeys, and per shipment exceptions, their resolutions and notes."""
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)

    def at(hours: float) -> str:
        return (now - timedelta(hours=hours)).isoformat()

    made = []
    for trip_id, _numbers in world["trips"].items():
        for code, place, hours in TRIP_CODES:
            made.append(
                {
                    "event_id": f"trip-{trip_id}-{code}",
                    "trip": int(trip_id),
                    "code": code,
                    "occurred_at": at(hours),
                    "location": world["places"][place],
                }
            )
    numbers = [number for numbers in world["trips"].values() for number in numbers]
    per_shipment = (count - len(made)) // len(numbers)
    extra = (count - len(made)) % len(numbers)
    for index, number in enumerate(numbers):
        mine = per_shipment + (1 if index < extra else 0)
        for n in range(mine):
            hours = 20 - 18 * n / max(mine, 1)
            kind = n % 16
            event = {"event_id": f"{number}-{n}", "shipment": number, "occurred_at": at(hours)}
            if kind == 0:
                event.update(code="exception", reason=REASONS[(n // 16) % len(REASONS)])
            elif kind == 1:
                event.update(code="exception_resolved", reason=REASONS[(n // 16) % len(REASONS)])
            else:
                event.update(code="note", remarks=f"Seal checked, reading {n}")
            made.append(event)
    return made


def snapshot() -> dict:
    from orders.models import Shipment
    from scheduling.models import Trip, TripStop
    from tracking.models import ExceptionCase, TimelineEntry, TrackingEvent
    from tracking.notifications.models import (
        EmailDigest,
        InAppNotification,
        Notification,
        WebhookDelivery,
    )

    external = dict(TrackingEvent.objects.values_list("pk", "external_id"))

    def cause(key: str) -> str:
        parts = key.split(":")
        if parts[0] == "event":  # event:<pk>:shipment:<id>, named by the posted event id
            parts[1] = external.get(int(parts[1]), parts[1])
        return ":".join(parts)

    notifications = {
        n.pk: f"{n.member_id}:{cause(n.dedupe_key)}"
        for n in Notification.objects.only("pk", "member_id", "dedupe_key")
    }
    timeline: dict[str, int] = {}
    for number, code, event_id in TimelineEntry.objects.values_list(
        "shipment__tracking_number", "code", "event_id"
    ):
        key = f"{number}:{code}:{external.get(event_id)}"
        timeline[key] = timeline.get(key, 0) + 1
    return {
        "events": sorted(external.values()),
        "unapplied": TrackingEvent.objects.filter(applied_at__isnull=True).count(),
        "statuses": dict(Shipment.objects.values_list("tracking_number", "status")),
        "orders": dict(Shipment.objects.values_list("tracking_number", "order__status")),
        "trips": {str(pk): status for pk, status in Trip.objects.values_list("pk", "status")},
        "stops": {
            f"{trip}:{sequence}": [_iso(arrival), _iso(departure)]
            for trip, sequence, arrival, departure in TripStop.objects.values_list(
                "trip_id", "sequence", "actual_arrival", "actual_departure"
            )
        },
        "timeline": timeline,
        "open_exceptions": sorted(
            f"{number}:{reason}"
            for number, reason in ExceptionCase.objects.filter(
                resolved_at__isnull=True
            ).values_list("shipment__tracking_number", "reason")
        ),
        "notifications": sorted(notifications.values()),
        "in_app": sorted(
            f"{notifications[nid]}:{user}"
            for nid, user in InAppNotification.objects.values_list("notification_id", "user_id")
        ),
        "deliveries": sorted(
            f"{endpoint}:{notifications[nid]}"
            for endpoint, nid in WebhookDelivery.objects.values_list(
                "endpoint_id", "notification_id"
            )
        ),
        "delivery_ids": {
            str(nid): [status, attempts]
            for nid, status, attempts in WebhookDelivery.objects.values_list(
                "notification_id", "status", "attempts"
            )
        },
        "digests_unsent": EmailDigest.objects.filter(sent_at__isnull=True).count(),
        "digests_sent": EmailDigest.objects.filter(sent_at__isnull=False).count(),
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def reference(world: dict, made: list[dict], prefixes: list[int]) -> dict[int, dict]:
    """Post the events through the API in this process, then apply them here in the batches the
    API queues, nothing failing; the state after each prefix of ``prefixes`` events (multiples
    of 1,000). No broker: notifications are made, but nothing is sent."""
    from django.test import Client

    from tracking.apply import events_apply
    from tracking.dispatch import APPLY_CHUNK
    from tracking.models import TrackingEvent

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {world['api_key']}", HTTP_HOST="127.0.0.1")
    states = {}
    for start in range(0, max(prefixes), 1000):
        response = client.post(
            "/api/v1/events/bulk/",
            {"events": made[start : start + 1000]},
            content_type="application/json",
            secure=True,
        )
        answer = response.json()
        if response.status_code != 200 or answer.get("created") != len(made[start : start + 1000]):
            errors = [r for r in answer.get("results", []) if r.get("result") == "error"][:3]
            raise SystemExit(f"the reference refused events: {response.status_code} {errors}")
        ids = [result["id"] for result in answer["results"]]
        for chunk in range(0, len(ids), APPLY_CHUNK):
            events_apply(event_ids=ids[chunk : chunk + APPLY_CHUNK])
        if start + 1000 in prefixes:
            if TrackingEvent.objects.filter(applied_at__isnull=True).exists():
                raise SystemExit("the reference itself left events unapplied")
            states[start + 1000] = snapshot()
    return states


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")
    django.setup()
    command = argv[0]
    if command == "seed":
        print(json.dumps(seed([int(port) for port in argv[1:]])))
    elif command == "events":
        world = json.loads(Path(argv[1]).read_text())
        count = int(argv[3]) if len(argv) > 3 else 10_000
        Path(argv[2]).write_text(json.dumps(events(world, count)))
    elif command == "reference":
        world = json.loads(Path(argv[1]).read_text())
        made = json.loads(Path(argv[2]).read_text())
        print(json.dumps(reference(world, made, [int(n) for n in argv[3:]] or [len(made)])))
    elif command == "snapshot":
        print(json.dumps(snapshot()))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
