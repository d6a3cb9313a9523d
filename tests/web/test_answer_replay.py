"""A repeated GET is answered with the complete answer the same request got before (web/replay.py), and
never when that answer could differ: another negotiation, a write, credentials, a client asking for fresh.

Real ``dpv-almi serve``, loopback; whether the request path ran is read from the service's own metrics
(worker queries, result-cache lookups) and its access log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

TOKEN = "replay-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
ACME = """@prefix dpv: <https://w3id.org/dpv#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/dpv-almi/acme/Newsletter> a dpv:Process ; skos:prefLabel "Newsletter"@en .
"""
QUERY = {"query": "SELECT ?a { ?a a dpv:Process } ORDER BY ?a"}


def _metric(client: httpx.Client, name: str, labels: str) -> float:
    match = re.search(rf"^{name}\{{{labels}\}} (\S+)$", client.get("/metrics").text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _path_ran(client: httpx.Client) -> float:
    """Result-cache lookups (hits and misses): every request that reaches the query runner makes one."""
    return sum(_metric(client, "dpv_almi_result_cache_total", f'event="{e}"') for e in ("hit", "miss"))


def test_repeats_are_replayed_with_fresh_request_ids_and_logged(tmp_path: Path) -> None:
    from tests.support.local_service import running_service

    env = {"DPV_ALMI_ADMIN_TOKEN": TOKEN, "DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None}
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        first = client.get("/sparql", params=QUERY)
        ran = _path_ran(client)
        again = [client.get("/sparql", params=QUERY) for _ in range(3)]
        assert _path_ran(client) == ran, "a repeat reached the query runner"
        for response in again:
            assert response.status_code == 200 and response.content == first.content
            assert response.headers["etag"] == first.headers["etag"]
            assert response.headers["content-type"] == first.headers["content-type"]
            assert response.headers["x-content-type-options"] == "nosniff"
        ids = {r.headers["x-request-id"] for r in [first, *again]}
        assert len(ids) == 4
        logged = [
            json.loads(line[line.index("{") :])
            for line in service.log.read_text().splitlines()
            if '"request_id"' in line
        ]
        assert ids <= {record["request_id"] for record in logged}  # one access-log line each

        # what the answer depends on is part of what is replayed
        csv = client.get("/sparql", params=QUERY, headers={"Accept": "text/csv"})
        assert csv.headers["content-type"].startswith("text/csv") and _path_ran(client) == ran + 1
        english = client.get("/v1/transfers", headers={"Accept-Language": "en"}).json()
        swedish = client.get("/v1/transfers", headers={"Accept-Language": "sv"}).json()
        assert english != swedish
        assert client.get("/v1/transfers", headers={"Accept-Language": "sv"}).json() == swedish

        # a client that asks for a fresh answer, or sends credentials, takes the full path
        ran = _path_ran(client)
        client.get("/sparql", params=QUERY, headers={"Cache-Control": "no-cache"})
        client.get("/sparql", params=QUERY, headers={"Authorization": "Bearer someone"})
        assert _path_ran(client) == ran + 2

        # a write: nothing kept is replayed any more
        listing = {"query": "SELECT ?a { ?a a dpv:Process } ORDER BY ?a"}
        before = client.get("/sparql", params=listing).json()["results"]["bindings"]
        assert client.put("/v1/admin/policies/acme", content=ACME, headers=ADMIN).status_code == 200
        after = client.get("/sparql", params=listing).json()["results"]["bindings"]
        assert len(after) == len(before) + 1


def test_replay_can_be_turned_off(tmp_path: Path) -> None:
    from tests.support.local_service import running_service

    env = {"DPV_ALMI_ANSWER_REPLAY_BYTES": "0", "DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None}
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        client.get("/sparql", params=QUERY)
        ran = _path_ran(client)
        client.get("/sparql", params=QUERY)
        assert _path_ran(client) == ran + 1
