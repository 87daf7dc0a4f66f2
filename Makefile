# HER2 assistant. The two commands: `make run` and `make test` (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
# Rasa with the project's run-time fixes (rasa_fixes/, checked against the pinned version).
RASA        := $(PY) -m ops rasa
INSTALLED   := $(VENV)/.installed
export RASA_PORT   ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT    ?= 8080
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: help install train run shell test test-unit test-rasa test-system lint validate bench clean

help:
	@echo "make run    install if needed, train if needed, start everything, print the chat URL"
	@echo "make test   validate data, train, run every test (what CI runs)"
	@echo "  make test-unit    lint, then the unit tier: no model, no servers (tests/unit)"
	@echo "  make test-rasa    the trained model in process (tests/integration, held-out NLU)"
	@echo "  make test-system  servers, browser, channels, reliability, cluster (tests/system)"
	@echo "make shell  chat in the terminal (rasa shell + action server)"

install: $(INSTALLED)

# The pinned dependencies, then the project's own packages (pyproject.toml) in editable
# mode: every script, server and test imports them by name, with no sys.path edits.
$(INSTALLED): requirements.txt requirements-lock.txt pyproject.toml
	@py=$$(scripts/find_python.sh) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --upgrade "pip==24.2"
	$(PY) -m pip install --quiet -r requirements.txt -c requirements-lock.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

train: $(INSTALLED)
	@scripts/train_if_needed.sh

# The chat widget, pinned with its integrity hash in web/package-lock.json.
WEB_BUNDLE := web/node_modules/rasa-webchat/lib/index.js
$(WEB_BUNDLE): web/package.json web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

run: train $(WEB_BUNDLE)
	@$(PY) -m ops run

shell: train
	@$(PY) -m ops shell

validate: $(INSTALLED)
	$(RASA) data validate --fail-on-warnings

# Every test: lint, then scripts/test.sh (data validation, training if needed, the stack on
# test ports, stories, held-out NLU, bench smoke, then pytest over all three tiers).
test: $(INSTALLED) lint
	@scripts/test.sh

# The tiers, one at a time (pytest.ini, tests/*/conftest.py). Each prints what it ran and
# how long it took.
PYTEST := $(VENV)/bin/pytest -p no:cacheprovider -ra -q
# $(call timed,NAME): the rest of the recipe line runs in bash -e; on exit it prints NAME,
# passed or FAILED, and the seconds it took.
timed = t0=$$(date +%s.%N); trap 'rc=$$?; printf "==> %s %s in %.0f s\n" "$(1)" \
	"$$([ $$rc = 0 ] && echo passed || echo FAILED)" "$$(awk "BEGIN{print $$(date +%s.%N) - $$t0}")"' EXIT; set -e;
step = echo; echo "==> $(1)"

# Lint and format check (ruff, configured in ruff.toml; .pre-commit-config.yaml).
lint: $(INSTALLED)
	@$(call timed,make lint) \
	$(call step,ruff check); $(VENV)/bin/ruff check --quiet .; \
	$(call step,ruff format --check); $(VENV)/bin/ruff format --check --quiet .

# Lint, then the unit tier: in process, no model, no servers, no network
# (tests/unit/conftest.py refuses them).
test-unit: $(INSTALLED) lint
	@$(call timed,make test-unit) \
	$(call step,pytest tests/unit (no model, no servers)); $(PYTEST) tests/unit

# The trained model in process (trains first if its inputs changed), and the held-out NLU check.
test-rasa: train
	@$(call timed,make test-rasa) \
	$(call step,pytest tests/integration (the trained model in process)); $(PYTEST) tests/integration; \
	$(call step,held-out NLU evaluation (tests/nlu/holdout.yml)); \
	$(RASA) test nlu --model models/her2-assistant.tar.gz --nlu tests/nlu/holdout.yml --out results/nlu; \
	$(PY) scripts/nlu_report.py results/nlu --check

# Servers, the browser, channels over HTTP, reliability, the cluster. The stack tests start
# one stack on free ports for the session (tests/system/conftest.py); the others start their own.
test-system: train $(WEB_BUNDLE)
	@$(call timed,make test-system) \
	$(call step,browser and page dependencies); scripts/ensure_browser.sh; \
	$(call step,pytest tests/system (servers, browser, channels, reliability, cluster)); \
	$(PYTEST) tests/system

clean:
	rm -rf models var .run results

# Benchmark (bench/, docs/performance.md): trains config.yml and Rasa's default config,
# load-tests both with Locust, writes bench/results/latest.{json,md} and latency.png.
bench: $(INSTALLED) $(WEB_BUNDLE)
	@scripts/bench.sh $(BENCH_ARGS)
	@# Scaling table (docs/deploying.md): 1, 2 and 3 replicas behind nginx.
	@.venv-bench/bin/python bench/scaling.py

# Seconds, no training: the trained model under a tiny load (part of `make test`).
.PHONY: bench-smoke
bench-smoke: $(INSTALLED)
	@scripts/bench.sh --smoke

# Reliability soak (not part of `make test`): a few minutes of conversations against a
# private stack; fails on any error or on resident-memory growth over the bound.
soak: train
	@$(PY) scripts/soak.py $(SOAK_ARGS)

# Privacy: delete one conversation's stored events (make forget SENDER=<conversation id>).
forget: $(INSTALLED)
	@test -n "$(SENDER)" || { echo "usage: make forget SENDER=<conversation id>" >&2; exit 2; }
	@$(PY) scripts/delete_conversation.py "$(SENDER)"
.PHONY: soak forget

# Content review (README.md, "Adding content"): the questions the assistant abstained on, fell
# back on or got a "No" for, from the tracker store, grouped and counted, without conversation
# ids (make review REVIEW_ARGS="--since 2026-11-01 --until 2026-11-30 --out report.md").
review: $(INSTALLED)
	@$(PY) scripts/review.py $(REVIEW_ARGS)
.PHONY: review

# Scale-out deployment (docs/deploying.md): PostgreSQL tracker store, Redis lock
# store, nginx in front of 2 Rasa replicas and 2 action servers; Ctrl-C stops all of it.
run-cluster: train $(WEB_BUNDLE)
	@scripts/run_cluster.sh
.PHONY: run-cluster
