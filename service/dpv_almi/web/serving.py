"""How uvicorn serves the app: request-head size cap, keep-alive, and a deadline for slow clients.

uvicorn bounds a request head's size (``h11_max_incomplete_event_size``) and idle keep-alive
connections (``timeout_keep_alive``), but gives a client that opens a connection and then
trickles its request line and headers (slowloris) all the time it wants.
:class:`HeaderDeadlineProtocol` closes a connection whose request head is not complete within
``header_timeout`` seconds; the body has its own deadline in :func:`dpv_almi.web.deps.read_body`.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from dpv_almi.web.settings import Settings


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request head (not for the answer)."""

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

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_head():
            self._arm()  # a new request starts: its head must be complete in time
        super().data_received(data)
        if not self._waiting_for_head():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that put the settings' connection limits in force."""
    return {
        "http": functools.partial(HeaderDeadlineProtocol, header_timeout=settings.header_timeout),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive,
    }
