# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
# Both install the locked environment (uv.lock) first; uv itself is pinned below.
PYTHON ?= python3
UV_VERSION = 0.13.8
TOOLS = .tools
UV = $(TOOLS)/bin/uv
VENV = .venv
export UV_PYTHON_DOWNLOADS = never
export UV_PROJECT_ENVIRONMENT = $(VENV)

.PHONY: install chromium demo test lint bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

# Browser tests drive Debian's Chromium (no browser download by the test tool).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: install
	$(VENV)/bin/iportal demo --data-dir var

test: install chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n 2 --dist loadgroup

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: install
	$(VENV)/bin/python bench/render.py
	$(VENV)/bin/python bench/nightly.py

clean:
	rm -rf $(TOOLS) $(VENV) var
