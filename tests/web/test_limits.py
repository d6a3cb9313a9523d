"""Limits: row cap (said in a header and the body), query length and body size (413), timeout."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

MANY = "@prefix ex: <http://example.org/> .\n" + "".join(f"ex:s{i} ex:p {i} .\n" for i in range(30))
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def capped(make_client):
    return make_client(MANY, max_rows=10, max_query_length=200, max_body=300)


@pytest.mark.parametrize(
    ("accept", "marker"),
    [
        ("application/sparql-results+json", '"truncated": true'),
        ("application/sparql-results+xml", "truncated"),
        ("text/csv", None),
        ("text/tab-separated-values", None),
    ],
)
def test_truncation_is_never_silent(capped, accept: str, marker: str | None) -> None:
    response = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["x-result-truncated"] == "true; max-rows=10"
    assert response.headers["x-result-rows"] == "10"
    if marker:
        assert marker in response.text


def test_construct_truncated_with_comment(capped) -> None:
    response = capped.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert response.headers["x-result-truncated"].startswith("true")
    assert response.text.startswith("# Result truncated")


def test_not_truncated_when_it_fits(capped) -> None:
    response = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 10"})
    assert "x-result-truncated" not in response.headers and '"truncated"' not in response.text


def test_query_too_long_and_body_too_large(capped, assert_problem) -> None:
    long_query = "SELECT * { ?s ?p ?o } #" + "x" * 200
    assert_problem(capped.get("/sparql", params={"query": long_query}), 413)
    assert_problem(
        capped.post("/sparql", content=long_query + "x" * 200, headers={"content-type": "application/sparql-query"}),
        413,
    )


# local workers only: a remote engine keeps running an abandoned query (Oxigraph server cannot cancel one)
@pytest.mark.backends("memory", "disk")
def test_runaway_query_times_out_while_others_are_answered(server_url: str, assert_problem) -> None:
    """A real uvicorn with a 1 s timeout: the cartesian product is stopped; meanwhile other clients are served."""
    outcome: dict[str, httpx.Response] = {}

    def runaway() -> None:
        outcome["slow"] = httpx.get(f"{server_url}/sparql", params={"query": RUNAWAY}, timeout=30)

    started = time.monotonic()
    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.2)
    latencies = []
    while thread.is_alive() and time.monotonic() - started < 20:
        t0 = time.monotonic()
        fast = httpx.get(
            f"{server_url}/v1/transfers", params={"lang": "sv"}, timeout=10, headers={"cache-control": "no-cache"}
        )  # a worker answers, not the result cache
        latencies.append(time.monotonic() - t0)
        assert fast.status_code == 200 and fast.json()["count"] == 1  # the one transfer
    thread.join()
    elapsed = time.monotonic() - started
    assert_problem(outcome["slow"], 503)
    assert "stopped" in outcome["slow"].json()["detail"]
    assert elapsed < 3, f"the timeout took {elapsed:.1f} s"
    assert latencies and max(latencies) < 0.5, latencies
    # the killed worker was replaced: queries keep working
    after = httpx.get(f"{server_url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert after.json()["boolean"] is True
