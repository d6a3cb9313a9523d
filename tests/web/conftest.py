"""Fixtures for the service: the ASGI app through TestClient (httpx), a real uvicorn process, a
listening socket that records any connection the service might make."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from dpv_almi.web import create_app
from dpv_almi.web.settings import Settings


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    assert "Traceback" not in response.text
    return body


@pytest.fixture(name="assert_problem", scope="session")
def _assert_problem_fixture():
    """Check a response is RFC 9457 problem+json with *status*; returns the body."""
    return assert_problem


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The service on the packaged data."""
    with TestClient(create_app(Settings(workers=2, query_timeout=5)), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def make_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Build clients on given data (Turtle text or files) and settings; closed at the end."""
    opened: list[TestClient] = []

    def make(data: str | list[Path] | None = None, **settings: object) -> TestClient:
        files: tuple[Path, ...] = ()
        if isinstance(data, str):
            path = tmp_path_factory.mktemp("data") / "test.ttl"
            path.write_text(data)
            files = (path,)
        elif data:
            files = tuple(data)
        test_client = TestClient(create_app(Settings(data=files, workers=2, **settings)),  # type: ignore[arg-type]
                                 raise_server_exceptions=False)
        test_client.__enter__()
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
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
            connection.settimeout(1)
            try:
                self.connections.append(connection.recv(4096) or b"<connected>")
            except OSError:
                self.connections.append(b"<connected>")
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``dpv-almi serve`` (uvicorn) on 127.0.0.1 with a 1 s query timeout and 2 workers."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "DPV_ALMI_QUERY_TIMEOUT": "1", "DPV_ALMI_WORKERS": "2"}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "dpv_almi.cli", "serve", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
