"""The application factory: data, the query runner (lifespan), middleware, routers."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from dpv_almi import __version__
from dpv_almi.execution.cache import ResultCache
from dpv_almi.execution.runner import BaseRunner, Limits, QueryRunner, RemoteRunner
from dpv_almi.settings import Settings
from dpv_almi.sparql.catalogue import load_catalogue, load_rest_catalogue
from dpv_almi.store.backends import Backend, RemoteBackend, open_backend
from dpv_almi.store.dataset import DataStore
from dpv_almi.web import deps, openapi, pages, problems
from dpv_almi.web.budget import ResponseBudget, ResponseBudgetMiddleware
from dpv_almi.web.middleware import AccessLogMiddleware, ConditionalGetMiddleware, Metrics, SecurityHeadersMiddleware
from dpv_almi.web.replay import AnswerReplayMiddleware, AnswerStore
from dpv_almi.web.routers import admin, health, sparql, v1

log = logging.getLogger(__name__)

DESCRIPTION = """\
Read-only SPARQL 1.1 endpoint (`/sparql`) and REST API (`/v1`) over privacy notices modelled
with W3C DPV 2.3. Every REST answer is a named SPARQL query run by the same query runner as
`/sparql`. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(
    settings: Settings | None = None,
    *,
    data: DataStore | None = None,
    backend: Backend | None = None,
    close_backend: bool = False,
) -> FastAPI:
    """Build the service.  The store is opened here (RdfLoadError on bad input); the query workers
    start with the app's lifespan and open the same store (see :mod:`dpv_almi.store.backends`)."""
    settings = settings or Settings.from_env()
    # a backend opened here (or handed over) is closed in the lifespan's shutdown: uvicorn re-raises
    # SIGTERM once it has shut down, so no code after uvicorn.run() runs to clean up
    owned = backend is None or close_backend
    if backend is None:
        files = data.files if data is not None else settings.data_files()
        backend = open_backend(settings.store, files, settings.archive, settings.dataset)
    info = backend.info()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limits = Limits(
            settings.query_timeout,
            settings.max_rows,
            settings.max_query_length,
            settings.max_result_bytes,
            settings.worker_memory,
            settings.worker_recycle,
            settings.queue_limit,
            settings.queue_wait,
        )
        runner: BaseRunner
        if isinstance(backend, RemoteBackend):
            runner = RemoteRunner(backend.remote, limits)
        else:
            spec = backend.worker_spec()
            if spec is None:  # every local backend has workers: a new backend kind forgot to say how
                raise TypeError(f"the {backend.kind} store gives no worker spec")
            runner = QueryRunner(spec, limits, settings.workers, sandbox=settings.sandbox)
        runner.start()
        services.runner = runner
        watcher = None
        if isinstance(backend, RemoteBackend):
            watcher = asyncio.create_task(_watch_remote(backend, services, settings.remote_refresh))
        try:
            _pid, sandboxed = await runner.worker_status()
            log.info(
                "serving %d triples in %d graphs from the %s store; %d query workers (sandboxed: %s)",
                len(info),
                len(info.graphs),
                backend.kind,
                settings.workers,
                sandboxed,
            )
            # what start-up built lives as long as the process: out of the collector's sight, a full
            # collection no longer walks it (tens of ms, in the middle of some request's answer)
            gc.collect()
            gc.freeze()
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            runner.stop()
            if owned:
                backend.close()

    app = FastAPI(
        title="dpv-almi",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        # operation ids are the routes' function names (list_activities, get_policy …), which a client
        # generator turns into method names as they are
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.services = services = deps.Services(
        settings=settings,
        backend=backend,
        metrics=Metrics(),
        result_cache=ResultCache(settings.result_cache, settings.result_cache_bytes),
        competency_queries=load_catalogue(),
        rest_queries=load_rest_catalogue(),
        response_budget=ResponseBudget(settings.response_memory),
        answers=AnswerStore(settings.answer_replay_bytes),
    )
    metrics = services.metrics
    problems.install(app)
    openapi.install(app)
    app.include_router(health.router)
    app.include_router(sparql.router)
    app.include_router(v1.router)
    app.include_router(admin.router)
    admin.redact(settings.admin_token)
    pages.install(app)  # the analyst's HTML pages and /static

    # innermost first: Starlette wraps each new middleware around the previous ones
    app.add_middleware(ConditionalGetMiddleware, source=backend.info, max_age=settings.cache_max_age)
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(ResponseBudgetMiddleware, budget=services.response_budget)  # counts what GZip sends
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        # POST: the SPARQL protocol's form and application/sparql-query bodies from an external editor
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Accept-Language", "Content-Type", "If-None-Match", "X-Request-ID"],
        expose_headers=["ETag", "X-Request-ID", "X-Result-Rows", "X-Result-Truncated", "Warning"],
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware, metrics=metrics)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    # outermost: a repeated GET is answered here, before any of the above (web/replay.py)
    app.add_middleware(AnswerReplayMiddleware, store=services.answers, source=backend.info, metrics=metrics)
    return app


async def _watch_remote(backend: RemoteBackend, services: deps.Services, every: float) -> None:
    """Notice writes by other instances to a shared remote store within *every* seconds: re-read its
    registry's fingerprint, and on a change re-read what is served (new ETags) and drop cached answers."""
    while True:
        await asyncio.sleep(max(every, 0.1))
        try:
            if await asyncio.to_thread(backend.refresh_if_changed):
                services.result_cache.invalidate()
                services.answers.clear()
                log.info("the remote store changed; now serving data version %s", backend.info().version)
        except Exception as exc:  # the store may be briefly unreachable: keep serving, look again later  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
            log.warning("could not re-read the remote store's registry: %s", exc)
