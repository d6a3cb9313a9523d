"""A small read-only SPARQL 1.1 Protocol service over the model.

The store is loaded once at startup and only ever queried (``Store.query``),
never updated.  Every error leaves as ``application/problem+json`` (RFC 9457)
with a human-readable detail; tracebacks stay in the server log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import TypeVar, cast
from urllib.parse import parse_qs

import pyoxigraph
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dpv_almi import __version__, resources
from dpv_almi.loading import PathLike, load_store
from dpv_almi.namespaces import PREFIXES

log = logging.getLogger(__name__)

RESULTS_FORMATS: Mapping[str, pyoxigraph.QueryResultsFormat] = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "application/xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
"""SELECT/ASK media types, default first."""

GRAPH_FORMATS: Mapping[str, pyoxigraph.RdfFormat] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
}
"""CONSTRUCT/DESCRIBE media types, default first."""

_F = TypeVar("_F")


# --- problems ----------------------------------------------------------------


class Problem(Exception):
    """An error to be answered as ``application/problem+json``."""

    def __init__(self, status: int, detail: str, title: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Render *problem* as RFC 9457 JSON."""
    body = {"type": "about:blank", "title": problem.title, "status": problem.status, "detail": problem.detail}
    return JSONResponse(body, status_code=problem.status, media_type="application/problem+json", headers=headers)


def _install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(Problem(exc.status_code, str(exc.detail)), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(Problem(400, "; ".join(e.get("msg", "invalid") for e in exc.errors())))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after this response, so the server logs the traceback.
        return problem_response(Problem(500, "Unexpected server error; the server log has details."))


# --- SPARQL protocol -----------------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    """A protocol request reduced to what the store needs."""

    query: str
    accept: str | None


def _single(params: Mapping[str, list[str]]) -> str:
    """The one ``query`` parameter, refusing updates and dataset parameters this store ignores."""
    if "update" in params:
        raise Problem(405, "This endpoint is read-only: SPARQL updates are not accepted.")
    for name in ("default-graph-uri", "named-graph-uri"):
        if name in params:
            raise Problem(400, f"The {name} parameter is not supported; all data is in the default graph.")
    values = params.get("query", [])
    if len(values) != 1:
        raise Problem(400, "Give exactly one 'query' parameter.")
    return values[0]


async def _read_query(request: Request) -> QueryRequest:
    """Extract the query from GET parameters, a POST form or a POST ``application/sparql-query`` body."""
    accept = request.headers.get("accept")
    if request.method == "GET":
        return QueryRequest(_single(_multi(request.query_params.multi_items())), accept)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "The request body is not UTF-8.") from None
    if content_type == "application/sparql-query":
        return QueryRequest(text, accept)
    if content_type == "application/x-www-form-urlencoded":
        return QueryRequest(_single(parse_qs(text, keep_blank_values=True)), accept)
    if content_type == "application/sparql-update":
        raise Problem(405, "This endpoint is read-only: SPARQL updates are not accepted.")
    raise Problem(415, "POST application/sparql-query or application/x-www-form-urlencoded (query=...).")


def _multi(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return grouped


def negotiate(accept: str | None, offered: Mapping[str, _F]) -> tuple[str, _F] | None:
    """Pick the offered (media type, format) the Accept header ranks highest; the first offer is the default."""
    default = next(iter(offered.items()))
    if not accept:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media))
    for _, _, media in sorted(ranked):
        if media in offered:
            return media, offered[media]
        if media == "*/*":
            return default
        if media.endswith("/*"):
            for candidate, fmt in offered.items():
                if candidate.startswith(media[:-1]):
                    return candidate, fmt
    return None


_TOKENS_WITHOUT_KEYWORDS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""  # string literals
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"  # IRIs
    r"|#[^\n]*",  # comments
    re.DOTALL,
)
_SERVICE_KEYWORD = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:-])", re.IGNORECASE)


def uses_service(query: str) -> bool:
    """True if the query contains a SERVICE clause (outside strings, IRIs and comments).

    pyoxigraph would perform federated SERVICE calls over HTTP, letting any
    client make this server fetch arbitrary URLs.
    """
    return bool(_SERVICE_KEYWORD.search(_TOKENS_WITHOUT_KEYWORDS.sub(" ", query)))


def _serialize(result: object, accept: str | None) -> tuple[str, bytes] | Problem:
    """Serialise a query result, returning (not raising) problems.

    pyoxigraph results must be dropped on the thread that created them, so
    nothing may keep them alive in a traceback: callers raise after ``del``.
    """
    try:
        if isinstance(result, pyoxigraph.QueryTriples):
            chosen_graph = negotiate(accept, GRAPH_FORMATS)
            if chosen_graph is None:
                return Problem(406, f"CONSTRUCT/DESCRIBE results are available as: {', '.join(GRAPH_FORMATS)}.")
            fmt = chosen_graph[1]
            return fmt.media_type, cast(bytes, pyoxigraph.serialize(result, format=fmt, prefixes=PREFIXES))
        chosen = negotiate(accept, RESULTS_FORMATS)
        if chosen is None:
            return Problem(406, f"SELECT/ASK results are available as: {', '.join(RESULTS_FORMATS)}.")
        return chosen[1].media_type, result.serialize(format=chosen[1])  # type: ignore[attr-defined]
    except Exception as exc:  # evaluation is lazy: errors surface while serialising
        return Problem(500, f"Query evaluation failed: {exc}", "Query failed")


def execute(store: pyoxigraph.Store, request: QueryRequest) -> Response:
    """Run a read-only query and serialise its result in the negotiated format."""
    if uses_service(request.query):
        raise Problem(400, "SERVICE (federated query) is not allowed on this endpoint.", "Query not allowed")
    try:
        result = store.query(request.query, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise Problem(400, str(exc), "Malformed query") from None
    outcome = _serialize(result, request.accept)
    del result
    if isinstance(outcome, Problem):
        raise outcome
    media_type, body = outcome
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


# --- application -----------------------------------------------------------------


def create_app(data_files: Iterable[PathLike] | None = None, *, store: pyoxigraph.Store | None = None) -> FastAPI:
    """Build the service; data is loaded at startup from *data_files* (default: the packaged ontology).

    Pass an already loaded *store* to skip loading (the CLI does, to report bad
    input before the server starts).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is not None:
            app.state.store = store
        else:
            app.state.store = load_store(data_files if data_files is not None else resources.default_data_files())
        log.info("loaded %d triples", len(app.state.store))
        yield

    app = FastAPI(title="DPV-ALMI", version=__version__, lifespan=lifespan)
    _install_problem_handlers(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz(request: Request) -> dict[str, object]:
        """Readiness: the data is loaded."""
        return {"status": "ready", "triples": len(request.app.state.store)}

    @app.api_route("/sparql", methods=["GET", "POST"])
    async def sparql(request: Request) -> Response:
        """SPARQL 1.1 Protocol, queries only."""
        query_request = await _read_query(request)
        return await run_in_threadpool(execute, request.app.state.store, query_request)

    return app
