"""gunicorn settings shared by `make stack` and the Docker image (`-c python:config.gunicorn_conf`).

Only the Prometheus hook lives here; bind address and worker count stay on the command line.
"""

from config.observability.metrics import mark_process_dead


def child_exit(server, worker):
    # A worker that exits leaves its series files behind; its live gauges must stop counting.
    mark_process_dead(worker.pid)
