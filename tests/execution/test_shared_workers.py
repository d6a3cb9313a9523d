"""Query workers forked from the service share its in-memory store (a real uvicorn service):
they hold no socket of the parent's (only their own two channels), a write swaps the pool while the old readers finish on the old
data, and the memory cap is an allowance above the shared data that still ends a hog."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from pathlib import Path

import httpx
import pytest

from dpv_almi import resources
from dpv_almi.model import synthetic
from dpv_almi.namespaces import GRAPH
from tests.support.local_service import running_service

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc")

TOKEN = "shared-workers-token"
SLOW = (
    "SELECT (COUNT(*) AS ?n) { ?a a <https://w3id.org/dpv#Process> . "
    "?b <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
)
"""A second or more over the generated data (37M pairs), and its answer changes with any policy."""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("shared") / "policies.trig"
    synthetic.write_policies(300, path, seed=4)
    return os.pathsep.join(map(str, [*resources.default_data_files(), path]))


def _workers(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return sorted(children)


def _rollup_mib(pid: int, kind: str) -> float:
    """MiB of *pid*'s memory that is ``Shared`` or ``Private`` (clean + dirty, ``smaps_rollup``)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return sum(int(fields[f"{kind}_{state}"].split()[0]) for state in ("Clean", "Dirty")) / 1024


def _shared_mib(pid: int) -> float:
    return _rollup_mib(pid, "Shared")


def _socket_inodes(pid: int) -> set[int]:
    """The sockets *pid* holds beyond its standard streams (a copy of another's has the same inode)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            info = os.stat(f"/proc/{pid}/fd/{fd}")
            if int(fd) > 2 and stat.S_ISSOCK(info.st_mode):
                inodes.add(info.st_ino)
    return inodes


def _count(client: httpx.Client, query: str) -> int:
    response = client.get("/sparql", params={"query": query}, headers={"Cache-Control": "no-cache"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_workers_share_the_store_and_hold_no_socket(data: str, tmp_path: Path) -> None:
    env = {"DPV_ALMI_DATA": data, "DPV_ALMI_WORKERS": "2"}
    with running_service(tmp_path, env=env) as service:
        workers = _workers(service.process.pid)
        assert len(workers) == 2, workers
        with httpx.Client(base_url=service.url, timeout=30) as client:  # a connection the workers must not hold
            assert client.get("/readyz").status_code == 200
            for worker in workers:
                # the ~110k triples were loaded once, by the service: each worker maps them shared
                assert _shared_mib(worker) > 20, f"worker {worker} shares only {_shared_mib(worker):.1f} MiB"
                held = _socket_inodes(worker)
                assert len(held) == 2, f"worker {worker} holds {len(held)} sockets, not its two channels"
                shared = held & _socket_inodes(service.process.pid)
                assert not shared, f"worker {worker} holds the service's sockets {shared}"


def test_a_write_swaps_the_pool_and_old_readers_finish_on_the_old_data(data: str, tmp_path: Path) -> None:
    env = {
        "DPV_ALMI_DATA": data,
        "DPV_ALMI_WORKERS": "2",
        "DPV_ALMI_ADMIN_TOKEN": TOKEN,
        "DPV_ALMI_RESULT_CACHE": "0",
        "DPV_ALMI_QUERY_TIMEOUT": "60",
    }
    graph_size = "SELECT (COUNT(*) AS ?n) {{ GRAPH <{}> {{ ?s ?p ?o }} }}".format(GRAPH["org-00007"])
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=90) as client:
        old_workers = _workers(service.process.pid)
        before_slow, before_size = _count(client, SLOW), _count(client, graph_size)
        slow: list[int] = []
        reader = threading.Thread(
            target=lambda: slow.append(_count(httpx.Client(base_url=service.url, timeout=90), SLOW))
        )
        reader.start()
        time.sleep(0.3)  # the slow query is running in an old worker
        started = time.perf_counter()
        put = client.put(
            "/v1/admin/policies/org-00007?version=2",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"},
            content=b"<https://example.org/x> <https://example.org/y> <https://example.org/z> .\n",
        )
        assert put.status_code == 200, put.text
        assert _count(client, graph_size) == 1  # new queries: the new version, at once
        reader.join()
        print(f"\nwrite answered in {time.perf_counter() - started:.2f} s while a slow query ran")
        assert slow == [before_slow], "the query that started before the write saw a mix or failed"
        assert before_size > 1
        # The old pool's workers end once they are done; then the pool is swapped once more (the refork,
        # see runner.reload), so two workers without an old one may still be the intermediate pool:
        # wait until the set of workers has stayed the same for 3 s.
        deadline, settled, seen = time.monotonic() + 30, time.monotonic(), _workers(service.process.pid)
        while time.monotonic() < deadline and (
            set(seen) & set(old_workers) or len(seen) != 2 or time.monotonic() - settled < 3
        ):
            time.sleep(0.2)
            now = _workers(service.process.pid)
            if now != seen:
                seen, settled = now, time.monotonic()
        assert not set(seen) & set(old_workers)
        assert len(seen) == 2, seen
        assert _workers(service.process.pid) == seen
        assert _count(client, SLOW) != before_slow  # and the slow query now runs on the new data


def test_the_memory_cap_is_an_allowance_above_the_shared_data(data: str, tmp_path: Path) -> None:
    # 150 MiB would be below what a worker forked from the service maps before any query: as an
    # absolute cap no worker could start; as an allowance a hog still ends its worker, the next query works
    env = {
        "DPV_ALMI_DATA": data,
        "DPV_ALMI_WORKERS": "2",
        "DPV_ALMI_WORKER_MEMORY": "150",
        "DPV_ALMI_QUERY_TIMEOUT": "30",
        "DPV_ALMI_RESULT_CACHE": "0",
    }
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=60) as client:
        size = int(Path(f"/proc/{_workers(service.process.pid)[0]}/statm").read_text().split()[0]) * os.sysconf(
            "SC_PAGE_SIZE"
        )
        assert size > 150 * 2**20, "the test needs workers that map more than the allowance"
        hog = "SELECT (GROUP_CONCAT(CONCAT(STR(?o), STR(?c)); separator='') AS ?all) { ?s ?p ?o . ?a ?b ?c }"
        response = client.get("/sparql", params={"query": hog})
        assert response.status_code == 503, response.text[:300]
        assert response.headers["content-type"].startswith("application/problem+json")
        assert _count(client, "SELECT (COUNT(*) AS ?n) { ?s a <https://w3id.org/dpv#Process> }") > 300


def _private_mib(pid: int) -> float:
    return _rollup_mib(pid, "Private")


@pytest.fixture(scope="module")
def larger_data(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("shared") / "policies-1000.trig"
    synthetic.write_policies(1000, path, seed=5)
    return os.pathsep.join(map(str, [*resources.default_data_files(), path]))


RECYCLE_MIB = 64
"""Above what a worker that ran nothing comes to hold privately (the service's own heap pages it
wrote after the fork, ~30 MiB here), below what one scan over 1,000 policies copies (~100 MiB)."""


@pytest.mark.parametrize("recycle", [0, RECYCLE_MIB])
def test_a_worker_that_copied_the_shared_store_is_replaced(larger_data: str, tmp_path: Path, recycle: int) -> None:
    """A query over the whole store makes its worker copy the shared pages it reads (Oxigraph writes
    as it reads).  With ``worker_recycle`` the worker is replaced after its answer, and every worker
    is back under the threshold; without it (the control), the copy stays."""
    env = {
        "DPV_ALMI_DATA": larger_data,
        "DPV_ALMI_WORKERS": "2",
        "DPV_ALMI_WORKER_RECYCLE": str(recycle),
        "DPV_ALMI_RESULT_CACHE": "0",
        "DPV_ALMI_QUERY_TIMEOUT": "60",
    }
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=90) as client:
        before = _workers(service.process.pid)
        _count(client, SLOW)
        deadline = time.monotonic() + 20
        while True:  # with recycling, the spent worker exits and a successor starts: wait for the two
            after = _workers(service.process.pid)
            try:
                private = {worker: _private_mib(worker) for worker in after}
            except OSError:  # one ended while being read
                continue
            if time.monotonic() > deadline or (len(after) == 2 and (not recycle or after != before)):
                break
            time.sleep(0.1)
        assert len(after) == 2
        if recycle:
            assert len(set(before) & set(after)) == 1, (before, after)  # the one that answered was replaced
            assert all(mib < recycle for mib in private.values()), private
            assert _count(client, SLOW) > 0  # and the successor answers
        else:
            assert after == before
            assert max(private.values()) > RECYCLE_MIB, private  # the copy the recycling prevents
