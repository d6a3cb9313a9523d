"""The one query runner: every SPARQL query of the service -- protocol, REST, named -- goes through here.

Queries run in a pool of worker processes (pebble), each holding its own copy
of the store, loaded from the same files.  That gives the limits teeth:

* **timeout** -- a query still running after ``timeout`` seconds has its worker
  killed (SIGTERM) and replaced; Oxigraph has no cancellation, so this is the
  only way to really stop it.  The event loop only awaits a future.
* **no network** -- workers install a seccomp filter that forbids IP sockets
  (:mod:`dpv_almi.sandbox`), so SERVICE, or anything else, cannot connect.
* **read-only** -- workers only call ``Store.query``, which parses queries only
  (an update is a syntax error), on an in-memory copy: nothing can persist.
* **row cap** -- at most ``max_rows`` rows are read; truncation is reported.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from dpv_almi import sparql_text
from dpv_almi.store import DataStore, Outcome, QueryJob

log = logging.getLogger(__name__)


class QueryProblem(Exception):
    """A query that cannot be answered; the web layer renders it as problem+json."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


# --- worker side ---------------------------------------------------------------

_WORKER_STORE: DataStore | None = None
_WORKER_SANDBOXED = False


def _worker_init(files: Sequence[str], sandbox: bool) -> None:
    global _WORKER_STORE, _WORKER_SANDBOXED
    # pebble's SIGTERM handler is Python code, which cannot run while Oxigraph (Rust) evaluates
    # a query; the default action ends the worker at once instead of after pebble's 3 s grace.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER_STORE = DataStore(files)
    if sandbox:
        from dpv_almi.sandbox import deny_network

        _WORKER_SANDBOXED = deny_network()


def _worker_run(job: QueryJob) -> Outcome:
    assert _WORKER_STORE is not None, "worker not initialised"
    return _WORKER_STORE.execute(job)


def _worker_status() -> tuple[int, bool]:
    return os.getpid(), _WORKER_SANDBOXED


# --- parent side ---------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 100_000


class QueryRunner:
    """Runs :class:`QueryJob` s in sandboxed worker processes under :class:`Limits`."""

    def __init__(self, files: Sequence[Path], limits: Limits, workers: int = 2, *, sandbox: bool = True) -> None:
        self.files = [str(f) for f in files]
        self.limits = limits
        self.workers = max(1, workers)
        self.sandbox = sandbox
        self._pool: ProcessPool | None = None

    def start(self) -> None:
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        self._pool = ProcessPool(
            max_workers=self.workers, initializer=_worker_init, initargs=(self.files, self.sandbox), context=context
        )

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=5)
            self._pool = None

    async def worker_status(self) -> tuple[int, bool]:
        """(pid, sandboxed) of some worker; also waits until one is up."""
        return await self._submit(_worker_status, (), timeout=60)

    def check(self, text: str) -> None:
        """Refuse, before any worker sees it, what the service never runs."""
        if len(text) > self.limits.max_query_length:
            raise QueryProblem(413, "Query too long", f"The query has {len(text)} characters; the limit is "
                               f"{self.limits.max_query_length}.")
        if sparql_text.looks_like_update(text):
            raise QueryProblem(400, "Update not allowed", "This endpoint is read-only: SPARQL updates are not accepted.")
        if sparql_text.uses_service(text):
            raise QueryProblem(400, "Query not allowed", "SERVICE (federated query) is not allowed on this endpoint.")

    async def run(self, job: QueryJob, *, check: bool = True) -> Outcome:
        """Run *job*; raise :class:`QueryProblem` for anything but a result."""
        if check:
            self.check(job.text)
        if job.max_rows > self.limits.max_rows:
            job = QueryJob(**{**job.__dict__, "max_rows": self.limits.max_rows})
        outcome: Outcome = await self._submit(_worker_run, (job,), timeout=self.limits.timeout)
        if outcome.status >= 400:
            raise QueryProblem(outcome.status, outcome.title, outcome.detail)
        return outcome

    async def _submit(self, function, args, *, timeout: float):  # type: ignore[no-untyped-def]
        if self._pool is None:
            raise QueryProblem(503, "Service Unavailable", "The query workers are not running.")
        future = self._pool.schedule(function, args=args, timeout=timeout)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise QueryProblem(503, "Query timeout", f"The query ran longer than {timeout:g} s and was stopped.") from None
        except ProcessExpired as exc:
            log.error("query worker died: %s", exc)
            raise QueryProblem(503, "Query failed", "The query worker stopped unexpectedly; try again.") from None
        except (asyncio.CancelledError, CancelledError):
            future.cancel()  # the client went away: pebble kills the worker
            raise
