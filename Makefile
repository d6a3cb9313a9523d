# Developer entry points; `make test` is what CI (.ci/run) runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: vocabulary venv assets lint test test-fast soak serve notebooks concepts concepts-check dist release clean

venv: $(STAMP)

# Reinstall only when the project metadata changed.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

# Browser assets from npm (package-lock.json), copied where the service serves them (/static/vendor).
VENDOR := service/dpv_almi/web/static/vendor
ASSETS := $(VENDOR)/yasgui/yasgui.min.js $(VENDOR)/yasgui/yasgui.min.css

assets: $(ASSETS)

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "make assets needs npm (Node.js); install it, e.g. apt-get install -y npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

$(VENDOR)/yasgui/%: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/yasgui
	cp node_modules/@zazuko/yasgui/build/$* $@

# ruff (lint rules and formatting) and mypy (strict, on the package): .ci/run runs this before the tests.
LINT_PATHS := service tests bench scripts
lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

# tests/notebooks re-runs the notebooks from a clean kernel and checks their stored outputs.
test: venv assets
	$(BIN)/python -m pytest tests --durations=20

# The daily loop: everything but the slow groups (browser, notebooks, soak, memory, remote stores, W3C suites;
# tests/conftest.py marks them).
test-fast: venv assets
	$(BIN)/python -m pytest tests -m "not slow"

# The full-length soak (60 s, 32 concurrent clients, loopback); CI runs a 10 s one inside make test.
soak: venv
	DPV_ALMI_SOAK_SECONDS=60 $(BIN)/python -m pytest -s tests/hardening/test_soak.py

serve: venv assets
	$(BIN)/dpv-almi serve

# Execute the notebooks from a clean kernel and store their outputs (commit them; make test checks them).
notebooks: venv
	$(BIN)/jupyter execute --inplace notebooks/*.ipynb

# Regenerate ontology/dpv-concepts.ttl from ../shared/dpv/2.3.
concepts: venv
	$(BIN)/python scripts/build_dpv_concepts.py

# Regenerate the packaged DPV 2.3 index (every term of the release) from ../shared/dpv/2.3.
vocabulary: venv
	$(BIN)/python scripts/build_dpv_vocabulary.py

concepts-check: venv
	$(BIN)/python scripts/build_dpv_concepts.py --check

# The release command: wheel and sdist in dist/, with the editor's assets (a missing editor is an error).
dist: venv assets
	DPV_ALMI_REQUIRE_EDITOR=1 $(BIN)/python -m build --outdir dist .

# The ontology in Turtle, N-Triples, JSON-LD and RDF/XML, under dist/ontology.
release: venv
	$(BIN)/python -m dpv_almi.model.release dist/ontology

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis node_modules $(VENDOR) test-artifacts
