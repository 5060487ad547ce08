# Quick start: `make run` serves on http://127.0.0.1:5000 (`make run PORT=5001` elsewhere);
# `make test` runs the whole suite.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOCKETIO_CLIENT := 4.8.4

.PHONY: run test lint format test-tools bench static-vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(STAMP)
	$(BIN)/workshop serve --port $(PORT)

# Two workers (pytest-xdist): the suite runs on SQLite and PostgreSQL, and a module's tests
# stay on one worker (--dist loadscope), each worker with its own servers and cluster.
test: $(STAMP) test-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadscope

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# In CI (CI=true) the browser, scale-out, deployment, PostgreSQL and slow-disk tests must run:
# install Debian's Chromium, Redis, nginx, PostgreSQL, strace and faketime. Elsewhere, those
# tests skip with a reason when the tools are missing.
test-tools:
	@if [ -n "$$CI" ]; then \
	  missing=""; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	  command -v nginx >/dev/null || missing="$$missing nginx"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v strace >/dev/null || missing="$$missing strace"; \
	  command -v faketime >/dev/null || missing="$$missing faketime"; \
	  if [ -n "$$missing" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  fi; \
	fi

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run

# Refresh the pinned socket.io browser client (and its licence) from its npm package.
static-vendor:
	rm -rf build/socket.io-client && mkdir -p build/socket.io-client static/vendor
	cd build/socket.io-client && npm pack --silent socket.io-client@$(SOCKETIO_CLIENT) && tar xzf socket.io-client-$(SOCKETIO_CLIENT).tgz
	cp build/socket.io-client/package/dist/socket.io.min.js static/vendor/socket.io.min.js
	cp build/socket.io-client/package/LICENSE static/vendor/socket.io.LICENSE

clean:
	rm -rf $(VENV) build *.egg-info
