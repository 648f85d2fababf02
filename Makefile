# MentorCircle: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in emails and calendar files point at the server `make run` starts.
SITE_URL ?= http://127.0.0.1:$(PORT)
export DJANGO_SETTINGS_MODULE := mentorcircle.settings

.PHONY: setup run test lint format migrate demo clean hooks

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MentorCircle needs Python 3.11 or newer (found " + sys.version.split()[0] + ").")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py load_demo_messages

run: export SITE_URL := $(SITE_URL)
run: demo
	@echo "MentorCircle on http://127.0.0.1:$(PORT)  (sign in as pm@example.com / mentorcircle)"
	@echo "A background worker runs beside the web server; Ctrl-C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py worker & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite runs on every core (pytest-xdist); each test file stays on one worker.
XDIST ?= -n auto --dist loadfile
test: setup
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Run `make lint`'s checks before every commit.
hooks: setup
	$(VENV)/bin/pre-commit install

# The load benchmark (docs/benchmarks.md): gunicorn on PostgreSQL, driven on 127.0.0.1. DATABASE_URL
# names the server (default postgres://postgres@127.0.0.1:5432/postgres); the harness creates and
# drops a database of its own there. Not part of `make test`; bench-smoke (tiny sizes) runs in CI.
.PHONY: bench bench-smoke
bench: setup
	$(PY) bench/harness.py $(BENCH_ARGS)

bench-smoke: setup
	$(PY) bench/harness.py --smoke $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
