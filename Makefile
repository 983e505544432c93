# The two commands of the README: `make run` and `make test`.
# Everything else here is what they are made of.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
PORT ?= 8000

.PHONY: run test install messages lint bench audit icons clean help

help:
	@echo "make run   - install, migrate, load demo data and start web + worker + beat"
	@echo "make test  - install and run the linters and the whole test suite"

.tools/bin/uv:
	@echo "uv is not installed: installing it into .tools/ with $(PYTHON)"
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen
	$(RUN) pybabel compile --domain django --directory locale --statistics

messages:  ## refresh the .po files after changing strings (needs GNU gettext)
	$(RUN) python manage.py makemessages --locale ja --locale en --no-obsolete --ignore '.venv/*' --ignore '.tools/*' --ignore 'staticfiles/*'

run: export DEBUG ?= true
run: install
	$(RUN) python manage.py migrate --noinput
	$(RUN) python manage.py seed_demo
	@echo ""
	@echo "The portal runs at http://127.0.0.1:$(PORT)/  (staff admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Press Ctrl+C to stop web, worker and beat."
	$(RUN) honcho start --port $(PORT)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

test: export SECRET_KEY ?= insecure-key-for-tests-only
test: lint
	$(RUN) mypy .
	$(RUN) python manage.py makemigrations --check --dry-run
	$(RUN) pytest
	$(RUN) python manage.py accessibility_report  # the axe checks just run → the accessibility policy's results

bench: install  ## `make bench BENCH_ARGS=--quick`: every step on a little data (a smoke run)
	$(RUN) python bench/run.py $(BENCH_ARGS)

LIGHTHOUSE := var/lighthouse/node_modules/lighthouse/package.json

$(LIGHTHOUSE):
	mkdir -p var/lighthouse
	npm i -E --prefix var/lighthouse --no-audit --no-fund lighthouse@12.2.3

audit: install $(LIGHTHOUSE)  ## Lighthouse (mobile) on the public pages → docs/lighthouse.md
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(RUN) python -m audit.lighthouse

icons: install  ## static/icons/*.png and favicon.ico from static/icons/icon.svg (Chromium)
	$(RUN) python -m audit.icons

clean:
	rm -rf var staticfiles .pytest_cache
