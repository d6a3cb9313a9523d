"""One on-disk store, several processes: a served generation is never deleted, no write is lost.

Before: with ``serve --store S`` running, two ``dpv-almi load … --store S`` runs pruned the
generation the service served, so the next replaced worker could not open it and every uncached
query and ``/readyz`` were 503 for good; and an admin PUT after a CLI load wrote the service's stale
registry over the load's record (its policy served, its entry gone).  Real processes throughout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dpv_almi.store.backends import DiskBackend

TOKEN = "shared-store-token"


def _notice(folder: Path, name: str) -> Path:
    path = folder / f"{name}.ttl"
    path.write_text(
        f"@prefix dpv: <https://w3id.org/dpv#> .\n@prefix ex: <http://example.org/{name}/> .\n"
        "ex:Notice a dpv:PrivacyNotice ; dpv:hasProcess ex:A .\nex:A a dpv:Process .\n"
    )
    return path


def _load(path: Path, policy: str, store: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dpv_almi.cli.main", "load", str(path), "--policy", policy, "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def test_loads_by_another_process_never_delete_the_served_generation(serve, tmp_path: Path) -> None:
    store = tmp_path / "store"
    server = serve([], {"DPV_ALMI_STORE": str(store), "DPV_ALMI_RESULT_CACHE": "0"})
    served = (store / "CURRENT").read_text().strip()
    for name in ("one", "two", "three"):
        _load(_notice(tmp_path, name), name, store)
    assert (store / served).is_dir(), "a load pruned the generation the service serves"
    for worker in _children(server.process.pid):  # replaced workers must open the served generation again
        os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
        if ready.status_code == 200:
            break
        time.sleep(0.2)
    assert ready.status_code == 200, ready.text
    ask = httpx.get(f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ask.status_code == 200, ask.text
    generations = sorted(p.name for p in store.glob("gen-*"))
    assert len(generations) <= 3, generations  # unleased old generations are still pruned


def test_a_write_by_the_service_keeps_a_load_by_the_cli(serve, tmp_path: Path) -> None:
    store = tmp_path / "store"
    server = serve([], {"DPV_ALMI_STORE": str(store), "DPV_ALMI_ADMIN_TOKEN": TOKEN})
    _load(_notice(tmp_path, "eps"), "eps", store)
    response = httpx.put(
        f"{server.url}/v1/admin/policies/acme",
        content=_notice(tmp_path, "acme").read_bytes(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    backend = DiskBackend(store)
    try:
        current = {r.id for r in backend.info().records if r.current}
    finally:
        backend.close()
    assert {"eps", "acme"} <= current, current
    listed = {p["id"] for p in httpx.get(f"{server.url}/v1/policies", timeout=30).json()["items"]}
    assert {"eps", "acme"} <= listed, listed
