"""Many threads, each on its own PostgreSQL connection, doing one thing at the same moment."""

import threading

from django.db import connection


def race(work, *, racers: int) -> list:
    """Run ``work(number)`` in ``racers`` threads released together; their results or errors."""
    barrier = threading.Barrier(racers)
    results: list = []

    def racer(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work(number))
        except BaseException as error:  # every outcome must be an answer, never a crash
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
