"""Shared by the hardening tests: a real ``dpv-almi serve`` process, problem+json checks, RSS.

The fuzzers run the ASGI app in process (fast); what needs real sockets, signals and processes --
slow clients, runaway queries under load, SIGKILL, the soak -- runs against a real uvicorn on
127.0.0.1 started by :func:`launch` (:mod:`tests.support.local_service`), stopped by the test that started it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from tests.support.local_service import LocalService, ServiceStartError, start_service

Server = LocalService


def launch(folder: Path, args: list[str] = [], env: Mapping[str, str] = {}, wait: float = 60) -> Server:  # noqa: B006
    """Start ``dpv-almi serve`` on a free loopback port (2 workers, in memory unless *env* says otherwise)."""
    environment: dict[str, str | None] = {"DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None, **env}
    try:
        return start_service(folder, args, environment, wait)
    except ServiceStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    """``serve(args, env)``: a started ``dpv-almi serve`` (:class:`Server`); all stopped at the end."""
    started: list[Server] = []

    def start(args: list[str] = [], env: Mapping[str, str] = {}) -> Server:  # noqa: B006
        server = launch(tmp_path, args, env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def assert_problem(response: httpx.Response, status: int | None = None) -> dict:
    """*response* is RFC 9457 problem+json (with *status*), never a traceback."""
    if status is not None:
        assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == response.status_code
    assert "Traceback" not in response.text
    return body


@pytest.fixture(name="assert_problem", scope="session")
def _assert_problem() -> object:
    return assert_problem


@pytest.fixture(name="tree_rss", scope="session")
def _tree_rss() -> object:
    return tree_rss


# --- no outbound connections: a socket guard for child processes, and a loopback listener ------

NET_GUARD = Path(__file__).parent / "netguard"


class NetGuard:
    """Environment for a child Python that records and refuses non-loopback connections
    (``netguard/sitecustomize.py``); :meth:`attempts` lists what it refused."""

    def __init__(self, log: Path) -> None:
        self.log = log
        path = os.pathsep.join(p for p in (str(NET_GUARD), os.environ.get("PYTHONPATH", "")) if p)
        self.env: dict[str, str] = {"PYTHONPATH": path, "DPV_ALMI_NET_GUARD": str(log)}

    def attempts(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def net_guard(tmp_path: Path) -> NetGuard:
    return NetGuard(tmp_path / "net-guard.log")
