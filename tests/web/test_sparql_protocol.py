"""The SPARQL 1.1 Protocol at /sparql through the ASGI app (httpx)."""

from __future__ import annotations

import pytest

from dpv_almi.namespaces import GRAPH

DATA = """\
@prefix dpv: <https://w3id.org/dpv#> .
@prefix almi: <https://w3id.org/dpv-almi/almi/> .
almi:marketing a dpv:Purpose ; dpv:hasPersonalData almi:email .
"""
SELECT = "SELECT ?p WHERE { ?p a <https://w3id.org/dpv#Purpose> }"
MARKETING = "https://w3id.org/dpv-almi/almi/marketing"


@pytest.fixture(scope="module")
def small(make_client):
    return make_client(DATA)


def bindings(response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    return [row["p"]["value"] for row in response.json()["results"]["bindings"]]


def test_select_via_get_form_and_direct_post(small) -> None:
    assert bindings(small.get("/sparql", params={"query": SELECT})) == [MARKETING]
    assert bindings(small.post("/sparql", data={"query": SELECT})) == [MARKETING]
    direct = small.post("/sparql", content=SELECT, headers={"content-type": "application/sparql-query"})
    assert bindings(direct) == [MARKETING]


def test_project_prefixes_are_predeclared(small) -> None:
    assert bindings(small.get("/sparql", params={"query": "SELECT ?p { ?p a dpv:Purpose }"})) == [MARKETING]


@pytest.mark.parametrize(
    ("accept", "media_type", "marker"),
    [
        ("text/csv", "text/csv", "p\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", "?p\n"),
        ("application/sparql-results+xml", "application/sparql-results+xml", "<sparql"),
        ("text/html, application/json;q=0.5, */*;q=0.1", "application/json", '"bindings"'),
        ("*/*", "application/sparql-results+json", '"bindings"'),
        ("text/csv;q=0.4, text/tab-separated-values", "text/tab-separated-values", "?p\n"),
    ],
)
def test_select_content_negotiation(small, accept: str, media_type: str, marker: str) -> None:
    response = small.get("/sparql", params={"query": SELECT}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.text


def test_ask(small) -> None:
    assert small.get("/sparql", params={"query": "ASK { ?s a dpv:Purpose }"}).json()["boolean"] is True


@pytest.mark.parametrize(
    ("accept", "media_type", "marker"),
    [
        (None, "text/turtle", "almi:marketing a dpv:Purpose"),
        ("application/n-triples", "application/n-triples", f"<{MARKETING}>"),
        ("application/ld+json", "application/ld+json", '"@id"'),
        ("application/rdf+xml", "application/rdf+xml", "<rdf:RDF"),
    ],
)
def test_construct_formats(small, accept, media_type: str, marker: str) -> None:
    headers = {"accept": accept} if accept else {}
    response = small.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s a ?o }"}, headers=headers)
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.text


def test_malformed_query_gives_message_and_position(small, assert_problem) -> None:
    body = assert_problem(small.get("/sparql", params={"query": "SELECT ?p WHERE {\n ?p "}), 400)
    assert body["title"] == "Malformed query" and "error at 2:" in body["detail"]
    assert body["line"] == 2 and body["column"] >= 1


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 400),
        ({"data": {"query": "DELETE WHERE { ?s ?p ?o }"}}, 400),
        ({"data": {"query": "PREFIX a: <urn:a> DROP ALL"}}, 400),
        ({"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, 405),
        ({"params": {"update": "CLEAR ALL"}}, 405),
        ({"content": "DELETE WHERE { ?s ?p ?o }", "headers": {"content-type": "application/sparql-update"}}, 405),
    ],
)
def test_updates_are_refused_and_change_nothing(small, kwargs: dict, status: int, assert_problem) -> None:
    before = small.get("/readyz").json()["triples"]
    method = small.get if "params" in kwargs else small.post
    assert_problem(method("/sparql", **kwargs), status)
    assert small.get("/readyz").json()["triples"] == before == 2
    assert bindings(small.get("/sparql", params={"query": SELECT})) == [MARKETING]


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"method": "GET", "url": "/sparql?query=ASK{}&query=ASK{}"}, 400),
        ({"method": "POST", "url": "/sparql", "content": "ASK {}", "headers": {"content-type": "text/plain"}}, 415),
        ({"method": "POST", "url": "/sparql", "content": "query=ASK{}"}, 415),
        (
            {
                "method": "POST",
                "url": "/sparql",
                "content": "ASK {}".encode("utf-16"),
                "headers": {"content-type": "application/sparql-query; charset=UTF-16"},
            },
            415,
        ),
        ({"method": "GET", "url": "/sparql", "params": {"query": SELECT}, "headers": {"accept": "image/png"}}, 406),
        ({"method": "GET", "url": "/sparql", "params": {"query": SELECT}, "headers": {"accept": "text/turtle"}}, 406),
        ({"method": "GET", "url": "/sparql", "params": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400),
        ({"method": "GET", "url": "/nowhere"}, 404),
        ({"method": "DELETE", "url": "/sparql"}, 405),
        ({"method": "PUT", "url": "/sparql", "content": "x"}, 405),
    ],
)
def test_bad_requests_are_problems(small, request_kwargs: dict, status: int, assert_problem) -> None:
    assert_problem(small.request(**request_kwargs), status)


def test_dataset_layout_and_protocol_dataset(client) -> None:
    """Default graph = the merge of the named graphs but the registry; FROM / default-graph-uri /
    named-graph-uri select graphs."""
    almi, dpv = str(GRAPH["almi"]), str(GRAPH["dpv"])
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"

    def n(response) -> int:
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    graphs = client.get("/readyz").json()["graphs"]
    assert set(graphs) == {almi, dpv, str(GRAPH["vocab"]), str(GRAPH["registry"])}
    assert n(client.get("/sparql", params={"query": count})) == sum(graphs.values()) - graphs[str(GRAPH["registry"])]
    assert n(client.get("/sparql", params={"query": count, "default-graph-uri": almi})) == graphs[almi]
    assert (
        n(client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{dpv}> {{ ?s ?p ?o }}"}))
        == graphs[dpv]
    )
    # the protocol's dataset replaces the query's
    assert (
        n(
            client.get(
                "/sparql",
                params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{dpv}> {{ ?s ?p ?o }}", "default-graph-uri": almi},
            )
        )
        == graphs[almi]
    )
    named = client.post(
        "/sparql", data={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": [almi]}
    )
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [almi]


def test_service_description_on_get_without_query(client) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert "sd:endpoint <http://testserver/sparql>" in response.text
    assert str(GRAPH["almi"]) in response.text and "sd:UnionDefaultGraph" not in response.text
    rdfxml = client.get("/sparql", headers={"accept": "application/rdf+xml"})
    assert rdfxml.headers["content-type"].startswith("application/rdf+xml") and "Service" in rdfxml.text
