# loanmatch — everyday commands. Needs python3 (3.11+) and make; everything else goes in .venv.
#   make demo       build the default market, train, serve http://127.0.0.1:8000
#   make test       lint, type check and the whole test suite (what CI runs)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
CODE := $(wildcard src tests benchmarks)

.PHONY: install demo test test-fast acceptance bench promise lint format typecheck clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/loanmatch demo

lint: install
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix $(CODE)
	$(BIN)/ruff format $(CODE)

typecheck: install
	$(BIN)/mypy src tests

# pytest exits 5 when it collected no test: that is a failure here, as any non-zero code is.
test: lint typecheck
	$(BIN)/python -m pytest -p no:cacheprovider -m "not scenario" $(PYTEST_ARGS)

# The long acceptance scenarios (e.g. 1,000 simulated owners through the adaptive intake).
acceptance: install
	$(BIN)/python -m pytest -p no:cacheprovider -m scenario $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/bench.py

# The promise on every market (default and test bed), seeds 7 11 13, targets 0.95 and 0.9.
promise: install
	$(BIN)/python benchmarks/promise.py

clean:
	rm -rf build .mypy_cache .ruff_cache .pytest_cache .hypothesis artifacts
