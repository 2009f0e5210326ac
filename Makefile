# The two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test lint wheel-check docs docs-check install install-dev install-bench browser-deps \
	neo4j-deps bench clean neo4j translations

demo: install
	$(BIN)/kolgraph demo

test: install-dev browser-deps neo4j-deps wheel-check
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory docs-check
	$(BIN)/pytest -q -p no:cacheprovider

# A Neo4j 5.26 server for development (Maven Central; OpenJDK 17 and Maven): prints its URI
# and password, Ctrl-C stops it and deletes its data. The tests start their own.
# make neo4j NEO4J_ARGS="--heap-mb 3072 --page-cache-mb 1024" for the 100k benchmarks.
NEO4J_ARGS ?=
neo4j: install-dev neo4j-deps
	$(BIN)/python tests/neo4j_server/launch.py $(NEO4J_ARGS)

# The web UI's catalogues: extract the messages of web/ (babel.cfg), merge them into each
# web/translations/<locale>/LC_MESSAGES/messages.po, then (after translating the new entries)
# compile the .mo files, which are committed: tests/web/test_web_i18n.py fails when a message
# has no Chinese or a .mo is older than its .po.
translations: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --sort-output --no-location \
	  --project kolgraph -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --ignore-obsolete
	$(BIN)/pybabel compile -d web/translations --statistics

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Build the wheel, install it into a fresh venv and run kolgraph from it outside the repo
# (db schema, query --list, sample -> ingest -> analyze): catches files missing from the wheel.
wheel-check: install
	tests/tools/wheel_check.sh $(BIN)/python

# The documentation site (mkdocs.yml, docs/) into site/ (git-ignored). --strict: a broken link,
# a missing anchor or a page left out of the nav fails the build. docs-check also checks that
# every relative link of README.md points to an existing file and heading.
docs: install-dev
	$(BIN)/mkdocs build --strict --site-dir site
	@echo "docs: open site/index.html"

docs-check: install-dev
	$(BIN)/mkdocs build --strict --quiet --site-dir site
	$(BIN)/python tests/tools/check_readme_links.py README.md

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (kolgraph needs Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch==2.13.0 is pinned in pyproject.toml: pip takes the CPU build already on disk.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -e '.[dev]'
	touch $@

# The bench extra: what benchmarks/ needs beyond kolgraph (psutil, python-louvain).
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) install -q -e '.[bench]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

# Headless Chromium for the browser tests: Debian's package (Playwright drives it; it never
# downloads a browser of its own).
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -d /usr/share/fonts/truetype/wqy ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium and a CJK font (readable screenshots) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; \
	elif [ -x /usr/bin/chromium ]; then :; \
	elif [ -n "$$CI$$KOLGRAPH_REQUIRE_BROWSER" ]; then \
	  echo "error: /usr/bin/chromium missing and cannot be installed here (not root or no apt-get); CI/KOLGRAPH_REQUIRE_BROWSER is set, so the browser tests must run"; exit 1; \
	else echo "note: /usr/bin/chromium missing (apt-get install chromium); browser tests will be skipped"; fi

# OpenJDK 17 and Maven for the Neo4j test server (tests/neo4j_server; Maven resolves Neo4j
# from Maven Central into ~/.m2 when the tests start it): Debian's packages when missing.
neo4j-deps:
	@if command -v java >/dev/null && command -v mvn >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's OpenJDK 17 and Maven for the Neo4j test server"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null; \
	else echo "note: java or mvn missing (apt-get install openjdk-17-jdk-headless maven); the Neo4j tests will be skipped, or fail under CI"; fi

bench: install-bench
	KOLGRAPH_HOME=/tmp/kg-bench-1m KOLGRAPH_PII_SALT=bench-salt-0123456 $(BIN)/python benchmarks/ingest.py --empty-graph
	$(BIN)/python benchmarks/analytics.py
	$(BIN)/python benchmarks/gnn.py
	$(BIN)/python benchmarks/web.py
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts tests/neo4j_server/target site
