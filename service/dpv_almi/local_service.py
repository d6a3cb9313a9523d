"""Start ``dpv-almi serve`` as a child process on a free loopback port, and stop it again.

Tests (web, browser, hardening) and benchmarks need a real uvicorn, not the ASGI app in process;
this is the one way they start one, so readiness, logging and shutdown behave the same everywhere.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx


class ServiceStartError(RuntimeError):
    """The service exited or did not become ready in time; the message carries its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalService:
    """A running ``dpv-almi serve``: its URL, port, process and log file."""

    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Terminate (then kill, if it lingers) and wait for the process."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_service(
    log_dir: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str | None] | None = None,
    wait: float = 60,
) -> LocalService:
    """Start ``dpv-almi serve`` with *args* and wait until ``/readyz`` answers 200.

    *env* is added to this process's environment; a value of ``None`` removes that variable.
    Raises :class:`ServiceStartError` (with the log) when the service does not come up.
    """
    port = free_port()
    log = log_dir / f"server-{port}.log"
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dpv_almi.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, env=environment,
        )
    service = LocalService(f"http://127.0.0.1:{port}", port, process, log)
    deadline = time.monotonic() + wait
    while True:
        try:
            if httpx.get(f"{service.url}/readyz", timeout=2).status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            service.stop()
            raise ServiceStartError(f"dpv-almi serve did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
