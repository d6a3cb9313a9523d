from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.sparql import prepareQuery

from dpv_almi.namespaces import (
    DPV,
    DPV_NAMESPACES,
    PD,
    PREFIXES,
    bind_prefixes,
    sparql_prologue,
)


def test_every_dpv_namespace_has_a_prefix() -> None:
    assert len(DPV_NAMESPACES) == 7
    assert {str(ns) for ns in DPV_NAMESPACES} <= set(PREFIXES.values())


def test_namespace_iris_end_with_a_separator() -> None:
    assert all(iri.endswith(("#", "/")) for iri in PREFIXES.values())


def test_prefix_names_and_iris_are_unique() -> None:
    assert len(set(PREFIXES.values())) == len(PREFIXES)


def test_prologue_is_accepted_by_both_sparql_engines() -> None:
    query = sparql_prologue() + "ASK { ?s a dpv:PersonalData ; eu-gdpr:x legal-se:y }"
    prepareQuery(query)
    assert pyoxigraph.Store().query(query) is not None


def test_prologue_with_custom_prefixes() -> None:
    assert sparql_prologue({"ex": "http://example.org/"}) == "PREFIX ex: <http://example.org/>\n"


def test_bind_prefixes_serialises_project_prefixes() -> None:
    graph = bind_prefixes(Graph())
    graph.add((PD.EmailAddress, URIRef(PREFIXES["skos"] + "broader"), PD.Contact))
    graph.add((PD.Contact, URIRef(PREFIXES["skos"] + "broader"), DPV.PersonalData))
    turtle = graph.serialize(format="turtle")
    assert "@prefix pd: <https://w3id.org/dpv/pd#>" in turtle
    assert "pd:EmailAddress skos:broader pd:Contact" in turtle


def test_model_prefixes_agree_with_project_prefixes(repo_root) -> None:
    model = repo_root / "ontology" / "dpv-almi.ttl"
    if not model.is_file():
        pytest.skip("ontology/dpv-almi.ttl does not exist yet")
    declared = dict(Graph().parse(model).namespaces())
    clashes = {p: str(iri) for p, iri in declared.items() if p in PREFIXES and str(iri) != PREFIXES[p]}
    assert clashes == {}
