"""Send a repeated GET the complete answer the same request got before, while the data is unchanged.

A cached query answer (:mod:`dpv_almi.execution.cache`) still paid for the whole Python request path:
FastAPI's routing and validation, seven middlewares, the negotiation; measured, that path kept a
cached ``/sparql`` answer at 0.22x the throughput of Oxigraph server (issue #17).  An answer of
``/sparql`` or ``/v1`` to a GET is fully determined by the data version, the URL and a few request
headers (the same facts its ETag is built from, :class:`~dpv_almi.web.middleware.ConditionalGetMiddleware`),
so this outermost layer keeps complete answers (status 200, ``Cache-Control: public``, at most
:data:`~dpv_almi.web.budget.CHUNK` bytes) keyed by those facts, and sends one again as it was, with
a fresh ``X-Request-ID``, its own access-log line and metrics.  A new data version makes every kept
answer stale at once.  Requests it cannot judge (credentials, conditional or range requests, a
client-chosen request id, cookies) always take the full path, and so do requests that repeat a keyed
header (the application reads one of the lines, the key could hold another: a poisoned answer).
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgi_correlation_id import correlation_id
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dpv_almi.web.budget import CHUNK
from dpv_almi.web.middleware import Metrics, _route_template, log_request

_BYPASS = frozenset(
    (b"authorization", b"cookie", b"if-none-match", b"if-modified-since", b"if-match", b"range", b"x-request-id")
)
"""Request headers that send a request the full way: its answer may differ, or the full path must see it."""

_FRESH = {"cache-control": frozenset(("no-cache", "no-store")), "pragma": frozenset(("no-cache",))}
"""Request directives that ask for an answer evaluated anew (RFC 9111 §5.2.1.4, §5.2.1.5; HTTP/1.0's Pragma, §5.4)."""


def asks_fresh(name: str, value: str) -> bool:
    """Whether one request header line asks for a fresh answer: a ``no-cache`` or ``no-store`` directive,
    in any letter case (directive names are case-insensitive), with or without an argument, or
    ``max-age=0`` (a browser's reload: no kept answer is young enough, §5.2.1.1).  A larger max-age is
    met: an answer is kept only while the data it was evaluated on is served."""
    header = name.lower()
    wanted = _FRESH.get(header)
    if wanted is None:
        return False
    for directive in value.split(","):
        directive_name, _, argument = directive.partition("=")
        directive_name = directive_name.strip().lower()
        if directive_name in wanted:
            return True
        if header == "cache-control" and directive_name == "max-age" and argument.strip().strip('"') == "0":
            return True
    return False


_KEYED = {b"accept": 0, b"accept-language": 1, b"accept-encoding": 2, b"origin": 3, b"host": 4}
"""Request headers an answer may depend on (negotiation, compression, CORS, the service description's URL)."""


@dataclass(frozen=True)
class _Answer:
    version: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: str
    size: int
    """Bytes held for it: the body, the headers and the key (a 16 KiB request head makes a 16 KiB key)."""


class AnswerStore:
    """The kept answers, least recently used dropped first past *max_bytes* (0: nothing kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.answers: OrderedDict[tuple[Any, ...], _Answer] = OrderedDict()
        self.held = 0

    def get(self, key: tuple[Any, ...], version: str) -> _Answer | None:
        answer = self.answers.get(key)
        if answer is None or answer.version != version:
            return None
        self.answers.move_to_end(key)
        return answer

    def keep(self, key: tuple[Any, ...], answer: _Answer) -> None:
        old = self.answers.pop(key, None)
        if old is not None:
            self.held -= old.size
        self.answers[key] = answer
        self.held += answer.size
        while self.held > self.max_bytes and self.answers:
            _, dropped = self.answers.popitem(last=False)
            self.held -= dropped.size

    def clear(self) -> None:
        """Forget every answer: the workers serve new data (an answer kept while a reload was under way
        may carry the new version but the old data)."""
        self.answers.clear()
        self.held = 0


class AnswerReplayMiddleware:
    """Keep and replay complete GET answers of ``/sparql`` and ``/v1`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, store: AnswerStore, source: Callable[[], Any], metrics: Metrics) -> None:
        self.app, self.store, self.source, self.metrics = app, store, source, metrics
        """*source* returns what is served now; its ``.version`` changes with any load."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        version = str(self.source().version)
        answer = self.store.get(key, version)
        if answer is not None:
            await self._replay(scope, answer, send)
            return
        await self._capture(scope, receive, send, key, version)

    def _key(self, scope: Scope) -> tuple[Any, ...] | None:
        if not self.store.max_bytes or scope["type"] != "http" or scope["method"] != "GET":
            return None
        path = scope["path"]
        if path != "/sparql" and not path.startswith("/v1/"):
            return None
        keyed: list[bytes | None] = [None] * len(_KEYED)
        for name, value in scope["headers"]:
            if name in _BYPASS or asks_fresh(name.decode("latin-1"), value.decode("latin-1")):
                return None  # (no-cache / no-store: the client wants a fresh evaluation)
            position = _KEYED.get(name)
            if position is not None:
                if keyed[position] is not None:
                    return None  # a repeated header: the application may read another line than the key
                keyed[position] = value
        # the scheme: uvicorn takes it from a trusted X-Forwarded-Proto, and links in answers are made from it
        return (path, scope.get("scheme", "http"), scope.get("query_string", b""), *keyed)

    async def _replay(self, scope: Scope, answer: _Answer, send: Send) -> None:
        start = time.perf_counter()
        request_id = uuid.uuid4().hex
        correlation_id.set(request_id)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*answer.headers, (b"x-request-id", request_id.encode())],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})
        log_request(self.metrics, scope, answer.route, 200, len(answer.body), time.perf_counter() - start)

    async def _capture(self, scope: Scope, receive: Receive, send: Send, key: tuple[Any, ...], version: str) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []
        size = 0
        keep = True
        complete = False

        async def recording(message: Message) -> None:
            nonlocal status, headers, size, keep, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body" and keep:
                body = message.get("body", b"")
                size += len(body)
                if size > CHUNK:
                    keep = False
                    parts.clear()
                else:
                    parts.append(body)
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, recording)
        if keep and complete and status == 200 and _public(headers):
            kept = [(name, value) for name, value in headers if name.lower() != b"x-request-id"]
            body = b"".join(parts)
            size = len(body) + sum(len(n) + len(v) for n, v in kept) + sum(map(_length, key))
            self.store.keep(key, _Answer(version, kept, body, _route_template(scope), size))


def _length(part: Any) -> int:
    return len(part) if isinstance(part, bytes | str) else 0


def _public(headers: list[tuple[bytes, bytes]]) -> bool:
    """A shared cache may keep it: ``Cache-Control: public`` and nothing that is the client's own."""
    public = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"set-cookie":
            return False
        if lowered == b"cache-control":
            public = b"public" in value and b"no-store" not in value and b"private" not in value
    return public
