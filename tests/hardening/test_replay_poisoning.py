"""The answer replay (web/replay.py) must never give one client an answer made for another.

Its key holds the headers an answer depends on; a request that repeats one of them (two ``Accept``
lines, two ``Host`` lines) was keyed by the last value while the application negotiated with the
first, so the answer it got was kept for, and replayed to, clients that asked for something else.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dpv_almi.settings import Settings
from dpv_almi.web import create_app

QUERY = {"query": "ASK {}"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=1, query_timeout=10)), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("first", "second", "wanted"),
    [
        ("application/sparql-results+json", "text/csv", "text/csv"),
        ("text/csv", "application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_a_repeated_accept_header_does_not_poison_the_replay(
    client: TestClient, first: str, second: str, wanted: str
) -> None:
    poisoning = client.get("/sparql", params=QUERY, headers=[("accept", first), ("accept", second)])
    assert poisoning.status_code == 200
    for _ in range(2):  # the first may be the full path, the second a replay
        honest = client.get("/sparql", params=QUERY, headers={"accept": wanted})
        assert honest.status_code == 200
        assert honest.headers["content-type"].startswith(wanted), honest.headers


def test_a_repeated_host_header_does_not_poison_the_replay(client: TestClient) -> None:
    client.get("/sparql", headers=[("host", "evil.example"), ("host", "testserver"), ("accept", "text/turtle")])
    for _ in range(2):
        honest = client.get("/sparql", headers={"accept": "text/turtle"})
        assert honest.status_code == 200
        assert "evil.example" not in honest.text
