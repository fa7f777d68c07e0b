# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test system bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo keeps its store in ./.devoops, so `devoops history` and `devoops diff` run here find it.
demo: $(STAMP)
	$(BIN)/devoops assess examples/bookmarks.yaml --save --db .devoops/devoops.db
	$(BIN)/devoops explain availability examples/bookmarks.yaml
	$(BIN)/devoops show latest -f html -o report.html --db .devoops/devoops.db
	@echo "Wrote report.html. Next: .venv/bin/devoops history, then make demo again and .venv/bin/devoops diff"

# What the tests run beside Python: PostgreSQL 15 binaries and Chromium (installed as root when missing).
system:
	@test -x /usr/lib/postgresql/15/bin/initdb && command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 chromium; \
	  else echo "missing PostgreSQL 15 or chromium and not root: install them to run every test"; fi; }

test: $(STAMP) system
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(STAMP) system
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/store.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .devoops report.html
