# Alur: the two commands of the README, plus the benchmark.
# Everything installs into .venv; system packages come from Debian (apt-get, as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ALUR := $(BIN)/alur
TEST_DEBS := postgresql postgresql-client redis-server tesseract-ocr tesseract-ocr-ind chromium docker-compose libreoffice-draw-nogui libreoffice-writer-nogui
RUN_DEBS := tesseract-ocr tesseract-ocr-ind
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test bench install install-test system-deps-run system-deps-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The runtime dependencies at the versions in requirements.lock (what the Docker image installs), so a
# fresh clone runs what was tested, not whatever a registry released since.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]' -c requirements.lock
	touch $@

install: $(VENV)/.installed

system-deps-run:
	@scripts/apt-install.sh $(RUN_DEBS)

system-deps-test:
	@scripts/apt-install.sh $(TEST_DEBS)

run: install system-deps-run
	$(ALUR) db upgrade
	$(ALUR) deploy bpmn/*.bpmn
	$(ALUR) demo
	@scripts/run-banner.sh http://$(HOST):$(PORT)/
	$(ALUR) serve --with-worker --host $(HOST) --port $(PORT)

# The suite runs twice: on the embedded stack (SQLite and PostgreSQL, local archive and S3, both brokers),
# then on the production path alone, configured with docker-compose's variables (tests/stack.py).
test: install system-deps-test
	$(BIN)/pytest -q
	ALUR_TEST_STACK=production $(BIN)/pytest -q

bench: install system-deps-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) data test-artifacts .pytest_cache
