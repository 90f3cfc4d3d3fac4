"""API-key request cost: latency and queries of GET /api/v1/members/me/ and the directory.

Run with `make bench` (needs DATABASE_URL or the embedded PostgreSQL). Creates a
throw-away database, 500 members, then times requests through the full Django
stack (middleware, authentication, serialisation) in-process.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

REQUESTS = 300


def measure(client: APIClient, path: str) -> tuple[float, float, int]:
    client.get(path)  # warm caches and the connection
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)], len(queries)


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from tests.factories import MemberFactory, api_key_for

        members = MemberFactory.create_batch(500)
        _key, raw = api_key_for(members[0])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        print(f"{'request':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for path in [
            "/api/v1/members/me/",
            "/api/v1/members/?limit=50",
            "/api/v1/members/?q=Lorry",
        ]:
            median, p95, queries = measure(client, path)
            print(f"GET {path:<36} {median:>10.2f} {p95:>8.2f} {queries:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
