"""The one query runner: every SPARQL query of the service -- protocol, REST, named -- goes through here.

Queries run in a pool of worker processes (:mod:`dpv_almi.execution.pool`), each with a read-only store opened from a
:class:`~dpv_almi.store.backends.WorkerSpec`: the parent's in-memory store, inherited by ``fork`` and
shared copy-on-write (one parse, and one copy at the start however many workers; see
:func:`~dpv_almi.execution.pool._detach_inherited` for what else a forked worker must let go of), or an on-disk Oxigraph generation opened read-only
(workers from a ``forkserver``).  After a write the backend hands
:meth:`QueryRunner.reload` a new spec: a new pool starts, takes over, and the old one finishes
what it runs -- so every query sees one version of the data.  A remote store is queried over
HTTP by :class:`RemoteRunner` instead, with the same checks, timeout and row cap.
That gives the limits teeth:

* **timeout** -- a query still running after ``timeout`` seconds has its worker
  killed (SIGTERM) and replaced; Oxigraph has no cancellation, so this is the
  only way to really stop it.  The event loop only awaits a future.
* **no network** -- workers install a seccomp filter that forbids IP sockets
  (:mod:`dpv_almi.execution.sandbox`), so SERVICE, or anything else, cannot connect.
* **read-only** -- workers only call ``Store.query``, which parses queries only
  (an update is a syntax error), on an in-memory copy: nothing can persist.
* **row cap** -- at most ``max_rows`` rows are read; truncation is reported.
* **result and memory caps** -- a serialised result over ``max_result_bytes`` is refused (422;
  one GROUP_CONCAT row can be huge), and each worker's address space is capped
  (``RLIMIT_AS``): ``worker_memory`` MiB *above* what the worker holds once its store is open (a
  forked worker's address space already spans the shared data), so a query that allocates past
  its allowance ends its worker, which is replaced, and the client gets a 503 -- the machine keeps
  its memory, whatever the size of the data.
* **recycling** -- a worker whose private memory passes ``worker_recycle`` MiB is replaced by a
  fresh one after its answer (:func:`_worker_spent`).  A forked worker's queries copy the pages of
  the shared store they touch (Oxigraph writes as it reads), so without this each worker grows
  toward a copy of its own: at 1,000 policies one third-country question took a worker from 5 to
  107 MiB private.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import multiprocessing
import os
import resource
import signal
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from dpv_almi.errors import DpvAlmiError
from dpv_almi.execution.pool import PoolBusy, PoolClosed, WorkerDied, WorkerPool
from dpv_almi.sparql import lexer
from dpv_almi.store.dataset import DataStore, Outcome, QueryJob

if TYPE_CHECKING:
    from dpv_almi.store.backends import WorkerSpec

log = logging.getLogger(__name__)

T = TypeVar("T")


# --- worker side ---------------------------------------------------------------

_WORKER_STORE: DataStore | None = None
_WORKER_RECYCLE = 0
"""Private bytes past which this worker asks to be replaced (0: never)."""
_WORKER_FAULTS_BASE = 0
"""Page faults that do not count toward :data:`_WORKER_RECYCLE` (see :func:`_worker_spent`)."""
_WORKER_SANDBOXED = False


def _address_space() -> int:
    """Bytes of address space this process maps now (``VmSize``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space at *megabytes* above what it maps now: past it, allocations
    fail and the worker ends (0: no cap).  Above, not absolute: a worker forked from a parent holding
    10,000 policies already maps gigabytes it shares and never grows."""
    if megabytes > 0:
        try:
            base = _address_space()
        except OSError:  # no /proc (not Linux): the allowance is the whole cap
            base = 0
        limit = base + megabytes * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit if hard == resource.RLIM_INFINITY else min(limit, hard)))


def _worker_init(spec: WorkerSpec | Sequence[str], sandbox: bool, memory_mb: int = 0, recycle_mb: int = 0) -> None:
    global _WORKER_STORE, _WORKER_SANDBOXED, _WORKER_RECYCLE, _WORKER_FAULTS_BASE
    # a handler inherited from the service (uvicorn's) is Python code, which cannot run while
    # Oxigraph (Rust) evaluates a query: the default action ends the worker at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER_STORE = DataStore(list(spec)) if isinstance(spec, (list, tuple)) else cast("WorkerSpec", spec).open()
    _limit_memory(memory_mb)  # after the store is open: the cap bounds what a query allocates
    _WORKER_RECYCLE = max(0, recycle_mb) * 1024 * 1024
    _WORKER_FAULTS_BASE = _faults() - _private_bytes() // resource.getpagesize() if _WORKER_RECYCLE else 0
    if sandbox:
        from dpv_almi.execution.sandbox import deny_network

        _WORKER_SANDBOXED = deny_network()


def _worker_run(job: QueryJob) -> Outcome:
    assert _WORKER_STORE is not None, "worker not initialised"  # noqa: S101 - an invariant for the type checker, not an input check
    return _WORKER_STORE.execute(job)


def _faults() -> int:
    """Minor page faults of this process so far: each copied shared page, or new page, is one."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _private_bytes() -> int:
    """Memory only this process holds (``Private_Clean`` + ``Private_Dirty``; 0 without /proc)."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            fields = dict(line.split(":", 1) for line in rollup.read().splitlines()[1:])
    except OSError:
        return 0
    return sum(int(fields[key].split()[0]) * 1024 for key in ("Private_Clean", "Private_Dirty") if key in fields)


def _worker_spent() -> bool:
    """After each task: has this worker's private memory passed the recycling threshold?

    Reading ``smaps_rollup`` costs milliseconds for a process mapping gigabytes, so it is read only
    when the page faults since the last reading could have made that much private memory (a cheap
    upper bound: freed memory is not subtracted); below the threshold, counting starts again from
    what was found."""
    global _WORKER_FAULTS_BASE
    if not _WORKER_RECYCLE:
        return False
    page = resource.getpagesize()
    faults = _faults()
    if (faults - _WORKER_FAULTS_BASE) * page <= _WORKER_RECYCLE:
        return False
    private = _private_bytes()
    if private > _WORKER_RECYCLE:
        return True
    _WORKER_FAULTS_BASE = faults - private // page
    return False


def _worker_status() -> tuple[int, bool]:
    return os.getpid(), _WORKER_SANDBOXED


# --- parent side ---------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 100_000
    max_result_bytes: int | None = 64 * 1024 * 1024
    worker_memory: int = 0
    """Address-space cap of a query worker in MiB (0: none)."""
    worker_recycle: int = 0
    """Private memory in MiB past which a query worker is replaced after its answer (0: never)."""
    queue_limit: int = 0
    """Most queries waiting for a worker at once (0: no bound); past it, 503 with Retry-After."""
    queue_wait: float = 0
    """Longest a query waits for a worker, in seconds (0: no bound); past it, 503 with Retry-After."""


class BaseRunner:
    """What every runner does before a query runs: the limits and the read-only checks."""

    limits: Limits

    def check(self, text: str) -> None:
        """Refuse, before any worker sees it, what the service never runs."""
        if len(text) > self.limits.max_query_length:
            raise DpvAlmiError(
                413,
                f"The query has {len(text)} characters; the limit is {self.limits.max_query_length}.",
                "Query too long",
            )
        if lexer.nesting_depth(text) > lexer.MAX_NESTING:
            raise DpvAlmiError(
                400,
                f"The query nests brackets more than {lexer.MAX_NESTING} deep, the server's maximum.",
                "Query too deeply nested",
            )
        if lexer.operator_count(text) > lexer.MAX_OPERATORS:
            raise DpvAlmiError(
                400,
                f"The query holds more than {lexer.MAX_OPERATORS} operators and clauses, the server's maximum.",
                "Query too large",
            )
        if lexer.looks_like_update(text):
            raise DpvAlmiError(
                400, "This endpoint is read-only: SPARQL updates are not accepted.", "Update not allowed"
            )
        if lexer.uses_service(text):
            raise DpvAlmiError(400, "SERVICE (federated query) is not allowed on this endpoint.", "Query not allowed")

    async def run(self, job: QueryJob, *, check: bool = True) -> Outcome:
        """Run *job*; raise :class:`DpvAlmiError` for anything but a result."""
        if check:
            self.check(job.text)
        if job.max_rows > self.limits.max_rows or job.max_bytes != self.limits.max_result_bytes:
            job = replace(job, max_rows=min(job.max_rows, self.limits.max_rows), max_bytes=self.limits.max_result_bytes)
        outcome = await self._execute(job)
        if outcome.status >= 400:
            raise DpvAlmiError(outcome.status, outcome.detail, outcome.title)
        return outcome

    async def _execute(self, job: QueryJob) -> Outcome:
        raise NotImplementedError

    def start(self) -> None:
        """Start answering queries."""

    def stop(self) -> None:
        """Stop; in-flight queries are abandoned."""

    async def reload(self, spec: WorkerSpec | None) -> None:
        """Serve the data *spec* describes from now on (a no-op where the store is shared)."""

    async def worker_status(self) -> tuple[int, bool]:
        raise NotImplementedError


def _release(spec: object, successor: object) -> bool:
    """Give a replaced pool's data's memory back (blocking; a thread).

    The old spec releases its store explicitly (the app freezes its start-up objects out of the
    collector's sight), and the C allocator is asked to return the freed pages: an in-memory store
    is gigabytes.  True when a store was released (then the new workers, forked while it existed,
    still map it)."""
    release = getattr(spec, "release", None)
    released = bool(release is not None and release(successor))
    gc.collect()
    if sys.platform.startswith("linux"):
        try:  # noqa: SIM105 - kept explicit
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass
    return released


ABORTED_REMEMBERED = 1024
"""Queries remembered as making the engine abort (oldest forgotten first)."""


class QueryRunner(BaseRunner):
    """Runs :class:`QueryJob` s in sandboxed worker processes under :class:`Limits`."""

    def __init__(
        self, spec: WorkerSpec | Sequence[Path], limits: Limits, workers: int = 2, *, sandbox: bool = True
    ) -> None:
        self.spec: WorkerSpec | tuple[str, ...] = (
            tuple(str(f) for f in spec) if isinstance(spec, (list, tuple)) else cast("WorkerSpec", spec)
        )
        self.limits = limits
        self.workers = max(1, workers)
        self.sandbox = sandbox
        self._pool: WorkerPool | None = None
        self._swap: asyncio.Lock | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self._aborted: OrderedDict[tuple[object, ...], None] = OrderedDict()
        """Queries that made the engine abort on the data served (see :meth:`_execute`)."""

    def _new_pool(self) -> WorkerPool:
        if getattr(self.spec, "fork", False) and "fork" in multiprocessing.get_all_start_methods():
            method = "fork"  # workers inherit the parent's in-memory store (see the module docstring)
        else:
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        return WorkerPool(
            self.workers,
            multiprocessing.get_context(method),
            _worker_init,
            (self.spec, self.sandbox, self.limits.worker_memory, self.limits.worker_recycle),
            spent=_worker_spent,
            queue_limit=self.limits.queue_limit,
            queue_wait=self.limits.queue_wait,
        )

    def start(self) -> None:
        self._pool = self._new_pool()

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._pool = None

    async def reload(self, spec: WorkerSpec | None, *, refork: bool = True) -> None:
        """Start a pool on *spec*, wait until it answers, switch to it, let the old pool finish its queries.

        Forked workers: once the old pool is done and its store released, the pool is swapped once
        more (*refork*), for workers forked from a parent that no longer maps the old data."""
        if spec is None:
            return
        self._swap = self._swap or asyncio.Lock()
        async with self._swap:  # one swap at a time (a write's, or a refork)
            await self._reload(spec, refork)

    async def _reload(self, spec: WorkerSpec, refork: bool) -> None:
        old_spec, self.spec = self.spec, spec
        self._aborted.clear()  # other data: a query that aborted the engine may not any more
        pool = self._new_pool()
        try:
            await pool.start()
            await pool.run(_worker_status, timeout=300)
        except BaseException:
            pool.stop()
            self.spec = old_spec
            raise
        old, self._pool = self._pool, pool
        if old is not None:
            old.close()  # no new tasks; running ones finish, then its workers exit
            task = asyncio.get_running_loop().create_task(self._retire(old, old_spec, spec, refork))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _retire(self, old: WorkerPool, old_spec: object, spec: WorkerSpec, refork: bool) -> None:
        await old.wait_closed()
        released = await asyncio.get_running_loop().run_in_executor(None, _release, old_spec, spec)
        if refork and released and getattr(spec, "fork", False) and self.spec is spec and self._pool is not None:
            await self.reload(spec, refork=False)  # no newer write, not stopped

    async def worker_status(self) -> tuple[int, bool]:
        """(pid, sandboxed) of some worker; also waits until one is up."""
        return await self._submit(_worker_status, (), timeout=60)

    async def _execute(self, job: QueryJob) -> Outcome:
        """Run *job* in a worker.  A query whose evaluation made the engine abort (SIGABRT: a Rust panic
        in Oxigraph, e.g. its sort on some data's values) would abort every worker it is sent to:
        after once, the same query on the same data is refused with 400, and no worker is lost."""
        key = (job.text, job.dataset, tuple(sorted((k, tuple(v)) for k, v in job.values.items())))
        if key in self._aborted:
            raise DpvAlmiError(
                400,
                "This query made the query engine abort on the data served (an engine fault, not the "
                "service's); it is refused until the data changes. Rephrase it (e.g. another ORDER BY).",
                "Query crashes the engine",
            )
        try:
            return await self._submit(_worker_run, (job,), timeout=self.limits.timeout)
        except DpvAlmiError as exc:
            died = exc.__cause__
            if isinstance(died, WorkerDied) and died.exitcode == -signal.SIGABRT:
                self._aborted[key] = None
                while len(self._aborted) > ABORTED_REMEMBERED:
                    self._aborted.popitem(last=False)
            raise

    async def _submit(self, function: Callable[..., T], args: tuple[Any, ...], *, timeout: float) -> T:
        while True:
            pool = self._pool
            if pool is None:
                raise DpvAlmiError(503, "The query workers are not running.", "Service Unavailable")
            try:
                return await pool.run(function, args, timeout=timeout)
            except PoolBusy as exc:
                raise DpvAlmiError(
                    503,
                    f"The service is busy ({exc}); try again shortly.",
                    "Service busy",
                    headers={"Retry-After": str(max(1, round(self.limits.queue_wait or 1)))},
                ) from None
            except PoolClosed:
                if self._pool is pool:  # stopped, not swapped
                    raise DpvAlmiError(503, "The query workers are not running.", "Service Unavailable") from None
                continue  # the data was swapped while this query waited: run it on the new pool
            except TimeoutError:
                raise DpvAlmiError(
                    503, f"The query ran longer than {timeout:g} s and was stopped.", "Query timeout"
                ) from None
            except WorkerDied as exc:
                log.error("query worker died: %s", exc)
                raise DpvAlmiError(503, "The query worker stopped unexpectedly; try again.", "Query failed") from exc
            except (OSError, MemoryError) as exc:  # no worker could be started (fork: EAGAIN, ENOMEM)
                log.error("could not start a query worker: %s", exc)
                raise DpvAlmiError(503, "No query worker could be started; try again.", "Service Unavailable") from None


class RemoteRunner(BaseRunner):
    """Sends queries to a remote SPARQL store (:mod:`dpv_almi.store.remote`) under the same limits.

    The remote engine runs the query, so there is no worker to kill: the HTTP request is
    abandoned at the timeout (503, as locally) and the engine's own timeout should be set too."""

    def __init__(self, remote: object, limits: Limits) -> None:
        from dpv_almi.store.remote import RemoteStore

        assert isinstance(remote, RemoteStore)  # noqa: S101 - an invariant for the type checker, not an input check
        self.remote = remote
        self.limits = limits
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))

    def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                asyncio.get_running_loop().create_task(client.aclose())
            except RuntimeError:
                asyncio.run(client.aclose())

    async def worker_status(self) -> tuple[int, bool]:
        await self.run(QueryJob(text="ASK {}", table=True), check=False)
        return os.getpid(), False

    async def _execute(self, job: QueryJob) -> Outcome:
        from dpv_almi.store import remote

        if self._client is None:
            raise DpvAlmiError(503, "The remote store client is not running.", "Service Unavailable")
        try:
            return await remote.execute(self._client, self.remote, job, self.limits.timeout)
        except httpx.TimeoutException:
            raise DpvAlmiError(
                503, f"The query ran longer than {self.limits.timeout:g} s and was stopped.", "Query timeout"
            ) from None
        except httpx.HTTPError as exc:
            log.error("remote store unreachable: %s", exc)
            raise DpvAlmiError(503, "The SPARQL store did not answer; try again.", "Store unavailable") from None
