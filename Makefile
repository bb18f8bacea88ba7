# Two entry points for a fresh machine: `make demo` and `make test`. Each builds its own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU torch keeps CI set-up fast; users with GPUs install their own torch first and set TORCH_SPEC= .
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

.PHONY: demo test test-all test-lowest lint install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@if [ -n "$(TORCH_SPEC)" ]; then $(BIN)/python -m pip install -q "$(TORCH_SPEC)"; fi
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The default suite (CI): everything but the tests marked slow.
test: $(STAMP)
	$(PYTEST) -m "not slow"

# Every test, the slow ones included (long oracle runs, training to convergence, the arm).
test-all: $(STAMP)
	$(PYTEST)

# The default suite on the lowest releases pyproject.toml allows (constraints/lowest.txt), in its own venv.
test-lowest:
	PIP_CONSTRAINT=$(CURDIR)/constraints/lowest.txt $(MAKE) VENV=.venv-lowest test

demo: $(STAMP)
	$(BIN)/lohovla-demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .venv-lowest outputs
