"""Request-head size and slow clients against a live uvicorn, over raw sockets.

The service runs with short deadlines (head 2 s, body 2 s, keep-alive 2 s, head cap 8 KiB); each
hostile client must be answered (431/400/408) or disconnected within its deadline plus a second,
while a bystander asking ``/v1/policies`` every 50 ms is still served, every time, quickly.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.support.local_service import LocalService, running_service

HEAD_TIMEOUT = BODY_TIMEOUT = 2.0
SLACK = 1.5  # the event loop's timer granularity, a loaded 2-core machine
TOKEN = "slow-clients-admin-token"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalService]:
    args = [
        "--header-timeout",
        str(HEAD_TIMEOUT),
        "--body-timeout",
        str(BODY_TIMEOUT),
        "--keep-alive",
        "2",
        "--max-header-bytes",
        "8192",
    ]
    env = {"DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None, "DPV_ALMI_ADMIN_TOKEN": TOKEN}
    with running_service(tmp_path_factory.mktemp("slow"), args, env) as started:
        yield started


@contextmanager
def bystander(url: str) -> Iterator[list[tuple[int, float]]]:
    """An ordinary client asking every 50 ms while the block runs: (status, seconds) per request."""
    answers: list[tuple[int, float]] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(f"{url}/v1/policies").status_code
                except httpx.HTTPError:
                    status = 0
                answers.append((status, time.monotonic() - started))
                stop.wait(0.05)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    try:
        yield answers
        deadline = time.monotonic() + 5
        while len(answers) < 5 and time.monotonic() < deadline:  # a block that ended quickly: still ask
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    assert answers and all(status == 200 for status, _ in answers), answers
    latencies = sorted(seconds for _, seconds in answers)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"  bystander: {len(answers)} requests, all 200, p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms"
    )
    assert p99 < 0.5


def connect(service: LocalService) -> socket.socket:
    return socket.create_connection(("127.0.0.1", service.port), timeout=10)


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection (or *limit* seconds pass), and the
    seconds until its first byte (or, if it sent nothing, until it closed)."""
    started, received, first = time.monotonic(), b"", None
    sock.settimeout(0.2)
    while time.monotonic() - started < limit:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        first = first or time.monotonic() - started
        received += chunk
    return received, first or time.monotonic() - started


def first_line(response: bytes) -> bytes:
    return response.split(b"\r\n", 1)[0]


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def test_request_head_over_the_cap_is_refused(service: LocalService) -> None:
    with bystander(service.url), connect(service) as sock:
        try:  # noqa: SIM105 - kept explicit
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending: equally fine
        response, elapsed = read_until_closed(sock, HEAD_TIMEOUT + SLACK)
    print(f"\n  20 KB head against an 8 KiB cap: {first_line(response)!r} after {elapsed:.2f} s")
    assert status_of(response) in (400, 431)  # uvicorn answers h11's "buffer too long" with 400
    assert elapsed < HEAD_TIMEOUT + SLACK


def test_a_head_trickled_one_byte_a_second_is_cut_off(service: LocalService) -> None:
    with bystander(service.url), connect(service) as sock:
        started, closed = time.monotonic(), False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 30:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            closed = closed or wait_closed(sock, 1.0)
            if closed:
                break
        elapsed = time.monotonic() - started
    print(f"\n  slowloris (1 byte/s): cut off after {elapsed:.1f} s (deadline {HEAD_TIMEOUT:g} s)")
    assert closed and elapsed < HEAD_TIMEOUT + SLACK


def wait_closed(sock: socket.socket, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _closed(sock):
            return True
        time.sleep(0.05)
    return False


def _closed(sock: socket.socket) -> bool:
    """True when the peer has closed the connection (a non-blocking peek reads end of file)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.parametrize(
    ("path", "headers", "sent"),
    [
        ("/sparql", b"Content-Type: application/sparql-query\r\n", b""),
        ("/sparql", b"Content-Type: application/sparql-query\r\n", b"SELECT * {"),
        (
            "/v1/admin/policies/acme",
            b"Content-Type: text/turtle\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n",
            b"<http://e/s> ",
        ),
    ],
)
def test_a_declared_body_that_never_comes_gets_408(
    service: LocalService, path: str, headers: bytes, sent: bytes
) -> None:
    method = b"PUT" if "admin" in path else b"POST"
    with bystander(service.url), connect(service) as sock:
        sock.sendall(
            method
            + b" "
            + path.encode()
            + b" HTTP/1.1\r\nHost: x\r\n"
            + headers
            + b"Content-Length: 1000\r\n\r\n"
            + sent
        )
        response, elapsed = read_until_closed(sock, BODY_TIMEOUT + SLACK + 2)
    print(f"\n  {method.decode()} {path}, {len(sent)} of 1000 bytes: {first_line(response)!r} after {elapsed:.2f} s")
    assert status_of(response) == 408 and b"application/problem+json" in response, response[:300]
    assert BODY_TIMEOUT - 0.5 < elapsed < BODY_TIMEOUT + SLACK


def test_many_idle_connections_are_closed_and_others_still_served(service: LocalService) -> None:
    with bystander(service.url) as answers:
        sockets = [connect(service) for _ in range(200)]
        started = time.monotonic()
        deadline = started + HEAD_TIMEOUT + SLACK + 1
        open_ = set(range(len(sockets)))
        while open_ and time.monotonic() < deadline:
            open_ = {i for i in open_ if not _closed(sockets[i])}
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        for sock in sockets:
            sock.close()
        served = len(answers)
    print(f"\n  200 idle connections: all closed by the server after {elapsed:.1f} s; bystander served {served}")
    assert not open_, f"{len(open_)} idle connections still open"
    assert elapsed < HEAD_TIMEOUT + SLACK


def test_the_service_is_whole_afterwards(service: LocalService) -> None:
    assert httpx.get(f"{service.url}/readyz", timeout=10).status_code == 200
    assert httpx.get(f"{service.url}/v1/policies", timeout=10).json()["count"] == 1
