"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection has heard nothing from the server.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection with ``SELECT 1`` before the
first query of every request: a round trip each time, a tenth of a carrier's event post.
A connection the server has dropped has something waiting on its socket: the server's
last word (a restart or an administrator's terminate sends a FATAL message before
closing) or the end of the stream. Between requests a healthy connection has nothing
to read, as every result was read to the end; only a connection with something waiting
is asked with ``SELECT 1``. A peer that vanished without a word (a host lost with its
network) answers neither check quickly, so nothing is given up against ``SELECT 1``.
"""

import select

from django.db.backends.postgresql import base

Database = base.Database


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and not self._server_has_spoken()
        ):
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
