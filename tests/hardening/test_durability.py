"""A replace is all-or-nothing: SIGKILL ``dpv-almi load`` in the middle of writing a large policy
into the on-disk store, restart the service, and find the old version whole; then load the new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

COUNT = "SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/dpv-almi/graph/acme> { ?s ?p ?o } }"


def policy(path: Path, triples: int, tag: str) -> Path:
    lines = ["@prefix ex: <http://example.org/acme/> ."]
    lines += [f'ex:s{i} ex:p "{tag} value {i} {"x" * 40}" .' for i in range(triples)]
    path.write_text("\n".join(lines) + "\n")
    return path


def load(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dpv_almi.cli.main", "load", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def served_count(server) -> tuple[int, str]:
    answer = httpx.get(f"{server.url}/sparql", params={"query": COUNT}, timeout=30).json()
    versions = httpx.get(f"{server.url}/v1/policies/acme/versions", timeout=30).json()
    current = [v for v in versions["items"] if v["current"]]
    return int(answer["results"]["bindings"][0]["n"]["value"]), str(current[0]["version"]) if current else ""


def test_sigkill_mid_load_leaves_the_old_version_whole(tmp_path: Path, serve) -> None:
    store = tmp_path / "store"
    old = policy(tmp_path / "acme-v1.ttl", 1_000, "old")
    new = policy(tmp_path / "acme-v2.ttl", 300_000, "new")
    assert load(str(old), "--policy", "acme", "--version", "1", "--store", str(store)).wait(120) == 0
    live_before = (store / "CURRENT").read_text().strip()
    next_generation = store / f"gen-{int(live_before.removeprefix('gen-')) + 1:06d}"

    writer = load(str(new), "--policy", "acme", "--version", "2", "--store", str(store))
    deadline = time.monotonic() + 120
    while not next_generation.exists():  # the write has started: the new generation is being built
        assert writer.poll() is None, "the load finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    assert writer.wait(30) == -signal.SIGKILL
    assert (store / "CURRENT").read_text().strip() == live_before

    server = serve(["--store", str(store)])
    assert served_count(server) == (1_000, "1")
    assert (
        "old value 999"
        in httpx.get(
            f"{server.url}/sparql",
            params={"query": "SELECT ?o { ?s ?p ?o FILTER(CONTAINS(?o, 'value 999 ')) }"},
            timeout=30,
        ).text
    )
    server.stop()

    assert load(str(new), "--policy", "acme", "--version", "2", "--store", str(store)).wait(300) == 0
    server = serve(["--store", str(store)])
    assert served_count(server) == (300_000, "2")
