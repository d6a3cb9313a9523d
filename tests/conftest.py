"""Shared fixtures: where the repository, the DPV release and the model are; a loopback listener that records connections."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from dpv_almi import loading, resources

REPO_ROOT = Path(__file__).resolve().parent.parent

SLOW_GROUPS = {
    "browser": "drives headless Chromium against a real service (tests/browser)",
    "notebooks": "re-executes the notebooks from a clean kernel (tests/notebooks)",
    "soak": "the loaded soak and chaos runs (tests/hardening/test_soak.py, test_chaos.py)",
    "remote": "runs against a remote store: an Oxigraph server or Virtuoso started for the session",
    "memory": "measures worker memory on hundreds of policies (tests/execution/test_shared_workers.py)",
    "w3c": "the W3C SPARQL evaluation and syntax suites against a real service (tests/w3c)",
}
"""The slow groups: `make test` runs them all; `make test-fast` (-m "not slow") none of them."""


def pytest_configure(config: pytest.Config) -> None:
    for name, why in SLOW_GROUPS.items():
        config.addinivalue_line("markers", f"{name}: {why}")
    config.addinivalue_line("markers", "slow: any of the slow groups (" + ", ".join(SLOW_GROUPS) + ")")


def _groups(item: pytest.Item) -> set[str]:
    parts = Path(str(item.fspath)).relative_to(REPO_ROOT / "tests").parts
    groups = {part for part in parts[:1] if part in ("browser", "notebooks", "w3c")}
    if parts[-1] in ("test_soak.py", "test_chaos.py"):
        groups.add("soak")
    if parts[-1] == "test_shared_workers.py":
        groups.add("memory")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("backend") in ("oxigraph", "virtuoso"):
        groups.add("remote")
    return groups


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test of a slow group by where it lives, so that no test has to remember to."""
    for item in items:
        groups = _groups(item)
        for group in groups:
            item.add_marker(group)
        if groups:
            item.add_marker("slow")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def dpv_release_dir(repo_root: Path) -> Path:
    """The DPV 2.3 release used as test reference data (never copied into the project)."""
    release = repo_root.parent / "shared" / "dpv" / "2.3"
    if not (release / "dpv.ttl").is_file():
        pytest.skip(f"DPV 2.3 release not found at {release}")
    return release


@pytest.fixture(scope="session")
def model_graph(repo_root: Path) -> Graph:
    """The default data files (model, vocabulary, DPV concept extract) as one graph."""
    if not (repo_root / "ontology" / "dpv-almi.ttl").is_file():
        pytest.skip("ontology/dpv-almi.ttl does not exist yet")
    return loading.load_graph(resources.default_data_files())


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it: where a remote IRI
    points here, a fetch by any code (Python or Rust) shows up in :attr:`connections`."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(4096) or b"<connected>")
                except OSError:
                    self.connections.append(b"<connected>")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()
