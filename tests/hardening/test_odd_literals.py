"""A policy holding integers Python cannot read (ill-typed, or past 4,300 digits), loaded by an admin
PUT, then read through the REST resource: never a 500 (#12)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dpv_almi.settings import Settings
from dpv_almi.web import create_app

TOKEN = "odd-literals-token"
POLICY = """@prefix dpv: <https://w3id.org/dpv#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/dpv-almi/odd/P> a dpv:Process ;
    <https://example.org/huge> {huge} ;
    <https://example.org/word> "many"^^xsd:integer .
""".replace("{huge}", "9" * 5000)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(workers=1, query_timeout=10, admin_token=TOKEN)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_odd_integers_are_given_as_written(client: TestClient) -> None:
    put = client.put(
        "/v1/admin/policies/odd",
        content=POLICY.encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"},
    )
    assert put.status_code == 200, put.text
    response = client.get("/v1/activities/odd/P", headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    text = response.text
    assert "9" * 5000 in text and '"many"' in text
