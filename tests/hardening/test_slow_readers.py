"""Clients that ask for large answers and never read them cannot grow the service's memory without bound.

Before: 30 connections asking for a 65 MB answer and never reading it took the service process from
109 MiB to 1.4 GiB.  Now answers held for clients are bounded by ``--response-memory`` (here 40 MB):
past it, an answer is refused with 503 and ``Retry-After`` before any of it is sent, small answers
still fit, and what a client held is given back once it reads or goes away.  Real ``dpv-almi serve``,
loopback, raw sockets that do not read.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlencode

import httpx

ROWS = 100_000
BIG = (
    "SELECT ?s ?p ?o ?n { ?s ?p ?o VALUES ?n { " + " ".join(str(n) for n in range(1, 31)) + " } }"
)  # ~2,840 triples x 30, some 25-30 MB of SPARQL JSON
BUDGET = 40_000_000
ENV = {
    "DPV_ALMI_RESPONSE_MEMORY": str(BUDGET),
    "DPV_ALMI_MAX_ROWS": str(ROWS),
    "DPV_ALMI_MAX_RESULT_BYTES": str(200_000_000),
    "DPV_ALMI_RESULT_CACHE": "0",
    "DPV_ALMI_QUERY_TIMEOUT": "60",
}


def _rss_mib(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):  # noqa: SIM115 - a one-line read of procfs
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _slow_reader(port: int) -> socket.socket:
    """Ask for the big answer and read nothing (a tiny receive window, so the kernel holds little of it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET /sparql?{urlencode({'query': BIG})} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return sock


def _status(sock: socket.socket) -> int:
    sock.settimeout(60)
    head = sock.recv(64)
    return int(head.split()[1])


def test_answers_held_for_slow_readers_are_bounded(serve) -> None:
    server = serve(["--workers", "2"], ENV)
    with httpx.Client(timeout=120) as client:
        identity = {"Accept-Encoding": "identity"}
        size = len(client.get(f"{server.url}/sparql", params={"query": BIG}, headers=identity).content)
        assert 15_000_000 < size < BUDGET, size  # one answer fits the budget, two do not
    baseline = _rss_mib(server.process.pid)
    readers = [_slow_reader(server.port) for _ in range(12)]
    try:
        statuses = [_status(sock) for sock in readers]
        assert statuses.count(200) >= 1 and statuses.count(503) >= 10, statuses
        time.sleep(0.5)
        grown = _rss_mib(server.process.pid) - baseline
        assert grown < 120, f"the service grew by {grown:.0f} MiB for readers that do not read"
        with httpx.Client(timeout=60) as client:
            # uncompressed, as the slow readers asked (gzip makes this answer 0.4 MB, which fits)
            refused = client.get(f"{server.url}/sparql", params={"query": BIG}, headers={"Accept-Encoding": "identity"})
            assert refused.status_code == 503 and refused.headers["retry-after"], refused.text[:200]
            assert refused.headers["content-type"].startswith("application/problem+json")
            small = client.get(f"{server.url}/sparql", params={"query": "ASK { ?s ?p ?o }"})
            assert small.status_code == 200, small.text  # small answers still fit
    finally:
        for sock in readers:
            sock.close()
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=120) as client:
        while True:  # the readers have gone: what they held is given back
            again = client.get(f"{server.url}/sparql", params={"query": BIG}, headers={"Accept-Encoding": "identity"})
            if again.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert again.status_code == 200 and len(again.content) == size
