"""``--dataset standard``: a dataset served exactly as loaded (issue #14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dpv_almi.errors import EXIT_USAGE
from dpv_almi.settings import Settings
from dpv_almi.web.app import create_app

TRIG = """@prefix ex: <http://example.org/> .
ex:a ex:p ex:b .
ex:a ex:p "in default" .
ex:g1 { ex:a ex:p ex:b . ex:c ex:q "only in g1" . }
ex:g2 { ex:a ex:p ex:b . }
"""
TURTLE = """@prefix ex: <http://example.org/> .
ex:t ex:p "from turtle" .
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("standard")
    (folder / "data.trig").write_text(TRIG)
    (folder / "more.ttl").write_text(TURTLE)
    settings = Settings(
        data=(folder / "data.trig", folder / "more.ttl"), dataset="standard", workers=2, admin_token="t0ken"
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _values(client: TestClient, query: str, **params: object) -> list[str]:
    response = client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return sorted(b["x"]["value"] for b in response.json()["results"]["bindings"])


def test_default_graph_is_the_files_default_graph_no_union(client: TestClient) -> None:
    assert _values(client, "SELECT ?x { ?s ?p ?x }") == ["from turtle", "http://example.org/b", "in default"]
    assert _values(client, "SELECT ?x { GRAPH ?x { } }") == ["http://example.org/g1", "http://example.org/g2"]
    assert _values(client, "SELECT ?x { GRAPH <http://example.org/g1> { ?s ?p ?x } }") == [
        "http://example.org/b",
        "only in g1",
    ]
    # nothing of the service's own: no registry graph, no policies
    assert client.get("/v1/policies").json()["items"] == []


def test_service_description_says_no_union(client: TestClient) -> None:
    description = client.get("/sparql", headers={"accept": "text/turtle"})
    assert description.status_code == 200
    assert "UnionDefaultGraph" not in description.text and "void:triples 3 ;" in description.text
    assert "standard dataset" in description.text


def test_policies_cannot_be_written(client: TestClient) -> None:
    response = client.put(
        "/v1/admin/policies/acme",
        content=TURTLE,
        headers={"Authorization": "Bearer t0ken", "Content-Type": "text/turtle"},
    )
    assert response.status_code == 409 and response.headers["content-type"].startswith("application/problem+json")


def test_standard_with_a_store_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dpv_almi.cli.main", "serve", "--dataset", "standard", "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "--dataset standard" in done.stderr and "Traceback" not in done.stderr
