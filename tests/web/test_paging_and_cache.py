"""Listings paged in the store, the result cache, and remote-store freshness -- on real services.

* paging: a few hundred synthetic policies, every page followed through ``next``: each row exactly
  once, ``total`` equal to the store's own count;
* result cache: a repeated answer comes from the cache, a write makes every cached answer (and
  ETag) stale at once, and ``DPV_ALMI_RESULT_CACHE=0`` turns it off;
* two instances over one Oxigraph server: a policy one loads is served by the other within
  ``DPV_ALMI_REMOTE_REFRESH`` seconds (no restart).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest

from dpv_almi import resources
from dpv_almi.model import synthetic
from dpv_almi.namespaces import PREFIXES
from dpv_almi.sparql.catalogue import bind, load_rest_catalogue
from dpv_almi.web.routers.v1.common import page_texts
from tests.support.activities import COUNT_ACTIVITIES
from tests.support.local_service import running_service

TOKEN = "paging-cache-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
ACME = """\
@prefix dpv: <https://w3id.org/dpv#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/dpv-almi/acme/Notice> a dpv:PrivacyNotice ; skos:prefLabel "Acme's notice"@en .
<https://w3id.org/dpv-almi/acme/Newsletter> a dpv:Process ; skos:prefLabel "Newsletter"@en .
"""
POLICIES = 240


def _walk(client: httpx.Client, path: str, **params: object) -> tuple[list[dict], list[int]]:
    """Every item of a listing, following ``next`` (and checking the Link header says the same)."""
    items, totals = [], []
    url: str | None = path
    first = True
    while url is not None:
        response = client.get(url, params=params if first else None)
        first = False
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(body["items"]) <= body["limit"]
        items += body["items"]
        totals.append(body["total"])
        url = body["next"]
        link = response.headers.get("link")
        assert (link is None) == (url is None) and (url is None or link == f'<{url}>; rel="next"')
    return items, totals


def _count(client: httpx.Client, query: str) -> int:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def many_policies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real service on Almi and a few hundred synthetic policies."""
    folder = tmp_path_factory.mktemp("many")
    synthetic.write_policies(POLICIES, folder / "policies.trig", seed=5)
    data = [*map(str, resources.default_data_files()), str(folder / "policies.trig")]
    with running_service(
        folder, args=["--data", *data], env={"DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None}, wait=120
    ) as service:
        yield service.url


def test_activity_pages_cover_every_activity_exactly_once(many_policies: str) -> None:
    with httpx.Client(base_url=many_policies, timeout=60) as client:
        items, totals = _walk(client, "/v1/activities", limit=97, lang="en")
        ids = Counter(item["id"] for item in items)
        assert max(ids.values()) == 1
        expected = _count(client, COUNT_ACTIVITIES)
        assert len(ids) == expected == totals[0] and set(totals) == {expected}
        assert expected > 2 * POLICIES
        # a filter pages the same way: the consent activities, in pages of 13
        consent, totals = _walk(client, "/v1/activities", basis="consent", limit=13)
        assert len(consent) == len({i["id"] for i in consent}) == totals[0] > 0
        assert {i["id"] for i in consent} < set(ids)


def test_policy_and_notice_listings_page_in_the_store(many_policies: str) -> None:
    with httpx.Client(base_url=many_policies, timeout=60) as client:
        policies, totals = _walk(client, "/v1/policies", limit=7)
        assert len(policies) == totals[0] == POLICIES + 1
        assert len({p["id"] for p in policies}) == POLICIES + 1 and "almi" in {p["id"] for p in policies}
        whole = client.get("/v1/transfers", params={"limit": 10_000}).json()
        paged, totals = _walk(client, "/v1/transfers", limit=50)
        assert paged == whole["items"] and len(paged) == totals[0] == whole["total"] > 50
        assert client.get("/v1/transfers", params={"limit": 0}).status_code == 422


def _metric(client: httpx.Client, name: str, labels: str) -> float:
    match = re.search(rf"^{name}\{{{labels}\}} (\S+)$", client.get("/metrics").text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _hits(client: httpx.Client) -> float:
    return _metric(client, "dpv_almi_result_cache_total", 'event="hit"')


def _worker_queries(client: httpx.Client) -> float:
    return _metric(client, "dpv_almi_queries_total", 'outcome="ok"')


def test_result_cache_answers_repeats_and_forgets_everything_on_a_write(tmp_path: Path) -> None:
    env = {
        "DPV_ALMI_ADMIN_TOKEN": TOKEN,
        "DPV_ALMI_WORKERS": "2",
        "DPV_ALMI_STORE": None,
        "DPV_ALMI_MAX_ROWS": "5",
        "DPV_ALMI_ANSWER_REPLAY_BYTES": "0",  # the layer in front (tests/web/test_answer_replay.py) would answer first
    }
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        # a truncated answer is cached as truncated (header and body), never as a whole one
        query = {"query": "SELECT ?a { ?a a dpv:Process } ORDER BY ?a"}
        truncated = [client.get("/sparql", params=query) for _ in range(2)]
        assert all(r.headers["x-result-truncated"] == "true; max-rows=5" for r in truncated)
        assert truncated[0].json() == truncated[1].json() and truncated[1].json()["truncated"] is True
        assert len(truncated[1].json()["results"]["bindings"]) == 5 and _hits(client) == 1
        assert (
            client.get("/sparql", params={"query": "SELECT ?a { ?a a dpv:Process }"}).headers.get("x-result-truncated")
            == "true; max-rows=5"
        )  # another text, another answer: a miss
        assert _hits(client) == 1

        # (an unknown policy is a 404, so the answer that changes with the load is the list of policies)
        first = client.get("/v1/policies")
        assert "acme" not in {p["id"] for p in first.json()["items"]}
        ran, hits = _worker_queries(client), _hits(client)
        again = client.get("/v1/policies")
        assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
        page_queries = _hits(client) - hits  # the page's resources, their rows, their labels
        assert page_queries >= 1 and _worker_queries(client) == ran  # from the cache, no worker
        fresh = client.get("/v1/policies", headers={"cache-control": "no-cache"})
        assert (
            fresh.json() == first.json() and _hits(client) == hits + page_queries
        )  # the client asked for a fresh answer
        assert _worker_queries(client) > ran

        put = client.put("/v1/admin/policies/acme", content=ACME, headers=ADMIN)
        assert put.status_code == 200, put.text
        after = client.get("/v1/activities", params={"policy": "acme"})
        assert after.json()["total"] == 1 and after.json()["items"][0]["id"] == "acme/Newsletter"
        assert after.headers["etag"] != first.headers["etag"]
        assert "acme" in {p["id"] for p in client.get("/v1/policies").json()["items"]}


def test_result_cache_can_be_turned_off(tmp_path: Path) -> None:
    env = {"DPV_ALMI_RESULT_CACHE": "0", "DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None}
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        answers = [client.get("/v1/transfers").json() for _ in range(3)]
        assert answers[0] == answers[1] == answers[2] and answers[0]["count"] > 0
        assert _hits(client) == 0 and _worker_queries(client) >= 3


@pytest.fixture
def oxigraph_store(fresh_oxigraph, tmp_path: Path) -> str:
    """A fresh ``oxigraph serve`` holding the packaged data; its store spec."""
    from dpv_almi.store.backends import RemoteBackend

    RemoteBackend(fresh_oxigraph.spec, tmp_path / "seed-versions").load_files(resources.default_data_files())
    return fresh_oxigraph.spec


def test_a_second_instance_sees_a_policy_loaded_by_the_first_within_the_refresh(
    oxigraph_store: str, tmp_path: Path
) -> None:
    refresh = 0.5
    common = {"DPV_ALMI_STORE": oxigraph_store, "DPV_ALMI_REMOTE_REFRESH": str(refresh), "DPV_ALMI_WORKERS": "2"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        running_service(tmp_path / "a", env={**common, "DPV_ALMI_ADMIN_TOKEN": TOKEN}) as writer,
        running_service(tmp_path / "b", env={**common, "DPV_ALMI_ADMIN_TOKEN": None}) as reader,
        httpx.Client(timeout=30) as client,
    ):
        before = client.get(f"{reader.url}/v1/policies")
        assert {p["id"] for p in before.json()["items"]} == {"almi"}
        assert client.get(f"{reader.url}/v1/activities", params={"policy": "acme"}).status_code == 404  # cached

        put = client.put(f"{writer.url}/v1/admin/policies/acme", content=ACME, headers=ADMIN)
        assert put.status_code == 200, put.text
        written = time.monotonic()
        while True:
            now = client.get(f"{reader.url}/v1/policies")
            if "acme" in {p["id"] for p in now.json()["items"]}:
                break
            assert time.monotonic() - written < refresh + 10, "the second instance never saw the new policy"
            time.sleep(0.05)
        seen_after = time.monotonic() - written
        assert now.headers["etag"] != before.headers["etag"]
        assert client.get(f"{reader.url}/v1/activities", params={"policy": "acme"}).json()["total"] == 1
        assert client.get(f"{reader.url}/readyz").status_code == 200
        print(f"seen by the second instance after {seen_after:.2f} s (refresh every {refresh} s)")


PAGED_QUERIES = [
    "activities",
    "policies",
    "transfers",
    "categories",
    "recipients",
    "rights",
    "contacts",
    "retention",
    "changes",
]
"""The REST queries /v1 serves a page at a time (routers/v1/activities.py, policies.py, notice.py)."""


@pytest.mark.parametrize("name", PAGED_QUERIES)
def test_every_paged_query_splits_into_a_page_and_a_count_that_parse(name: str) -> None:
    """page_texts reads the listing's shape from its text: a .rq edited out of that shape fails here,
    not as a 500 on the first request."""
    query = load_rest_catalogue()[name]
    page_text, count_text = page_texts(bind(query, {}), 10, 20)
    empty = pyoxigraph.Store()
    for text in (page_text, count_text):
        empty.query(text, prefixes=PREFIXES)  # raises SyntaxError if the split broke the query
    assert page_text.rstrip().endswith("LIMIT 10\nOFFSET 20") and "COUNT(*)" in count_text
    assert "ORDER BY" not in count_text.upper()
