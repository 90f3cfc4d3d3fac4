"""Cost of the orders API on the demo network: quotes, draft orders, and submission.

Run with `make bench`. Creates a throw-away database, loads the demo network,
schedule and tariffs, then times requests through the full Django stack
in-process with a member's API key: quotes on random routes, and orders
created then submitted (split, booked and priced) one after another.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

ROUNDS = 200


def routes():
    from scheduling.models import Line

    pairs = []
    for line in Line.objects.prefetch_related("stops"):
        stops = sorted(line.stops.all(), key=lambda stop: stop.sequence)
        pairs += [(stops[0].location_id, stop.location_id) for stop in stops[1:]]
    return pairs


def quote_body(pair, rng):
    return {
        "origin": pair[0],
        "destination": pair[1],
        "ready_date": (timezone.localdate() + timedelta(days=rng.randint(0, 10))).isoformat(),
        "service_kind": "ltl",
        "cargo_lines": [{"package_count": 10, "gross_kg": "800", "volume_m3": "3"}],
    }


def order_body(pair, rng, number):
    body = quote_body(pair, rng)
    return {
        "customer_reference": f"BENCH-{number}",
        "shipper_name": "重庆宗申机车工业制造有限公司",
        "shipper_address": "Ba'nan District, Chongqing",
        "shipper_country": "CN",
        "consignee_name": "Công ty TNHH Phụ tùng Hà Nội",
        "consignee_address": "Long Biên, Hà Nội",
        "consignee_country": "VN",
        "origin": body["origin"],
        "destination": body["destination"],
        "ready_date": body["ready_date"],
        "service_kind": "ltl",
        "incoterm": "DAP",
        "currency": "CNY",
        "cargo_lines": [
            {
                "description": "Motorcycle spare parts",
                "hs_code": "871410",
                "package_count": 10,
                "package_type": "carton",
                "gross_kg": "800",
                "volume_m3": "3",
                "declared_value": "50000",
                "declared_currency": "CNY",
            }
        ],
    }


def summary(label, timings, queries):
    timings.sort()
    median, p95 = statistics.median(timings), timings[int(len(timings) * 0.95)]
    print(f"{label:<44} {median:>10.1f} {p95:>8.1f} {queries:>8}")


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from alliance.constants import ApiScope
        from alliance.demo import seed_members
        from orders.demo import seed_tariffs
        from scheduling import demo
        from tests.factories import MemberFactory, api_key_for

        seed_members(password="bench-password-1")
        demo.seed_network_and_schedule()
        seed_tariffs()
        member = MemberFactory()
        _key, raw = api_key_for(member, scopes=[ApiScope.ORDERS_READ, ApiScope.ORDERS_WRITE])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        rng = random.Random(7)
        pairs = routes()
        print(f"{'request':<44} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")

        timings = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = client.post(
                "/api/v1/quotes/", quote_body(rng.choice(pairs), rng), format="json"
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        with CaptureQueriesContext(connection) as queries:
            client.post("/api/v1/quotes/", quote_body(pairs[0], rng), format="json")
        summary("POST /api/v1/quotes/", timings, len(queries))

        created, submitted = [], []
        for number in range(ROUNDS):
            body = order_body(rng.choice(pairs), rng, number)
            started = time.perf_counter()
            response = client.post(
                "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=f"bench-{number}"
            )
            middle = time.perf_counter()
            assert response.status_code == 201, response.content
            order_id = response.json()["id"]
            confirmed = client.post(f"/api/v1/orders/{order_id}/submit/")
            done = time.perf_counter()
            assert confirmed.status_code == 200, confirmed.content
            created.append((middle - started) * 1000)
            submitted.append((done - middle) * 1000)
        with CaptureQueriesContext(connection) as create_queries:
            client.post("/api/v1/orders/", order_body(pairs[0], rng, "q"), format="json")
        summary("POST /api/v1/orders/ (with Idempotency-Key)", created, len(create_queries))
        order_id = client.get("/api/v1/orders/").json()["results"][0]["id"]
        with CaptureQueriesContext(connection) as submit_queries:
            client.post(f"/api/v1/orders/{order_id}/submit/")
        summary("POST /api/v1/orders/{id}/submit/", submitted, len(submit_queries))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
