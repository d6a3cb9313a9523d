"""Keep a query worker process off the network, whatever the query asks for.

Oxigraph executes ``SERVICE <http://…>`` itself, over its own HTTP client, and
pyoxigraph offers no switch or handler to turn that off.  Query workers
therefore install a seccomp filter (Linux, via libseccomp) that makes every
``socket(AF_INET|AF_INET6, …)`` fail with EACCES: no TCP or UDP socket, hence no
connection and no DNS look-up, from Rust or Python code alike.  Unix-domain
sockets and the pipes to the parent keep working.  A Python audit hook refuses
``socket.connect`` too, for platforms without seccomp.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from typing import Any

log = logging.getLogger(__name__)

_BLOCKED_AUDIT_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "urllib.Request"})


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in _BLOCKED_AUDIT_EVENTS:
        raise PermissionError(f"network access refused in a query worker ({event})")


def deny_network() -> bool:
    """Forbid network sockets in this process for good; True if the kernel enforces it (seccomp)."""
    sys.addaudithook(_audit)
    try:
        import pyseccomp as seccomp

        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for family in (socket.AF_INET, socket.AF_INET6):
            rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.EQ, family))
        rules.load()
    except Exception as exc:  # no libseccomp, not Linux, or a kernel without seccomp  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
        log.warning("seccomp unavailable (%s): query workers rely on the SERVICE check alone", exc)
        return False
    return True
