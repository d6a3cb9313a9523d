"""A query that makes the engine abort is refused after once, so it cannot take down worker after worker.

Found while running the W3C suites on the policy layout: ``ORDER BY ?o`` over all of the suites' data
makes Oxigraph's sort panic ("user-provided comparison function does not correctly implement a total
order") and the worker process abort (SIGABRT).  Before: every repeat killed another worker (503
"try again", and trying again did the same).  Now the first gets 503, every repeat on the same data
400 "Query crashes the engine" with no worker lost.  Real ``dpv-almi serve``, the suites' data.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support import w3c

CRASHER = "SELECT * { ?s ?p ?o } ORDER BY ?o LIMIT 5"


def test_a_query_that_aborts_the_engine_is_refused_after_once(serve, tmp_path: Path) -> None:
    if not w3c.SUITES.is_dir():
        pytest.skip(f"the W3C suites are not at {w3c.SUITES}")
    dataset = tmp_path / "w3c.nq"
    w3c.write_dataset(w3c.load_tests(), dataset)
    server = serve(["--data", str(dataset), "--workers", "2"], {"DPV_ALMI_ANSWER_REPLAY_BYTES": "0"})
    with httpx.Client(base_url=server.url, timeout=60) as client:
        first = client.get("/sparql", params={"query": CRASHER})
        if first.status_code == 200:
            pytest.skip("this Oxigraph release no longer aborts on the query")
        assert first.status_code == 503, first.text
        for _ in range(3):
            again = client.get("/sparql", params={"query": CRASHER})
            assert again.status_code == 400, again.text
            assert again.json()["title"] == "Query crashes the engine"
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
    assert server.log.read_text().count("query worker died") == 1, "a repeat reached a worker"
