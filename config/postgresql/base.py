"""Django's PostgreSQL backend, with two costs of every request taken out.

*The health check asks only when it has to.* With ``CONN_HEALTH_CHECKS`` Django checks a
kept connection with ``SELECT 1`` before the first query of every request: a round trip
each time. A connection the server has dropped mostly has something waiting on its
socket: the server's last word (a restart or an administrator's terminate sends a FATAL
message before closing) or the end of the stream, while a healthy one in use has nothing
to read between requests, as every result was read to the end. So a connection used in
the last ``ASK_AFTER_IDLE`` seconds with nothing waiting is taken as it is; one with
something waiting, or quiet for longer, is asked with ``SELECT 1`` as Django does. What
this gives up: a peer gone without a word while requests keep coming (its address taken
over by a standby, or its host restarted within those seconds) answers the next query with
a reset, and that request gets the clean 503 with ``Retry-After`` (``config.exceptions``)
that Django's check would have spared it; the connection is then replaced.

*Timestamps are parsed in C.* Django reads ``timestamptz`` with a subclass of psycopg's
pure-Python loader (to pin the zone it returns), about 3.5 µs a value where psycopg's
C loader takes 0.15; a page of a shipment's timeline reads hundreds. The same values
come back, aware and in UTC.
"""

import select
import time
from datetime import UTC

from django.db.backends.postgresql import base
from psycopg import adapters
from psycopg.adapt import AdaptersMap, Loader
from psycopg.pq import Format

Database = base.Database

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
# psycopg's own loader: its C implementation where psycopg[binary] or [c] is installed.
FAST_TIMESTAMPTZ_LOADER = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """What Django's loader returns for a connection in UTC, parsed by psycopg's loader."""

    timezone = UTC  # Django's cursors compare it to the connection's before re-registering

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._parse = FAST_TIMESTAMPTZ_LOADER(oid, context).load

    def load(self, data):
        return self._parse(data).replace(tzinfo=UTC)


class DatabaseWrapper(base.DatabaseWrapper):
    ASK_AFTER_IDLE = 10.0  # seconds

    _last_checked = float("-inf")

    def get_connection_params(self):
        params = super().get_connection_params()
        if self.timezone == UTC and "context" in params:
            # A map of this connection's own: Django's template is cached and shared.
            params["context"] = AdaptersMap(params["context"])
            params["context"].register_loader("timestamptz", UtcTimestamptzLoader)
        return params

    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        now = time.monotonic()
        recently = now - self._last_checked < self.ASK_AFTER_IDLE
        self._last_checked = now
        if recently and not self.pool and not self._server_has_spoken():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _server_has_spoken(self) -> bool:
        """Whether anything waits to be read on the connection's socket (or it cannot tell)."""
        try:
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLIN)
            return bool(poller.poll(0))
        except (OSError, ValueError, Database.Error):
            return True
