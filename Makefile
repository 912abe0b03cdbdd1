# Blåstempel: `make run` serves the demo register, `make test` runs the whole suite,
# `make test-fast` the inner loop (no browser, fuzz or slow tests).
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test test-fast lint bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

run: install
	$(BIN)/blaastempel db upgrade
	$(BIN)/blaastempel seed --demo
	$(BIN)/blaastempel serve --host 127.0.0.1 --port 8000 --send-mail

test: install
	$(BIN)/ruff check app tests bench tools
	$(BIN)/mypy
	$(BIN)/python tools/fetch_axe.py  # axe-core for the accessibility tests (pinned, hash-checked; skipped if present)
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/ruff check app tests bench tools
	$(BIN)/mypy
	$(BIN)/pytest -m "not browser and not fuzz and not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check app tests bench tools
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) $(TOOLS) var
