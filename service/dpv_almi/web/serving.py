"""How uvicorn serves the app: request-head size cap, keep-alive, and a deadline for slow clients.

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``), but gives a client that
opens a connection and then trickles its request line and headers (slowloris) all the time it
wants.  Our protocols close a connection whose request head is not complete within
``header_timeout`` seconds; the body has its own deadline in :func:`dpv_almi.web.deps.read_body`.

Two HTTP parsers, the same limits:

* **httptools** (llhttp, C; used when installed): several times cheaper per request than h11,
  which profiles showed as a tenth of a cached answer's CPU.  uvicorn does not bound its head
  size, so :class:`HttpToolsGuardedProtocol` does: a head over ``max_header_bytes`` gets uvicorn's
  400 and the connection is closed, as with h11.
* **h11** (pure Python, the fallback): ``h11_max_incomplete_event_size`` bounds the head.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from dpv_almi.settings import Settings

try:
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a dependency; h11 still works without it
    httptools = None  # type: ignore[assignment]  # only where the optional C parser is missing
    HttpToolsProtocol = None  # type: ignore[assignment, misc]  # idem


class _HeadDeadline:
    """A deadline for each request head (not for the answer), mixed into a uvicorn HTTP protocol."""

    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._deadline: asyncio.TimerHandle | None = None

    def _waiting_for_head(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self._waiting_for_head() and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]  # uvicorn's protocol classes are untyped mixin targets
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_head():
            self._arm()  # a new request starts: its head must be complete in time
        super().data_received(data)  # type: ignore[misc]  # uvicorn's protocol classes are untyped mixin targets
        if not self._waiting_for_head():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]  # uvicorn's protocol classes are untyped mixin targets


class HeaderDeadlineProtocol(_HeadDeadline, H11Protocol):  # type: ignore[misc]  # a Transport where asyncio says BaseTransport, as uvicorn's own
    """uvicorn's h11 protocol, with a deadline for each request head."""


if HttpToolsProtocol is not None:

    class _HeadTooLarge(Exception):
        """Raised from a parser callback: httptools reports it as a parser error (uvicorn's 400, close)."""

    class HttpToolsGuardedProtocol(_HeadDeadline, HttpToolsProtocol):  # type: ignore[misc]  # as above
        """uvicorn's httptools protocol, with a head deadline and a head size cap.

        The cap counts what the parser reports (request line, header names and values) and, while
        a head is still incomplete, the raw bytes received: a header that never ends is refused
        before it is ever complete."""

        def __init__(self, *args: Any, max_header_bytes: int, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.max_header_bytes = max_header_bytes
            self._head_bytes = 0  # of the current head, as the parser reports it
            self._raw = 0  # bytes received since the current head's first chunk, while it is incomplete
            self._in_head = False  # a head has begun and is not complete
            self._heads = 0  # heads begun on this connection

        def _count(self, size: int) -> None:
            self._head_bytes += size
            if self._head_bytes > self.max_header_bytes:
                raise _HeadTooLarge

        def data_received(self, data: bytes) -> None:
            same_head = self._in_head
            heads = self._heads
            super().data_received(data)
            if not self._in_head or self.transport.is_closing():
                return
            # the parser holds an incomplete head: count the chunks that continue it (not the one it
            # began in, which may end an earlier request), so a header that never ends is refused
            self._raw = self._raw + len(data) if same_head and heads == self._heads else 0
            if self._raw > self.max_header_bytes:
                self.send_400_response("Invalid HTTP request received.")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_bytes, self._raw, self._in_head = 0, 0, True
            self._heads += 1

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that put the settings' connection limits in force."""
    if HttpToolsProtocol is not None:
        http: Any = functools.partial(
            HttpToolsGuardedProtocol, header_timeout=settings.header_timeout, max_header_bytes=settings.max_header_bytes
        )
    else:  # pragma: no cover
        http = functools.partial(HeaderDeadlineProtocol, header_timeout=settings.header_timeout)
    return {
        "http": http,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive,
    }
