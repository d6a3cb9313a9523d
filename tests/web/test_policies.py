"""Many policies: the registry, the policy filter, the admin endpoint, versions and diffs, the on-disk
store, and the service over a remote Oxigraph server (started here, one per session)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dpv_almi import resources
from dpv_almi.model import synthetic
from dpv_almi.namespaces import GRAPH
from dpv_almi.settings import Settings
from dpv_almi.web import create_app
from tests.support.activities import COUNT_ACTIVITIES
from tests.support.local_service import free_port

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    synthetic.write_policies(3, folder / "policies.trig", seed=1)
    return folder / "policies.trig"


def _client(**settings: object) -> TestClient:
    return TestClient(
        create_app(Settings(workers=1, query_timeout=10, **settings)),  # type: ignore[arg-type]
        raise_server_exceptions=False,
    )


def _count(client: TestClient, query: str = COUNT_ACTIVITIES) -> int:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def _check_many_policies(client: TestClient) -> None:
    """What every backend must do with Almi + 3 generated policies."""
    policies = {p["id"]: p for p in client.get("/v1/policies").json()["items"]}
    assert set(policies) == {"almi", "org-00001", "org-00002", "org-00003"}
    assert all(len(p["sha256"]) == 64 and p["version"] and p["source"] for p in policies.values())
    total = _count(client)
    one = client.get("/v1/activities", params={"policy": "org-00002", "limit": 1000}).json()
    assert 0 < one["total"] < total
    assert all("/org-00002/" in item["iri"] for item in one["items"])
    assert client.get("/v1/activities", params={"limit": 1000}).json()["total"] == total
    assert client.get("/v1/activities", params={"policy": "almi", "basis": "consent"}).json()["total"] == 4


def test_memory_store_serves_many_policies(generated: Path) -> None:
    with _client(data=(*resources.default_data_files(), generated)) as client:
        _check_many_policies(client)


def test_disk_store_restart_serves_without_reloading(generated: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    with _client(data=(*resources.default_data_files(), generated), store=str(store)) as client:
        _check_many_policies(client)
    # restart on the store alone: nothing to load, the same data
    with _client(data=(), store=str(store)) as client:
        _check_many_policies(client)


def test_admin_endpoint_is_off_without_a_token(client, assert_problem) -> None:
    assert_problem(client.put("/v1/admin/policies/acme", content=b"", headers=AUTH), 404)


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_admin_replace_versions_and_diff(store: str, tmp_path: Path, assert_problem) -> None:
    policies = list(synthetic.generate_policies(1, seed=5))
    v1 = policies[0][1].serialize(format="turtle").encode()
    changed = synthetic.generate(1, seed=5, faults={1: "no-purpose"})
    v2 = changed.serialize(format="turtle").encode()
    extra: dict[str, object] = {"admin_token": TOKEN}
    if store == "disk":
        extra["store"] = str(tmp_path / "store")
    with _client(**extra) as client:
        assert_problem(
            client.put("/v1/admin/policies/acme", content=v1, headers={**AUTH, "Authorization": "Bearer x"}), 401
        )
        assert_problem(client.put("/v1/admin/policies/acme", content=b"<a> <b> .", headers=AUTH), 400)
        assert "acme" not in [p["id"] for p in client.get("/v1/policies").json()["items"]]
        before = _count(client)
        loaded = client.put("/v1/admin/policies/acme?version=1", content=v1, headers=AUTH)
        assert loaded.status_code == 200, loaded.text
        with_v1 = _count(client)
        assert with_v1 > before and "acme" in [p["id"] for p in client.get("/v1/policies").json()["items"]]

        seen: set[int] = set()
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                seen.add(
                    _count(client, "SELECT (COUNT(*) AS ?n) {{ GRAPH <{}> {{ ?s ?p ?o }} }}".format(GRAPH["acme"]))
                )

        reader = threading.Thread(target=read)
        reader.start()
        assert client.put("/v1/admin/policies/acme?version=2", content=v2, headers=AUTH).status_code == 200
        time.sleep(0.2)
        stop.set()
        reader.join()
        assert seen <= {len(policies[0][1]), len(changed)}, "a reader saw a mix of versions"

        versions = client.get("/v1/policies/acme/versions").json()["items"]
        assert [(v["version"], v["current"]) for v in versions] == [("1", False), ("2", True)]
        diff = client.get("/v1/policies/acme/diff", params={"from": "1", "to": "2"}).json()
        assert len(diff["activities"]["changed"]) == 1 and not diff["activities"]["added"]
        assert_problem(client.get("/v1/policies/acme/diff", params={"from": "1", "to": "9"}), 404)


# --- remote: Oxigraph server -----------------------------------------------------------


_free_port = free_port


def test_remote_oxigraph_server(fresh_oxigraph, generated: Path, tmp_path: Path) -> None:
    from dpv_almi.store.backends import RemoteBackend

    spec = fresh_oxigraph.spec
    RemoteBackend(spec, tmp_path).load_files([*resources.default_data_files(), generated])
    with _client(store=spec) as client:
        _check_many_policies(client)
        assert client.get("/v1/transfers").json()["count"] > 0
