"""The competency questions across organisations, answered over notices that have what they ask about.

The Almi model answers them too (``expected/NAME.json``, in ``test_competency_questions``), but it
has no US transfer, no special category and no automated decision, so its answers alone could not
tell a wrong query from a right one.  Here each question also answers:

* over a small hand-written fixture of two notices (``fixtures/cross-organisation.ttl``,
  ``expected/cross-organisation/NAME.json``), in Oxigraph and rdflib alike;
* over the TILT corpus, imported by ``dpv-almi import tilt`` into a temporary folder and loaded
  (``expected/corpus/NAME.json``); skipped where the corpus or the importer is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from dpv_almi import loading, resources
from dpv_almi.sparql.catalogue import bind
from tests.ontology.test_competency_questions import (
    CATALOGUE,
    answer_from_oxigraph,
    answer_from_rdflib,
    normalised,
)

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "cross-organisation.ttl"
EXPECTED = HERE / "expected"
CROSS_ORGANISATION = (
    "transfers-to-country",
    "activities-without-legal-basis",
    "organisations-naming-recipient",
    "special-category-processing",
    "automated-decision-making",
    "retention-duration-or-criteria",
)
CORPUS = HERE.parents[1].parent / "shared" / "tilt" / "corpus"


def _expected(folder: str, name: str) -> dict:
    return json.loads((EXPECTED / folder / f"{name}.json").read_text(encoding="utf-8"))


def test_the_six_questions_are_in_the_catalogue_asked_across_organisations() -> None:
    for name in CROSS_ORGANISATION:
        query = CATALOGUE[name]
        assert query.answer.startswith("Across organisations"), name
        assert "?notice" in query.text and "?organisation" in query.text, name


@pytest.fixture(scope="module")
def fixture_store() -> pyoxigraph.Store:
    return loading.load_store([FIXTURE])


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    return loading.load_graph([FIXTURE])


@pytest.mark.parametrize("name", CROSS_ORGANISATION)
def test_each_question_finds_what_the_fixture_has(
    name: str, fixture_store: pyoxigraph.Store, fixture_graph: Graph
) -> None:
    expected = normalised(_expected("cross-organisation", name))
    assert expected["rows"], "the fixture must give every question something to find"
    text = CATALOGUE[name].text
    assert normalised(answer_from_oxigraph(fixture_store.query(text))) == expected
    assert normalised(answer_from_rdflib(fixture_graph.query(text))) == expected


def test_the_recipient_is_a_parameter(fixture_store: pyoxigraph.Store) -> None:
    query = CATALOGUE["organisations-naming-recipient"]
    rows = answer_from_oxigraph(fixture_store.query(bind(query, {"name": "cloud"})))["rows"]
    assert [row[3] for row in rows] == ["https://example.org/bank/Cloud"]
    default = resources.default_data_files()
    almi = loading.load_store(default)
    meta = answer_from_oxigraph(almi.query(bind(query, {"name": "META"})))["rows"]
    assert {row[3] for row in meta} == {"almi:Meta"}


def test_the_country_is_a_parameter(fixture_store: pyoxigraph.Store) -> None:
    query = CATALOGUE["transfers-to-country"]
    assert answer_from_oxigraph(fixture_store.query(bind(query, {"country": "loc:CN"})))["rows"] == []
    assert len(answer_from_oxigraph(fixture_store.query(bind(query, {"country": "loc:US"})))["rows"]) == 2


# ---- over the imported TILT corpus -------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> pyoxigraph.Store:
    """The 61 notices imported by the importer's command line into a temporary folder, then loaded."""
    if not CORPUS.is_dir():
        pytest.skip(f"the TILT corpus is not at {CORPUS}")
    try:
        import dpv_almi.importers  # noqa: F401
    except ImportError:
        pytest.skip("the TILT importer (dpv_almi.importers) is not in this checkout")
    out = tmp_path_factory.mktemp("tilt")
    command = [sys.executable, "-m", "dpv_almi.cli.main", "import", "tilt", str(CORPUS), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    files = sorted(out.glob("*.ttl"))
    assert len(files) == 61
    return loading.load_store([*files, resources.concepts_path(), resources.ontology_dir() / "vocab.ttl"])


@pytest.mark.parametrize("name", CROSS_ORGANISATION)
def test_each_question_answers_over_the_corpus(name: str, corpus_store: pyoxigraph.Store) -> None:
    path = EXPECTED / "corpus" / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"no expected answer over the corpus yet ({path.name})")
    answer = answer_from_oxigraph(corpus_store.query(CATALOGUE[name].text))
    assert normalised(answer) == normalised(json.loads(path.read_text(encoding="utf-8")))
