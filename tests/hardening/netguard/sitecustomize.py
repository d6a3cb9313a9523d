"""Test-time socket guard for child processes: put this folder on ``PYTHONPATH`` and name a log file
in ``DPV_ALMI_NET_GUARD``; every Python process started so (the CLI, the service, its workers)
then records, and refuses, any socket connection or DNS look-up for a non-loopback host.

Why an audit hook in a child process rather than monkeypatching ``socket`` in the test: the
hook is installed before any project code is imported, cannot be removed, sees urllib, httpx
and raw sockets alike, and is inherited by worker processes; and it *records* each attempt
in a file before refusing it, so an attempt whose error some library swallows is still seen.
Rust code (Oxigraph, pyshacl-turbo) bypasses Python's audit events, which is why the tests
also point the remote IRIs at a loopback listener that records any connection at all.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Any

_LOG = os.environ.get("DPV_ALMI_NET_GUARD")


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]")
    if text in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _target(event: str, args: tuple[Any, ...]) -> object | None:
    """The host an event reaches for, or None when it stays on this machine."""
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            return address
    elif event == "socket.getaddrinfo" and not _is_loopback(args[0]):
        return args[0]
    return None


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in ("socket.connect", "socket.getaddrinfo"):
        return
    target = _target(event, args)
    if target is not None:
        with open(_LOG, "a", encoding="utf-8") as log:  # type: ignore[arg-type]
            log.write(f"{os.getpid()} {event} {target!r}\n")
        raise PermissionError(f"test socket guard: outbound {event} to {target!r} refused")


if _LOG:
    sys.addaudithook(_hook)
