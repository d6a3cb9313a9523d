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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


class ServiceStartError(RuntimeError):
    """The service exited or did not become ready in time; the message carries its log."""


def stop_process(process: subprocess.Popen[bytes], wait: float = 15) -> None:
    """Terminate a child process, kill it if it lingers past *wait* seconds, and reap it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
        stop_process(self.process)


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
            [sys.executable, "-m", "dpv_almi.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
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


@contextmanager
def running_service(
    log_dir: Path,
    args: Sequence[str] = (),
    env: Mapping[str, str | None] | None = None,
    wait: float = 60,
) -> Iterator[LocalService]:
    """:func:`start_service` for the length of a ``with`` block, stopped however the block ends."""
    service = start_service(log_dir, args, env, wait)
    try:
        yield service
    finally:
        service.stop()
