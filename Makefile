# Developer entry points; `make test` is what CI (.ci/run) runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test serve concepts concepts-check dist release clean

venv: $(STAMP)

# Reinstall only when the project metadata changed.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

test: venv
	$(BIN)/python -m pytest

serve: venv
	$(BIN)/dpv-almi serve

# Regenerate ontology/dpv-concepts.ttl from ../shared/dpv/2.3.
concepts: venv
	$(BIN)/python scripts/build_dpv_concepts.py

concepts-check: venv
	$(BIN)/python scripts/build_dpv_concepts.py --check

dist: venv
	$(BIN)/python -m build --outdir dist .

# The ontology in Turtle, N-Triples, JSON-LD and RDF/XML, under dist/ontology.
release: venv
	$(BIN)/python -m dpv_almi.release dist/ontology

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis
