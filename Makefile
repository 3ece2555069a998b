# The two commands in the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Tests run with production-like settings (DEBUG off) and a throwaway key.
TEST_ENV := SECRET_KEY=test-only-secret-key DEBUG=0 \
	STATICFILES_BACKEND=django.contrib.staticfiles.storage.StaticFilesStorage \
	DJANGO_ALLOW_ASYNC_UNSAFE=true SECURE_SSL_REDIRECT=0 CACHE_URL=$${CACHE_URL:-locmem://} ZEAL=1
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run test lint security-lint format migrations-check pytest install assets serve clean bench bench-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## make run: set everything up and serve the seed plan on http://127.0.0.1:$(PORT)
run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py createcachetable
	$(DEV_ENV) $(BIN)/python manage.py loaddata seed_plan seed_board seed_measures
	$(DEV_ENV) $(BIN)/python manage.py load_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## make serve: production mode (DEBUG off) from the environment (.env.example): collectstatic, migrate,
## gunicorn with 2 × cores + 1 workers on $(PORT) (BIND=0.0.0.0 by default). Needs SECRET_KEY and ALLOWED_HOSTS.
serve: install
	@test -n "$$SECRET_KEY" || { echo "make serve: set SECRET_KEY (and ALLOWED_HOSTS); see .env.example" >&2; exit 1; }
	DEBUG=0 $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	DEBUG=0 $(BIN)/python manage.py migrate --no-input
	DEBUG=0 $(BIN)/python manage.py createcachetable
	DEBUG=0 exec $(BIN)/gunicorn improvement_tracker.wsgi --workers $$(( 2 * $$(nproc) + 1 )) \
		--bind $${BIND:-0.0.0.0}:$(PORT) --access-logfile -

## make test: lint, bandit, check migrations, run the whole suite
test: install lint security-lint migrations-check pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make security-lint: bandit over the app's code; any HIGH-severity finding fails
security-lint: install
	$(BIN)/bandit -q -c pyproject.toml -r improvement_tracker plans governance measures audit -lll

migrations-check: install
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# Two workers by default (the machines have two cores); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
pytest: install
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## make bench: synthetic plans served by gunicorn, measured with wrk (BENCH_SCALE=small|large, default large)
bench: install
	$(BIN)/python -m bench.run --scale $${BENCH_SCALE:-large}

## make bench-smoke: the same harness at a tiny scale, one short run per page (CI)
bench-smoke: install
	$(BIN)/python -m bench.run --scale smoke

## make assets: rebuild the committed GOV.UK Frontend CSS/JS (needs Node.js and npm)
assets:
	bash assets/build.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
