# billwatch: every target creates .venv when it is missing and installs the pinned dependencies.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CODE := billwatch spiders classifier alerts
export BILLWATCH_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install demo test bench lint check clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m billwatch.demo

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

# Format, lint, types, then the layers contract (pyproject.toml [tool.importlinter]).
lint: $(STAMP)
	$(VENV)/bin/ruff format --check $(CODE) tests benchmarks
	$(VENV)/bin/ruff check $(CODE) tests benchmarks
	$(VENV)/bin/mypy $(CODE)
	$(VENV)/bin/lint-imports --no-cache

# Everything CI checks: lint, then the tests.
check: lint test

clean:
	rm -rf $(VENV) demo-out billwatch.db billwatch.db-wal billwatch.db-shm
