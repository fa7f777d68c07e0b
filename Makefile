# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test test-fast fuzz system bench-system packages bench clean web-assets test-assets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Front-end files from the npm registry at pinned versions, each checked against the registry's
# integrity hash and kept out of git: htmx, the browser app's one script (docs/web.md; every
# page works without it), and axe-core, which the browser tests run in each page.
HTMX = src/devoops/web/static/htmx.min.js
AXE  = tests/web/axe.min.js
web-assets: $(HTMX)
test-assets: $(AXE)
$(HTMX):
	$(call npm-file,htmx.org@2.0.8,sha512-fm297iru0iWsNJlBrjvtN7V9zjaxd+69Oqjh4F/Vq9Wwi2kFisLcrLCiv5oBX0KLfOX/zG8AUo9ROMU5XUB44Q==,dist/htmx.min.js,$@)
$(AXE):
	$(call npm-file,axe-core@4.14.1,sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==,axe.min.js,$@)

# $(call npm-file,package@version,integrity,file in the package,destination)
define npm-file
@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
(cd "$$tmp" && npm pack --silent $(1) >/dev/null) && tarball=$$(ls "$$tmp"/*.tgz) && \
got=$$($(PYTHON) -c 'import base64,hashlib,sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$$tarball") && \
if [ "$$got" != "$(2)" ]; then echo "$(1): integrity $$got, expected $(2)" >&2; exit 1; fi && \
tar -xzf "$$tarball" -C "$$tmp" package/$(3) && cp "$$tmp/package/$(3)" $(4) && \
echo "fetched $(1) into $(4)"
endef

# The demo keeps its store in ./.devoops, so `devoops history` and `devoops diff` run here find it.
demo: $(STAMP) web-assets
	$(BIN)/devoops assess examples/bookmarks.yaml --save --db .devoops/devoops.db
	$(BIN)/python examples/logs/generate.py
	$(BIN)/python examples/dns/serve.py -- $(BIN)/devoops audit examples/bookmarks.yaml --probe access-log --probe domain --db .devoops/devoops.db
	$(BIN)/devoops explain availability examples/bookmarks.yaml
	$(BIN)/devoops scenarios run examples/bookmarks.yaml
	$(BIN)/devoops whatif examples/bookmarks.yaml restore-drills backups-to-separate-account
	$(BIN)/devoops show latest -f html -o report.html --db .devoops/devoops.db
	@echo "Wrote report.html. Next: .venv/bin/devoops diff (what the access log and the domain's DNS proved beside the answers), .venv/bin/devoops history"
	@echo "In the browser: .venv/bin/devoops serve --db .devoops/devoops.db, then open the setup link it prints; your organisation holds linkpile with the assessments saved here"

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
test: $(STAMP) system web-assets test-assets
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

bench: $(STAMP) system bench-system web-assets
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/http.py
	$(BIN)/python bench/logs.py
	$(BIN)/python bench/montecarlo.py
	$(BIN)/python bench/backup.py
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .devoops report.html examples/logs/*.gz
