"""The one error format: RFC 9457 ``application/problem+json``, for every error the service gives.

Handlers cover the one error type (:class:`~dpv_almi.errors.DpvAlmiError`, raised by routers and the runner),
Starlette's HTTP errors (404, 405, …), validation errors (422) and anything
unexpected (500, with the traceback only in the server log).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dpv_almi.errors import DpvAlmiError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

_POSITION = re.compile(r"error at (\d+):(\d+)")


def problem_response(
    problem: DpvAlmiError, headers: Mapping[str, str] | None = None, instance: str | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(problem.extra)
    return JSONResponse(
        body, status_code=problem.status, media_type=MEDIA_TYPE, headers={**problem.headers, **(headers or {})}
    )


def _with_position(exc: DpvAlmiError) -> DpvAlmiError:
    """A malformed query's parser message names its position: give it as ``line`` and ``column`` too."""
    match = _POSITION.search(exc.detail)
    if match and exc.title == "Malformed query" and "line" not in exc.extra:
        exc.extra.update(line=int(match[1]), column=int(match[2]))
    return exc


def allowed_methods(request: Request) -> str:
    """Every method some route of the app accepts at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "__NONE__"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(DpvAlmiError)
    async def _problem(request: Request, exc: DpvAlmiError) -> JSONResponse:
        headers = {"Allow": allowed_methods(request)} if exc.status == 405 else None
        return problem_response(_with_position(exc), headers=headers, instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem_response(
            DpvAlmiError(exc.status_code, str(exc.detail)), headers=headers, instance=request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(
            f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors()
        )
        return problem_response(DpvAlmiError(422, detail, "Invalid request"), instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return problem_response(
            DpvAlmiError(500, "Unexpected server error; the server log has details."), instance=request.url.path
        )
