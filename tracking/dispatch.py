"""Telling the workers about stored events: at once, or gathered over a short window.

Publishing one Celery message costs a web process about a millisecond of CPU (Celery
builds the message, kombu a Redis client), as much as the rest of a single event's
request. With ``TRACKING_PUBLISH_WINDOW`` above zero, a process hands the ids it stored
to a publisher thread instead: the first after a quiet spell goes out at once, and those
stored within the next window go out together, as one task, when it ends. A carrier
posting one event at a time then costs one message per window per process, not one per
event, and a quiet platform sees no delay at all.

Holding ids in memory for that long puts nothing at risk: the events are stored before
their ids get here. Ids still held when the process exits are sent on the way out; any
a killed process takes with it are applied by the sweep (``tracking.tasks.SWEEP_AFTER``),
as are those published while the broker was down.
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

APPLY_CHUNK = 200  # events per task: the size the sweep applies in, too


def publish(event_ids: list[int]) -> None:
    """Queue applying of these events now, in tasks of at most ``APPLY_CHUNK``."""
    from tracking import tasks

    for start in range(0, len(event_ids), APPLY_CHUNK):
        chunk = event_ids[start : start + APPLY_CHUNK]
        try:
            # No publish retries: a request must not hang on a broker that is down.
            tasks.apply_events.apply_async(kwargs={"event_ids": chunk}, retry=False)
        except Exception:
            logger.warning("broker unavailable; %s events left to the sweeper", len(chunk))
            return


class Gatherer:
    """One process's publisher thread: sends what it was given at most once a window."""

    def __init__(self, window: float):
        self.window = window
        self._held: list[int] = []
        self._wake = threading.Condition()
        self._last_sent = float("-inf")
        self._thread = threading.Thread(target=self._run, name="tracking-publish", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def add(self, event_ids: list[int]) -> None:
        with self._wake:
            self._held.extend(event_ids)
            self._wake.notify()

    def flush(self) -> None:
        """Send every id held now (the thread does at each window's end; exit does too)."""
        with self._wake:
            held, self._held = self._held, []
            self._last_sent = time.monotonic()
        if held:
            publish(held)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._held:
                    self._wake.wait()
                due = self._last_sent + self.window
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                self.flush()
            except Exception:  # the thread must outlive any one failure; the sweep catches up
                logger.exception("publishing stored events failed; the sweeper will apply them")


_gatherer: Gatherer | None = None
_gatherer_pid: int | None = None
_gatherer_lock = threading.Lock()


def _gatherer_of_this_process(window: float) -> Gatherer:
    global _gatherer, _gatherer_pid
    # A forked child (a gunicorn worker from a preloaded master) has no thread of its own yet.
    with _gatherer_lock:
        if _gatherer is None or _gatherer_pid != os.getpid() or _gatherer.window != window:
            _gatherer, _gatherer_pid = Gatherer(window), os.getpid()
        return _gatherer


def send(event_ids: list[int]) -> None:
    """Have the stored events applied: published now, or within ``TRACKING_PUBLISH_WINDOW``."""
    from tracking import tasks

    window = settings.TRACKING_PUBLISH_WINDOW
    # Eager tasks (``make run``, most tests) run in the caller: there is no message to save.
    if window <= 0 or tasks.apply_events.app.conf.task_always_eager:
        publish(event_ids)
    else:
        _gatherer_of_this_process(window).add(event_ids)
