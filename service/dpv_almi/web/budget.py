"""A bound on the bytes of answers the service process holds for clients that are still reading them.

An answer is built whole before it is sent (a query's bytes come back from a worker in one piece),
and uvicorn puts a body it is given into the connection's write buffer at once, whatever the client
reads: thirty clients asking for a 65 MB answer and never reading it held 1.4 GiB in the service
process (issue #12).  :class:`ResponseBudgetMiddleware` passes a body on in :data:`CHUNK` pieces, so
that uvicorn's flow control makes each piece wait while the client's buffer is full, and counts the
answer's size from its first byte sent until the client has taken it or has gone; an answer that
would take the total past the budget is replaced, before anything of it is sent, by a 503 problem
with ``Retry-After``.
"""

from __future__ import annotations

import threading

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dpv_almi.errors import DpvAlmiError
from dpv_almi.web.problems import problem_response

RETRY_AFTER = "5"
CHUNK = 256 * 1024
"""Bytes handed to the server at a time: what a slow reader's connection buffers, at most, beside the
answer itself."""


class ResponseBudget:
    """Bytes held for clients, against a limit (0: no limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    def take(self, size: int) -> bool:
        """Hold *size* more bytes if the limit allows (an answer alone larger than the limit never does)."""
        with self._lock:
            if self.limit and self.held + size > self.limit:
                return False
            self.held += size
            return True

    def give_back(self, size: int) -> None:
        with self._lock:
            self.held -= size


class ResponseBudgetMiddleware:
    """Refuse (503) an answer the budget cannot hold; count the others until sent (see the module docstring)."""

    def __init__(self, app: ASGIApp, budget: ResponseBudget) -> None:
        self.app, self.budget = app, budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.budget.limit:
            await self.app(scope, receive, send)
            return
        held = 0
        refused = False

        async def counted(message: Message) -> None:
            nonlocal held, refused
            if refused:
                return  # the refused answer's body: dropped
            if message["type"] == "http.response.start":
                size = int(Headers(raw=message.get("headers", [])).get("content-length") or 0)
                if size and not self.budget.take(size):
                    refused = True
                    problem = DpvAlmiError(
                        503,
                        "The service is holding as many answers as it may for clients still reading them; "
                        f"try again in {RETRY_AFTER} s.",
                        "Too many answers in flight",
                        headers={"Retry-After": RETRY_AFTER},
                    )
                    await problem_response(problem, instance=scope.get("path"))(scope, receive, send)
                    return
                held = size
            if message["type"] == "http.response.body" and len(body := message.get("body", b"")) > CHUNK:
                more = message.get("more_body", False)
                for start in range(0, len(body), CHUNK):  # uvicorn waits before a piece while the client lags
                    last = start + CHUNK >= len(body)
                    await send(
                        {
                            "type": "http.response.body",
                            "body": body[start : start + CHUNK],
                            "more_body": more or not last,
                        }
                    )
            else:
                await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False) and held:
                self.budget.give_back(held)  # sent: the client has taken all but what the socket buffers
                held = 0

        try:
            await self.app(scope, receive, counted)
        finally:
            if held:  # the client went away, or sending failed: nothing is held for it any more
                self.budget.give_back(held)
