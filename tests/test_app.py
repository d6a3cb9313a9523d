from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dpv_almi.app import GRAPH_FORMATS, RESULTS_FORMATS, create_app, negotiate, uses_service

DATA = """\
@prefix dpv: <https://w3id.org/dpv#> .
@prefix almi: <https://w3id.org/dpv-almi/almi/> .
almi:marketing a dpv:Purpose ; dpv:hasPersonalData almi:email .
"""
SELECT = "SELECT ?p WHERE { ?p a <https://w3id.org/dpv#Purpose> }"
MARKETING = "https://w3id.org/dpv-almi/almi/marketing"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    data = tmp_path / "data.ttl"
    data.write_text(DATA)
    with TestClient(create_app([data])) as test_client:
        yield test_client


def bindings(response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    return [row["p"]["value"] for row in response.json()["results"]["bindings"]]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status
    assert "Traceback" not in response.text
    return body


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "triples": 2}


def test_select_via_get_form_and_direct_post(client: TestClient) -> None:
    assert bindings(client.get("/sparql", params={"query": SELECT})) == [MARKETING]
    assert bindings(client.post("/sparql", data={"query": SELECT})) == [MARKETING]
    direct = client.post("/sparql", content=SELECT, headers={"content-type": "application/sparql-query"})
    assert bindings(direct) == [MARKETING]


def test_project_prefixes_are_predeclared(client: TestClient) -> None:
    assert bindings(client.get("/sparql", params={"query": "SELECT ?p { ?p a dpv:Purpose }"})) == [MARKETING]


@pytest.mark.parametrize(
    ("accept", "media_type", "marker"),
    [
        ("text/csv", "text/csv", "p\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", "?p\n"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "<sparql"),
        ("text/html, application/json;q=0.5, */*;q=0.1", "application/sparql-results+json", '"bindings"'),
        ("*/*", "application/sparql-results+json", '"bindings"'),
    ],
)
def test_select_content_negotiation(client: TestClient, accept: str, media_type: str, marker: str) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.text


def test_ask(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK { ?s a dpv:Purpose }"})
    assert response.json()["boolean"] is True


def test_construct_as_turtle_and_ntriples(client: TestClient) -> None:
    query = "CONSTRUCT WHERE { ?s a ?o }"
    turtle = client.get("/sparql", params={"query": query})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "almi:marketing a dpv:Purpose" in turtle.text
    ntriples = client.get("/sparql", params={"query": query}, headers={"accept": "application/n-triples"})
    assert ntriples.headers["content-type"].startswith("application/n-triples")
    assert ntriples.text.startswith(f"<{MARKETING}>")


def test_malformed_query_is_a_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/sparql", params={"query": "SELECT ?p WHERE { ?p "}), 400)
    assert body["title"] == "Malformed query" and "error at" in body["detail"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 400),
        ({"data": {"query": "DELETE WHERE { ?s ?p ?o }"}}, 400),
        ({"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 405),
        ({"content": "DELETE WHERE { ?s ?p ?o }", "headers": {"content-type": "application/sparql-update"}}, 405),
    ],
)
def test_updates_are_refused_and_change_nothing(client: TestClient, kwargs: dict, status: int) -> None:
    method = client.get if "params" in kwargs else client.post
    assert_problem(method("/sparql", **kwargs), status)
    assert client.get("/readyz").json()["triples"] == 2


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"method": "GET", "url": "/sparql"}, 400),
        ({"method": "GET", "url": "/sparql?query=ASK{}&query=ASK{}"}, 400),
        ({"method": "GET", "url": "/sparql", "params": {"query": "ASK {}", "default-graph-uri": "urn:g"}}, 400),
        ({"method": "POST", "url": "/sparql", "content": "ASK {}", "headers": {"content-type": "text/plain"}}, 415),
        ({"method": "GET", "url": "/sparql", "params": {"query": SELECT}, "headers": {"accept": "image/png"}}, 406),
        ({"method": "GET", "url": "/nowhere"}, 404),
        ({"method": "DELETE", "url": "/sparql"}, 405),
        ({"method": "GET", "url": "/sparql", "params": {"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}},
         400),
    ],
)
def test_bad_requests_are_problems(client: TestClient, request_kwargs: dict, status: int) -> None:
    assert_problem(client.request(**request_kwargs), status)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * { SERVICE <http://e/> { ?s ?p ?o } }", True),
        ("select * { service silent ?endpoint { ?s ?p ?o } }", True),
        ("SELECT * { ?s a dpv:Service ; ?service ?o }", False),
        ('SELECT * { ?s ?p "SERVICE <x> {}" } # SERVICE', False),
        ("SELECT * { ?s <http://e/SERVICE> ?o }", False),
    ],
)
def test_uses_service(query: str, expected: bool) -> None:
    assert uses_service(query) is expected


def test_negotiate_prefers_quality_then_order() -> None:
    assert negotiate(None, RESULTS_FORMATS)[0] == "application/sparql-results+json"
    assert negotiate("text/csv;q=0.4, text/tab-separated-values", RESULTS_FORMATS)[0] == "text/tab-separated-values"
    assert negotiate("text/*", GRAPH_FORMATS)[0] == "text/turtle"
    assert negotiate("text/turtle;q=0", GRAPH_FORMATS) is None


def test_default_data_is_the_packaged_ontology(model_graph) -> None:
    with TestClient(create_app()) as test_client:
        assert test_client.get("/readyz").json()["triples"] == len(model_graph)
