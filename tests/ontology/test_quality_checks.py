"""ODK-style quality checks: each ``ontology/checks/*.rq`` lists problems and must list none.

Each check is also shown to catch the problem it is written for, on a small broken graph, so a
check that silently matches nothing cannot pass.
"""

from __future__ import annotations

import pyoxigraph
import pytest

from dpv_almi import resources
from dpv_almi.sparql.catalogue import load_catalogue

CHECKS = load_catalogue(resources.ontology_dir() / "checks")

PREFIXES = """
@prefix almi: <https://w3id.org/dpv-almi/almi/> .
@prefix dpva: <https://w3id.org/dpv-almi/vocab#> .
@prefix dpv:  <https://w3id.org/dpv#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
almi:p a dpva:NoticePassage ; dct:isPartOf almi:Notice ; dpva:quote "q"@sv ; dpva:section "s"@sv .
"""

BROKEN = {
    "missing-label": 'almi:X dct:source almi:p ; skos:prefLabel "X"@sv .',
    "source-without-quote": 'almi:X dct:source almi:q . almi:q dpva:quote "one"@sv, "two"@sv ; dpva:section "s"@sv .',
    "undescribed-reference": "almi:X dpv:hasPurpose almi:Typo .",
    "role-value-untyped": "almi:T dpv:hasDataExporter almi:Group . almi:Group a dpv:JointDataControllers .",
    "controller-as-third-party": "almi:Ads a dpv:DataController, dpv:ThirdParty .",
    "elsewhere-process-with-content": "almi:X dpv:hasNotice almi:W ; dpv:hasPurpose almi:P . almi:W a dpva:InformationElsewhere .",
    "duplicate-label": 'almi:X dct:source almi:p ; skos:prefLabel "Same"@sv . almi:Y dct:source almi:p ; skos:prefLabel "Same"@sv .',
}


def test_every_check_has_a_broken_example() -> None:
    assert set(CHECKS) == set(BROKEN)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_model_passes_the_check(name: str, default_store: pyoxigraph.Store) -> None:
    problems = [[term.value if term else None for term in row] for row in default_store.query(CHECKS[name].text)]
    assert problems == []


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_check_catches_its_problem(name: str) -> None:
    store = pyoxigraph.Store()
    store.load((PREFIXES + BROKEN[name]).encode(), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(list(store.query(CHECKS[name].text))) >= 1
