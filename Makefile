# safety-spc: the two README commands (`make demo`, `make test`) plus helpers.
# Everything installs into ./.venv from the project's own files; idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench docs clean browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m spc.cli demo

# Headless Chromium (Debian's package) for the real-browser check of the HTML reports.
# Installed when missing and we may (root, as in CI); otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	    >/dev/null 2>&1; } || echo "note: chromium not installed; browser tests will be skipped"

test: $(STAMP) browser
	$(BIN)/ruff check spc tests benchmarks
	$(BIN)/ruff format --check spc tests benchmarks
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check spc tests benchmarks
	$(BIN)/ruff format --check spc tests benchmarks

# Teaching notebooks and the explorer executed headless and exported to docs/html/.
docs: $(STAMP)
	$(BIN)/python -m spc.render.notebook_docs

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
