#!/bin/sh
# web: migrate, then serve with gunicorn; worker / beat: the Celery processes.
set -e
case "$1" in
  web)
    python manage.py migrate --noinput
    # The metrics directory is shared with the worker container; the web starting afresh
    # drops the series files of processes that are gone.
    if [ -n "$PROMETHEUS_MULTIPROC_DIR" ]; then
      mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
    fi
    exec gunicorn config.wsgi -c python:config.gunicorn_conf --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-3}" --access-logfile -
    ;;
  worker)
    if [ -n "$PROMETHEUS_MULTIPROC_DIR" ]; then mkdir -p "$PROMETHEUS_MULTIPROC_DIR"; fi
    exec celery -A config worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    exec celery -A config beat --loglevel INFO --schedule /tmp/celerybeat-schedule
    ;;
  *)
    exec "$@"
    ;;
esac
