"""The OpenAPI description, completed where FastAPI cannot see what a route answers.

FastAPI describes a route's 200 answer from its return annotation and its 422 from its
parameters; it cannot know that every error is ``application/problem+json``
(:mod:`dpv_almi.web.problems`) or that ``/sparql`` negotiates a dozen media types.  Clients
generated from the description, and the schema fuzzer, trust it -- so it says all of it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from dpv_almi.store.dataset import GRAPH_FORMATS, RESULTS_FORMATS
from dpv_almi.web.problems import MEDIA_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "DpvAlmiError",
    "description": "RFC 9457 problem details; a malformed query adds the parser's line and column.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "line": {"type": "integer"},
        "column": {"type": "integer"},
    },
}

PROBLEM_RESPONSE: dict[str, Any] = {
    "description": "An error, as problem+json (RFC 9457).",
    "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/DpvAlmiError"}}},
}

SPARQL_MEDIA_TYPES = [*RESULTS_FORMATS, *GRAPH_FORMATS]
"""What ``/sparql`` answers, by query form and ``Accept``."""


def describe(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with problem+json errors and the SPARQL media types."""
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    document.setdefault("components", {}).setdefault("schemas", {})["DpvAlmiError"] = PROBLEM_SCHEMA
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in [s for s in responses if s.startswith(("4", "5"))]:
                responses[status] = PROBLEM_RESPONSE
            responses["default"] = PROBLEM_RESPONSE
            if path == "/sparql":
                types = SPARQL_MEDIA_TYPES + (["text/html"] if method == "get" else [])
                responses["200"]["content"] = {media: {"schema": {}} for media in types}
    return document


def install(app: FastAPI) -> None:
    """Serve :func:`describe` at the app's ``openapi_url`` (computed once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the OpenAPI document
