# Everything runs from a local virtualenv installed from uv.lock (exact versions, hashes).
PYTHON ?= python3
UV_VERSION := 0.9.30
UV := $(PYTHON) -m uv
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: test test-latest demo lint bench faults lock clean uv

# A Python that refuses pip installs (PEP 668, e.g. Debian's) gets uv in the user's site.
uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q "uv==$(UV_VERSION)" \
	  || $(PYTHON) -m pip install -q --user --break-system-packages "uv==$(UV_VERSION)"

# --frozen: install exactly what uv.lock says, never re-resolve.
$(STAMP): pyproject.toml uv.lock | uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --all-extras --python $(PYTHON) -q
	touch $(STAMP)

# Tests marked `serial` (processes and threads racing on purpose) run on their own,
# after the rest, so nothing else of the suite competes with them.
SUITE = $(1) -m pytest -q -m "not serial" && $(1) -m pytest -q -m serial

test: $(STAMP)
	$(call SUITE,$(PY))

# The newest versions pyproject.toml's ranges allow, in a venv of its own: upgrades on purpose.
test-latest: uv
	rm -rf .venv-latest
	$(UV) venv -q --python $(PYTHON) .venv-latest
	$(UV) pip install -q --python .venv-latest/bin/python --upgrade -e '.[all]' --group dev
	$(call SUITE,.venv-latest/bin/python)

lock: uv
	$(UV) lock --upgrade --python $(PYTHON)

demo: $(STAMP)
	$(VENV)/bin/sk-tracker demo

# Everything shipped is typed: every package, the dashboard's app.py and its pages.
MYPY_TARGETS := tracker_core tracker_cli tracker_dashboard tracker_host app.py pages

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict $(MYPY_TARGETS)

bench: $(STAMP)
	$(PY) bench/run_all.py

faults: $(STAMP)
	$(PY) -m tests.faults.matrix

clean:
	rm -rf $(VENV) .venv-latest .pytest_cache .mypy_cache .ruff_cache test-artifacts
