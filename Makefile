# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test test-fast fuzz system bench-system packages bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo keeps its store in ./.devoops, so `devoops history` and `devoops diff` run here find it.
demo: $(STAMP)
	$(BIN)/devoops assess examples/bookmarks.yaml --save --db .devoops/devoops.db
	$(BIN)/python examples/logs/generate.py
	$(BIN)/python examples/dns/serve.py -- $(BIN)/devoops audit examples/bookmarks.yaml --probe access-log --probe domain --db .devoops/devoops.db
	$(BIN)/devoops explain availability examples/bookmarks.yaml
	$(BIN)/devoops scenarios run examples/bookmarks.yaml
	$(BIN)/devoops whatif examples/bookmarks.yaml restore-drills backups-to-separate-account
	$(BIN)/devoops show latest -f html -o report.html --db .devoops/devoops.db
	@echo "Wrote report.html. Next: .venv/bin/devoops diff (what the access log and the domain's DNS proved beside the answers), .venv/bin/devoops history"

# What the tests run beside Python: PostgreSQL 15, Chromium, Prometheus with promtool and gpg
# (installed as root when missing). The benchmarks add their peers: nginx, wrk and GoAccess.
TEST_PACKAGES  = postgresql-15 chromium prometheus gnupg
BENCH_PACKAGES = nginx wrk goaccess
system:
	@$(MAKE) --no-print-directory packages NEED='/usr/lib/postgresql/15/bin/initdb chromium prometheus promtool gpg' PACKAGES='$(TEST_PACKAGES)'

bench-system:
	@$(MAKE) --no-print-directory packages NEED='nginx wrk goaccess' PACKAGES='$(BENCH_PACKAGES)'

packages:
	@missing=; for tool in $(NEED); do command -v $$tool >/dev/null || PATH=$$PATH:/usr/sbin command -v $$tool >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(PACKAGES); \
	  else echo "missing some of: $(PACKAGES); install them as root to run everything"; fi; fi

# The whole suite: everything on both cores, then the tests that time the wall clock alone
# (tests/tiers.py). Each part names its ten slowest tests, so a slow one shows before it hides.
test: $(STAMP) system
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n 2 -m "not timing" --durations=10
	$(BIN)/pytest -q -m timing --durations=10

# The pure core and the CLI, in under a minute on two cores: nothing that needs PostgreSQL,
# Prometheus or Chromium and nothing slow (the marks are derived in tests/tiers.py).
FAST = tests/model tests/lens tests/derive tests/scenarios tests/evaluate tests/generate \
       tests/test_diff.py tests/test_architecture.py tests/cli
test-fast: $(STAMP)
	$(BIN)/pytest -q -n 2 -m "not pg and not prometheus and not chromium and not slow and not timing" $(FAST)

# The standing fuzz suite at length: every property test at FUZZ times its examples, and the
# hostile servers, dumps and files (`make test` runs them all at their short budgets).
FUZZ ?= 20
fuzz: $(STAMP) system
	DEVOOPS_FUZZ=$(FUZZ) $(BIN)/pytest -q --durations=10

bench: $(STAMP) system bench-system
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/http.py
	$(BIN)/python bench/logs.py
	$(BIN)/python bench/montecarlo.py
	$(BIN)/python bench/backup.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .devoops report.html examples/logs/*.gz
