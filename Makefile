# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Proxies (addresses or networks, comma-separated) whose X-Forwarded-For Uvicorn believes; empty:
# none, and the client IP the login limits count is the peer's own.
FORWARDED_ALLOW_IPS ?=
EVENT ?= PAUSED
TEMPLATE ?= order_update
QUALITY ?= RED

.PHONY: run webhook graph test lint bench bench-body migrate demo schema clean

# The local server and `make webhook` share a development secret; production sets its own.
run webhook: export WHATSAPP_WEBHOOK_APP_SECRET ?= dev-app-secret
run webhook: export WHATSAPP_WEBHOOK_VERIFY_TOKEN ?= dev-verify-token
# "Sync from Meta" talks to the local stand-in `make graph` serves, unless told otherwise.
GRAPH_PORT ?= 8100
run: export GRAPH_API_BASE_URL ?= http://127.0.0.1:$(GRAPH_PORT)
# No task worker runs beside `make run`: each delivery is applied before Meta is answered.
run: export WEBHOOK_PROCESSING ?= sync

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

migrate: $(VENV)/.runtime-installed
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_data

# The banner waits in the background until the server answers, so it is printed last.
run: demo
	@$(PY) manage.py announce_server --url http://$(HOST):$(PORT)/ &
	$(PY) -m uvicorn pytake.asgi:application --host $(HOST) --port $(PORT) --lifespan off \
	    --forwarded-allow-ips "$(FORWARDED_ALLOW_IPS)"

# Sends a signed Meta-shaped event to the server `make run` started: make webhook EVENT=REINSTATED
webhook: $(VENV)/.runtime-installed
	$(PY) manage.py send_test_webhook $(EVENT) $(TEMPLATE) $(if $(filter QUALITY,$(EVENT)),--quality $(QUALITY)) \
	    --url http://$(HOST):$(PORT)/api/v1/whatsapp/webhook/

# A local stand-in for Meta's Graph API, serving the demo's templates (see README);
# BLOCK="<waba or number id> …" makes Meta's health check answer BLOCKED for them.
graph: demo
	$(PY) manage.py fake_graph_api --port $(GRAPH_PORT) --store-token --falling-read-rate welcome \
	    $(if $(FILE),--file $(FILE)) $(foreach id,$(BLOCK),--block $(id))

test: $(VENV)/.dev-installed
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

schema: $(VENV)/.runtime-installed
	$(PY) manage.py spectacular --validate --fail-on-warn --file schema.yml

bench: $(VENV)/.dev-installed
	$(PY) -m bench
	$(PY) -m bench.live

# The server's memory while a 500 MB POST hits the webhook, under Daphne and under Uvicorn.
bench-body: $(VENV)/.dev-installed
	$(PY) -m bench.body_limit

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
