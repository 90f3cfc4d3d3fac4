"""The users of the mixed load test, for locust: carriers, members and the public.

``bench_load.py`` prepares the database and writes what the simulated users need
(API keys, trips and their stops, members' sign-ins, orders and shipments,
tracking numbers) into a JSON file named by ``LOAD_MIX_DATA``; it runs
``locust -f tests/bench/load_mix.py --headless ...`` and reads the statistics back.

The weights make the mix: carriers 40 % (trip and shipment events, GPS
positions), members 35 % (orders and shipments, lists, searches, pages), the
public 25 % (the tracking page and its JSON, a few unknown numbers). Requests
are named by route, not by object, so a table has one row per endpoint.

Every answer's status is counted per endpoint and written to ``LOAD_MIX_RESULT``
when the run stops: the 5xx the bench refuses are counted even when locust
already counts them as failures, and the events accepted (201) are there to be
compared with the rows the worker applied.
"""

import itertools
import json
import os
import random
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LOAD_MIX_DATA"]).read())  # noqa: SIM115
# Behind the TLS-terminating proxy production runs behind, as it would send it.
BASE_HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}
ORIGIN = "https://127.0.0.1"
STATUSES: dict[str, Counter] = defaultdict(Counter)
_numbering = itertools.count()


@events.request.add_listener
def _count(name, response, exception, request_type, **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    STATUSES[f"{request_type} {name}"][str(status)] += 1


@events.test_stop.add_listener
def _write(**_kwargs):
    with open(os.environ["LOAD_MIX_RESULT"], "w") as out:
        json.dump({name: dict(counts) for name, counts in STATUSES.items()}, out)


def _expect(response, *statuses: int) -> None:
    """Mark an answer other than ``statuses`` a failure, with what the server said."""
    if response.status_code in statuses:
        response.success()
    else:
        response.failure(f"{response.status_code}: {response.text[:200]!r}")


class Carrier(HttpUser):
    """A carrier's telematics gateway: events of its trips and shipments, position batches.

    Each gateway has its own API key and its own clock: event times move forward
    a minute or two per event from ten hours ago (never past now), in the zone of
    the stop, and each event id is new, so every post creates an event.
    """

    weight = 40
    wait_time = between(0.5, 2.0)

    def on_start(self):
        number = next(_numbering)
        self.rng = random.Random(number)
        self.client.headers.update(BASE_HEADERS)
        key = DATA["carrier_keys"][number % len(DATA["carrier_keys"])]
        self.client.headers["Authorization"] = f"Api-Key {key}"
        self.prefix = f"load-{uuid.uuid4().hex[:10]}"
        self.sent = 0
        self.clock = datetime.now(UTC) - timedelta(hours=10, minutes=self.rng.randint(0, 60))
        self.trip = self.rng.choice(DATA["trips"])

    def _tick(self, zone_minutes: int) -> str:
        self.clock = min(
            datetime.now(UTC), self.clock + timedelta(seconds=self.rng.randint(30, 150))
        )
        zone = timezone(timedelta(minutes=zone_minutes))
        return self.clock.astimezone(zone).replace(microsecond=0).isoformat()

    def _event_id(self) -> str:
        self.sent += 1
        return f"{self.prefix}-{self.sent:06d}"

    @task(4)
    def trip_event(self):
        stop = self.rng.choice(self.trip["stops"])
        code = self.rng.choice(("arrived_stop", "departed_stop", "arrived_stop", "note"))
        body = {
            "event_id": self._event_id(),
            "code": code,
            "occurred_at": self._tick(stop["offset"]),
        }
        if code == "note":
            body["remarks"] = "Queue at the weighbridge"
        else:
            body["location"] = stop["unlocode"]
        with self.client.post(
            f"/api/v1/trips/{self.trip['id']}/events/",
            json=body,
            name="/api/v1/trips/[id]/events/",
            catch_response=True,
        ) as response:
            _expect(response, 201)

    @task(3)
    def shipment_event(self):
        number = self.rng.choice(self.trip["shipments"])
        code = self.rng.choice(("picked_up", "out_for_delivery", "exception", "note"))
        body = {
            "event_id": self._event_id(),
            "code": code,
            "occurred_at": self._tick(self.trip["stops"][0]["offset"]),
        }
        if code == "exception":
            body["reason"] = "customs_hold"
        if code == "note":
            body["remarks"] = "Consignee asked for a morning delivery"
        with self.client.post(
            f"/api/v1/shipments/{number}/events/",
            json=body,
            name="/api/v1/shipments/[tracking_number]/events/",
            catch_response=True,
        ) as response:
            _expect(response, 201)

    @task(3)
    def positions(self):
        """Ten pings 30 s apart, ending now, somewhere along the road."""
        now = datetime.now(UTC)
        zone = timezone(timedelta(minutes=self.trip["stops"][0]["offset"]))
        latitude, longitude = self.rng.uniform(18, 25), self.rng.uniform(100, 108)
        pings = []
        for index in range(10):
            at = now - timedelta(seconds=30 * (9 - index))
            pings.append(
                {
                    "recorded_at": at.astimezone(zone).replace(microsecond=0).isoformat(),
                    "latitude": f"{latitude + index * 0.002:.6f}",
                    "longitude": f"{longitude + index * 0.003:.6f}",
                    "speed_kmh": f"{self.rng.uniform(40, 80):.1f}",
                    "heading": self.rng.randint(0, 359),
                }
            )
        with self.client.post(
            f"/api/v1/trips/{self.trip['id']}/positions/",
            json={"positions": pings},
            name="/api/v1/trips/[id]/positions/",
            catch_response=True,
        ) as response:
            _expect(response, 201)


class Member(HttpUser):
    """A member's staff in the portal: signs in, lists, searches and opens orders and shipments."""

    weight = 35
    wait_time = between(1.0, 3.0)

    def on_start(self):
        number = next(_numbering)
        self.rng = random.Random(number)
        self.account = DATA["members"][number % len(DATA["members"])]
        self.client.headers.update(BASE_HEADERS)
        self._sign_in()

    def _sign_in(self):
        # Production cookies are Secure and locust speaks plain HTTP to gunicorn behind the
        # forwarded-proto header, so the cookies are sent by hand, as a browser would over TLS.
        response = self.client.get("/accounts/login/", name="/accounts/login/")
        csrf = response.cookies.get("csrftoken", "")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["email"],
                "password": self.account["password"],
                "csrfmiddlewaretoken": csrf,
            },
            headers={
                "Cookie": f"csrftoken={csrf}",
                "Origin": ORIGIN,
                "Referer": f"{ORIGIN}/accounts/login/",
            },
            allow_redirects=False,
            name="/accounts/login/ (sign in)",
            catch_response=True,
        ) as answer:
            session = answer.cookies.get("sessionid")
            if answer.status_code == 302 and session:
                answer.success()
            else:
                answer.failure(f"sign-in refused: {answer.status_code} {answer.text[:200]!r}")
        self.client.headers["Cookie"] = f"sessionid={session}; csrftoken={csrf}"

    def _get(self, path: str, name: str):
        # Not following redirects: a lost session would otherwise pass as the sign-in page.
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            _expect(response, 200)

    @task(3)
    def orders(self):
        self._get("/orders/", "/orders/")

    @task(1)
    def orders_page(self):
        self._get(f"/orders/?page={self.rng.randint(2, 4)}", "/orders/?page=[n]")

    @task(1)
    def orders_search(self):
        reference = self.rng.choice(self.account["orders"])
        self._get(f"/orders/?q={reference[-5:]}", "/orders/?q=[part]")

    @task(3)
    def order(self):
        reference = self.rng.choice(self.account["orders"])
        self._get(f"/orders/{reference}/", "/orders/[reference]/")

    @task(3)
    def shipments(self):
        self._get("/shipments/", "/shipments/")

    @task(1)
    def shipments_search(self):
        number = self.rng.choice(self.account["shipments"])
        self._get(f"/shipments/?q={number[:8]}", "/shipments/?q=[part]")

    @task(3)
    def shipment(self):
        number = self.rng.choice(self.account["shipments"])
        self._get(f"/shipments/{number}/", "/shipments/[tracking_number]/")


class Public(HttpUser):
    """Anyone with a tracking number: the page and its JSON; one look in twenty is a miss."""

    weight = 25
    wait_time = between(1.0, 3.0)

    def on_start(self):
        self.rng = random.Random(next(_numbering))
        self.client.headers.update(BASE_HEADERS)

    def _number(self) -> tuple[str, int]:
        if self.rng.random() < 0.05:
            return self.rng.choice(DATA["unknown_numbers"]), 404
        return self.rng.choice(DATA["public_numbers"]), 200

    @task(1)
    def page(self):
        number, status = self._number()
        with self.client.get(
            f"/track/{number}/", name="/track/[tracking_number]/", catch_response=True
        ) as response:
            _expect(response, status)

    @task(1)
    def data(self):
        number, status = self._number()
        with self.client.get(
            f"/api/v1/public/track/{number}/",
            name="/api/v1/public/track/[tracking_number]/",
            catch_response=True,
        ) as response:
            _expect(response, status)
