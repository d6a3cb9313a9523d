"""What the routers share, typed: the app's services as dependencies, bounded body reads, running a query.

Routes take what they need as typed parameters (``settings: SettingsDep``, ``runner: RunnerDep`` ...,
FastAPI's ``Annotated[..., Depends(...)]``); code that already holds the request calls the same
functions (``deps.settings(request)``).  Everything comes from one :class:`Services` object that
the app factory builds, so nothing reads ``app.state`` untyped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from fastapi import Depends, Request

from dpv_almi.errors import DpvAlmiError
from dpv_almi.execution.cache import ResultCache
from dpv_almi.execution.runner import BaseRunner
from dpv_almi.settings import Settings
from dpv_almi.sparql.catalogue import NamedQuery
from dpv_almi.store.backends import Backend, StoreInfo
from dpv_almi.store.dataset import Outcome, QueryJob
from dpv_almi.web.budget import ResponseBudget
from dpv_almi.web.replay import AnswerStore, asks_fresh

if TYPE_CHECKING:
    from dpv_almi.web.middleware import Metrics

T = TypeVar("T")


@dataclass
class Services:
    """Everything a request may need, built once per app (``runner`` once its lifespan starts)."""

    settings: Settings
    backend: Backend
    metrics: Metrics
    result_cache: ResultCache
    competency_queries: dict[str, NamedQuery]
    rest_queries: dict[str, NamedQuery]
    response_budget: ResponseBudget
    answers: AnswerStore
    runner: BaseRunner | None = field(default=None)


def services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


def runner(request: Request) -> BaseRunner:
    running = services(request).runner
    if running is None:
        raise DpvAlmiError(503, "The query workers are not running yet.", "Service Unavailable")
    return running


def backend(request: Request) -> Backend:
    return services(request).backend


def data(request: Request) -> StoreInfo:
    """What is served now (graphs, sizes, registry); changes when a policy is loaded."""
    return backend(request).info()


def settings(request: Request) -> Settings:
    return services(request).settings


async def read_body(request: Request) -> bytes:
    """The request body, refusing (413) anything over the configured maximum without reading it all,
    and (408) a client too slow to send it: a trickled body would otherwise hold the request forever."""
    config = settings(request)
    limit = config.max_body
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise DpvAlmiError(413, f"The request body is {declared} bytes; the limit is {limit}.", "Request too large")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(config.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise DpvAlmiError(
                        413, f"The request body exceeds the limit of {limit} bytes.", "Request too large"
                    )
                chunks.append(chunk)
    except TimeoutError:
        raise DpvAlmiError(
            408, f"The request body took longer than {config.body_timeout:g} s to arrive.", "Request Timeout"
        ) from None
    return b"".join(chunks)


def result_cache(request: Request) -> ResultCache:
    return services(request).result_cache


ServicesDep = Annotated[Services, Depends(services)]
SettingsDep = Annotated[Settings, Depends(settings)]
RunnerDep = Annotated[BaseRunner, Depends(runner)]
BackendDep = Annotated[Backend, Depends(backend)]
DataDep = Annotated[StoreInfo, Depends(data)]


def data_changed(request: Request) -> None:
    """Call once the workers serve new data (after ``runner.reload``): cached answers are forgotten."""
    result_cache(request).invalidate()
    services(request).answers.clear()


def wants_fresh(request: Request) -> bool:
    """``Cache-Control: no-cache`` (or ``no-store``, ``Pragma: no-cache``, any letter case) from the client:
    evaluate anew, as HTTP caches revalidate with the origin; the fresh answer still refreshes the cache."""
    return any(asks_fresh(name, value) for name, value in request.headers.items())


async def run(request: Request, job: QueryJob, *, check: bool = True) -> Outcome:
    """Run *job* through the one runner, or answer it from the result cache (:mod:`dpv_almi.execution.cache`),
    counting outcomes in the metrics."""
    metrics = services(request).metrics
    cache = result_cache(request)
    key = None
    if cache.enabled:
        key = cache.key(data(request).version, job, check)
        cached = None if wants_fresh(request) else cache.get(key)
        if cached is not None:
            metrics.cache_hits.inc()
            return cached
        metrics.cache_misses.inc()
    try:
        outcome = await unless_client_leaves(request, runner(request).run(job, check=check))
    except DpvAlmiError as exc:
        metrics.queries.labels("timeout" if exc.status == 503 else "error").inc()
        raise
    metrics.queries.labels("truncated" if outcome.truncated else "ok").inc()
    if key is not None:
        cache.put(key, outcome)
    return outcome


async def _client_gone(request: Request) -> None:
    """Return once the client has closed its connection (the ASGI ``http.disconnect`` message)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def unless_client_leaves(request: Request, work: Coroutine[Any, Any, T]) -> T:
    """*work*'s result, or -- when the client goes away first -- *work* cancelled at once: a cancelled
    query's worker is killed and replaced (:mod:`dpv_almi.execution.pool`), so an abandoned runaway
    stops holding a worker the moment its client leaves, not at its timeout."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_client_gone(request))
    try:
        await asyncio.wait((task, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, DpvAlmiError):
            await task
        raise DpvAlmiError(400, "The client closed the connection before the answer.", "Client closed request")
    return task.result()


def result_headers(outcome: Outcome, max_rows: int) -> dict[str, Any]:
    headers = {"Vary": "Accept, Accept-Language", "X-Result-Rows": str(outcome.rows)}
    if outcome.truncated:
        headers["X-Result-Truncated"] = f"true; max-rows={max_rows}"
        headers["Warning"] = f'199 dpv-almi "Result truncated to the first {max_rows} rows"'
    return headers
