"""Flat chains of any operator are refused before a worker sees them (they used to end it with SIGSEGV).

Nesting was capped, but ``FILTER(!!!…true)`` with 12,000 ``!``, a property path of 8,200 steps or
long ``||``, ``&&``, ``+``, ``|``, ``MINUS``, ``UNION``, ``BIND`` chains overflowed Oxigraph's
recursive parser in the worker.  The runner now bounds the size of the query's algebra
(:data:`dpv_almi.sparql.lexer.MAX_OPERATORS`), so each is a 400 and the workers never see it.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dpv_almi.settings import Settings
from dpv_almi.sparql import lexer
from dpv_almi.sparql.catalogue import load_catalogue, load_rest_catalogue
from dpv_almi.web import create_app

P = "<http://example.org/p>"
CHAINS = {
    "not": "SELECT * { FILTER(" + "!" * 12_000 + "true) }",
    "or": "SELECT * { FILTER(" + " || ".join(["true"] * 5_000) + ") }",
    "and": "SELECT * { FILTER(" + " && ".join(["true"] * 5_000) + ") }",
    "plus": "SELECT (" + " + ".join(["1"] * 9_000) + " AS ?x) {}",
    "path": "SELECT * { ?s " + "/".join([P] * 8_200) + " ?o }",
    "alternative": "SELECT * { ?s " + "|".join([P] * 8_200) + " ?o }",
    "minus": "SELECT * { ?s ?p ?o " + " ".join([f"MINUS {{ ?s {P} ?o }}"] * 4_000) + " }",
    "union": "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * 8_000) + " }",
    "bind": "SELECT * { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(4_000)) + " }",
    "optional": "SELECT * { ?s ?p ?o " + " ".join([f"OPTIONAL {{ ?s {P} ?o }}"] * 3_000) + " }",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = Settings(workers=2, query_timeout=10, max_query_length=1_000_000, max_body=4_000_000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_a_flat_chain_is_refused_before_any_worker(client: TestClient, name: str) -> None:
    response = client.post("/sparql", content=CHAINS[name], headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400, (name, response.status_code, response.text[:300])
    assert response.json()["title"] == "Query too large"
    # the workers are whole: the next question is answered as usual
    ask = client.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert ask.status_code == 200 and ask.json()["boolean"] is True


def test_every_catalogue_query_is_far_below_the_limit() -> None:
    for catalogue in (load_catalogue(), load_rest_catalogue()):
        for name, query in catalogue.items():
            assert lexer.operator_count(query.text) < lexer.MAX_OPERATORS // 4, name


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o .SERVICE <urn:x> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o .SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o.SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o ;SERVICE <data:,x> { ?s ?p ?o } }",
        "SELECT * {SERVICE<ftp://x/>{?s ?p ?o}}",
    ],
)
def test_service_is_refused_however_it_is_written(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400, response.text
    assert "SERVICE" in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * { ?s ?p "SERVICE <urn:x> { }" }',
        "PREFIX ex: <http://example.org/> SELECT * { ?s ex:a.SERVICE ?o }",
        "SELECT * { ?s ?p ?o } # SERVICE <urn:x> { }",
    ],
)
def test_service_in_a_string_name_or_comment_is_no_keyword(query: str) -> None:
    assert not lexer.uses_service(query)
