# Vertelpunt. `make chat` to talk to the bot, `make test` to run every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test install lint typecheck clean serve browser

# pip's own output goes to INSTALL_LOG, shown only when something fails.
INSTALL_LOG := $(VENV)/install.log
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
SHOW_LOG_ON_FAILURE = || { cat $(INSTALL_LOG) >&2; echo "make install failed (log: $(INSTALL_LOG))" >&2; exit 1; }

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@echo "Installing Vertelpunt into $(VENV) (a few minutes the first time) ..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@: > $(INSTALL_LOG)
	@echo "  pip ..."
	@$(PIP) --upgrade pip >> $(INSTALL_LOG) 2>&1 $(SHOW_LOG_ON_FAILURE)
	@echo "  Vertelpunt and its dependencies ..."
	@$(PIP) -e '.[test]' >> $(INSTALL_LOG) 2>&1 $(SHOW_LOG_ON_FAILURE)
	@touch $(STAMP)
	@echo "done"

install: $(STAMP)

# The Rasa NLU service (make nlu, make nlu-serve); included after the first target.
include nlu/nlu.mk

var:
	@mkdir -p var

chat: $(STAMP) var
	$(BIN)/vertelpunt db upgrade
	$(BIN)/vertelpunt chat

serve: $(STAMP) var
	$(BIN)/vertelpunt db upgrade
	$(BIN)/vertelpunt serve

# The dashboard's browser tests drive Debian's chromium through chromium-driver.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get install -y chromium chromium-driver || { apt-get update && apt-get install -y chromium chromium-driver; }; \
	else echo "The browser tests need chromium and chromedriver: run 'sudo apt-get install chromium chromium-driver' (Debian/Ubuntu) or put both on PATH."; fi

test: $(STAMP) nlu browser
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check bot flows nlu storage tests bench
	$(BIN)/mypy

typecheck: lint

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
