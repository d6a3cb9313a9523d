"""The default graph is the RDF merge of the data graphs: each triple once, never the registry (issue #14).

Expected figures come from rdflib parsing the same files, not from the service."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from dpv_almi.namespaces import GRAPH

SHARED = """@prefix dpv: <https://w3id.org/dpv#> .
@prefix ex: <https://example.org/shared#> .
ex:Cloud a dpv:Recipient ; dpv:hasLocation ex:Elsewhere .
"""

ACME = (
    SHARED
    + """@prefix acme: <https://example.org/acme#> .
acme:Notice a dpv:PrivacyNotice ; dpv:hasDataController acme:Acme .
acme:Acme a dpv:DataController ; dpv:hasContact [ dpv:hasName "Acme DPO" ] .
"""
)

BETA = (
    SHARED
    + """@prefix beta: <https://example.org/beta#> .
beta:Notice a dpv:PrivacyNotice ; dpv:hasDataController beta:Beta .
"""
)

REGISTRY = str(GRAPH["registry"])
ADMIN = {"Authorization": "Bearer test-admin-token", "Content-Type": "text/turtle"}


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def _count(client, query: str, **params: str) -> int:
    return int(_rows(client.get("/sparql", params={"query": query, **params}))[0]["n"]["value"])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("policies")
    (folder / "acme.ttl").write_text(ACME)
    (folder / "beta.ttl").write_text(BETA)
    return [folder / "acme.ttl", folder / "beta.ttl"]


def test_count_is_the_distinct_triples_of_the_data_graphs(make_client, files) -> None:
    client = make_client(files)
    merged = Graph()
    for path in files:  # an RDF merge: blank nodes of each file kept apart, shared triples once
        merged.parse(path)
    per_graph = {GRAPH[p.stem]: len(Graph().parse(p)) for p in files}
    assert sum(per_graph.values()) == len(merged) + 2  # the two shared triples are in both graphs
    assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == len(merged)
    for graph, size in per_graph.items():
        assert _count(client, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == size
    # a shared triple is one solution, not one per graph that holds it
    rows = _rows(client.get("/sparql", params={"query": "SELECT ?l { <https://example.org/shared#Cloud> ?p ?l }"}))
    assert len(rows) == 2


def test_registry_is_a_named_graph_never_in_the_default_graph(make_client, files) -> None:
    client = make_client(files)
    version = "SELECT (COUNT(*) AS ?n) { ?v a <https://w3id.org/dpv-almi/vocab#PolicyVersion> }"
    assert _count(client, version) == 0
    named = "SELECT (COUNT(*) AS ?n) { GRAPH <%s> { ?v a <https://w3id.org/dpv-almi/vocab#PolicyVersion> } }"
    assert _count(client, named % REGISTRY) == 2
    # nothing the registry says leaks through paths, DISTINCT or CONSTRUCT WHERE either
    assert _count(client, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o FILTER(CONTAINS(STR(?p), 'dpv-almi')) }") == 0
    construct = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"accept": "text/turtle"}
    )
    assert construct.status_code == 200 and "PolicyVersion" not in construct.text and "sha256" not in construct.text


def test_default_graph_follows_a_new_version(make_client, files, tmp_path) -> None:
    client = make_client(files, admin_token="test-admin-token")
    assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s a <https://w3id.org/dpv#DataController> }") == 1
    replaced = BETA.replace("beta:Beta .", "beta:Gamma .") + "beta:Gamma a dpv:DataController .\n"
    put = client.put("/v1/admin/policies/beta", params={"version": "2"}, content=replaced, headers=ADMIN)
    assert put.status_code in (200, 201), put.text
    controllers = _rows(
        client.get("/sparql", params={"query": "SELECT ?c { ?n <https://w3id.org/dpv#hasDataController> ?c }"})
    )
    assert sorted(r["c"]["value"] for r in controllers) == [
        "https://example.org/acme#Acme",
        "https://example.org/beta#Gamma",
    ]
    merged = Graph()
    merged.parse(data=ACME, format="turtle")
    merged.parse(data=replaced, format="turtle")
    assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == len(merged)
