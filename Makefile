# Two commands matter on a fresh machine: `make demo` and `make test`. Both create the environment first.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install demo test lint typecheck layers check serve clean

# uv, pinned, in a private folder: the lock file (uv.lock) then decides every other version.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev
	@touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/yuqing demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# The floors of ARCHITECTURE.md, as import-linter contracts in pyproject.toml: no import runs upwards.
layers: install
	$(VENV)/bin/lint-imports

check: lint typecheck layers

test: install check
	$(VENV)/bin/pytest

serve: install
	$(VENV)/bin/yuqing serve

clean:
	rm -rf $(VENV) .tools var test-output
