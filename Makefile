# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
# Both install the locked environment (uv.lock) first; uv itself is pinned below.
PYTHON ?= python3
UV_VERSION = 0.13.8
TOOLS = .tools
UV = $(TOOLS)/bin/uv
VENV = .venv
export UV_PYTHON_DOWNLOADS = never
export UV_PROJECT_ENVIRONMENT = $(VENV)
# Compiled bytecode at install: without it every module is compiled at its first import,
# and on every import where .pyc files cannot be written (PYTHONDONTWRITEBYTECODE, a
# read-only install): `iportal nightly` and Prefect's API each take seconds longer
# (docs/scaling.md "Start-up").
export UV_COMPILE_BYTECODE = 1

.PHONY: install chromium axe demo test lint docs bench mutate clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

# Browser tests drive Debian's Chromium (no browser download by the test tool); the PDF
# tests read documents back with poppler's pdftotext and pdffonts.
chromium:
	@{ command -v chromium && command -v pdftotext && command -v pdffonts; } >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }

# axe-core (the portal's accessibility check, tests/web) from the npm registry, exactly
# the version and hash pinned in tests/web/axe/package-lock.json.
axe:
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	cd tests/web/axe && npm ci --ignore-scripts --no-audit --no-fund --silent

demo: install
	$(VENV)/bin/iportal demo --data-dir var

test: install chromium axe
	$(VENV)/bin/ruff check .
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# The documentation site into site/ (configuration and CLI pages generated from the code).
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Every hot path against its baseline, at default sizes (about an hour on 2 idle cores).
# The long ones (scale.py --documents 100000, history_load.py, analyst.py at 10^7 rows)
# are listed in docs/scaling.md with their commands.
BENCHES = render print_batch nightly peppol digest backfill portal audit_verify render_scaling
bench: install
	@for b in $(BENCHES); do echo "== bench/$$b.py"; $(VENV)/bin/python bench/$$b.py || exit 1; done

# Mutation testing of domain/ with the tests that import it (issue 22; ~5 min on 2 cores):
# the score per module and every surviving mutant go to mutants/report.md.
mutate: install
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2 >mutants.log 2>&1 || { tail -20 mutants.log; exit 1; }
	$(VENV)/bin/python tests/mutation/report.py mutants/report.md

clean:
	rm -rf $(TOOLS) $(VENV) var mutants mutants.log site
