# The two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# When DATABASE_URL is unset, start the private PostgreSQL under var/ and use it.
WITH_DATABASE = if [ -z "$$DATABASE_URL" ]; then \
	  DATABASE_URL="$$($(BIN)/python -W ignore -m config.embedded_postgres url)" || exit 1; \
	  export DATABASE_URL; EMBEDDED=1; fi

.PHONY: install run test lint audit stack bench load messages clean-db

NODE_STAMP := node_modules/.installed-stamp

$(STAMP): pyproject.toml $(NODE_STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# htmx and the consignment note's fonts come from the npm registry and are served locally.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel error
	@touch $(NODE_STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(WITH_DATABASE); \
	trap 'if [ -n "$$EMBEDDED" ]; then echo "Stopping the embedded PostgreSQL"; $(BIN)/python -W ignore -m config.embedded_postgres stop; fi' EXIT; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py seed_demo && \
	if [ -z "$$CELERY_BROKER_URL" ]; then echo "No CELERY_BROKER_URL: tasks run in-process; periodic jobs run only under 'make stack'."; fi && \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# --dist loadgroup: the fault tests (tests/faults, xdist group "faults") run one after another
# on one worker, as they stop and restart servers of their own; the rest spreads as before.
test: $(STAMP)
	@$(WITH_DATABASE); \
	$(BIN)/ruff check . && \
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test && \
	$(BIN)/pytest -n $${TEST_WORKERS:-2} --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Known vulnerabilities in the installed dependencies (pip-audit against PyPI's advisories);
# accepted ones, each with a reason and an expiry date, are in audit-ignore.toml.
audit: $(STAMP)
	$(BIN)/python -m config.audit

# Production-shaped processes without Docker: gunicorn, a Celery worker, one for webhooks (their
# own queue: threads, as they mostly wait on other servers) and Celery beat. All of them write their
# Prometheus series into one directory (emptied at each start), which /metrics reads.
stack: $(STAMP)
	@$(WITH_DATABASE); \
	export CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}"; \
	export PROMETHEUS_MULTIPROC_DIR="$${PROMETHEUS_MULTIPROC_DIR:-$(CURDIR)/var/prometheus}"; \
	rm -rf "$$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$$PROMETHEUS_MULTIPROC_DIR"; \
	trap 'kill $$(jobs -p) 2>/dev/null; wait; if [ -n "$$EMBEDDED" ]; then $(BIN)/python -W ignore -m config.embedded_postgres stop; fi' EXIT; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	$(BIN)/python manage.py seed_demo && \
	{ $(BIN)/gunicorn config.wsgi -c python:config.gunicorn_conf --bind 127.0.0.1:8000 --workers 3 --access-logfile - & \
	  $(BIN)/celery -A config worker --loglevel INFO --concurrency 2 & \
	  $(BIN)/celery -A config worker --loglevel INFO --queues "$${WEBHOOK_QUEUE:-webhooks}" --pool threads --concurrency 16 --hostname webhooks@%h & \
	  $(BIN)/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule & \
	  wait; }

bench: $(STAMP)
	@$(WITH_DATABASE); \
	for script in tests/bench/bench_*.py; do $(BIN)/python "$$script" || exit 1; done

# The mixed load test alone (locust against gunicorn and a Celery worker): LOAD_ARGS=--quick for a dry run.
load: $(STAMP)
	@$(WITH_DATABASE); \
	$(BIN)/python tests/bench/bench_load.py $(LOAD_ARGS)

# Regenerate the translation catalogues after changing strings (needs GNU gettext).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --no-obsolete \
	  --locale zh_Hans --locale vi --locale th --locale lo --locale ms --locale my \
	  --ignore ".venv/*" --ignore "var/*" --ignore "node_modules/*" --ignore "tests/*"
	$(BIN)/python manage.py compilemessages --ignore ".venv/*" --ignore "node_modules/*"

clean-db:
	-$(BIN)/python -W ignore -m config.embedded_postgres stop
	rm -rf var/postgres
