"""Administration: add or replace a policy (``PUT /v1/admin/policies/{id}``).

Off unless the ``admin_token`` setting (``DPV_ALMI_ADMIN_TOKEN``) is set (then 404, as if absent); the request must carry
``Authorization: Bearer <token>``, compared in constant time; the token is never logged.
The body is RDF (Content-Type Turtle, N-Triples, RDF/XML or JSON-LD); it is parsed before
anything is stored (400 problem+json, nothing loaded), then stored as the policy's new current
version and served by a fresh worker pool (see :mod:`dpv_almi.store.backends`).
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, Query, Request

from dpv_almi.errors import DpvAlmiError
from dpv_almi.identifiers import check_policy_id, check_version
from dpv_almi.loading import RdfLoadError
from dpv_almi.web import deps, redaction

router = APIRouter(prefix="/v1/admin", tags=["admin"], include_in_schema=True)

SUFFIXES = {
    "text/turtle": ".ttl",
    "application/n-triples": ".nt",
    "application/rdf+xml": ".rdf",
    "application/ld+json": ".jsonld",
    "application/x-turtle": ".ttl",
}

_write_lock = asyncio.Lock()


def redact(token: str | None) -> None:
    """Keep *token* out of every log (:mod:`dpv_almi.web.redaction`)."""
    redaction.add(token)


def _authorise(request: Request) -> None:
    token = deps.settings(request).admin_token
    if not token:
        raise DpvAlmiError(404, "Not Found", "Not Found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise DpvAlmiError(
            401,
            "A valid bearer token is required.",
            "Unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="dpv-almi admin"'},
        )


@router.put("/policies/{policy}", summary="Add or replace a policy (bearer token)")
async def put_policy(
    request: Request,
    policy: str,
    version: str | None = Query(None, description="version label (default: SHA-256 prefix)"),
) -> dict[str, Any]:
    _authorise(request)
    check_policy_id(policy)  # before the body is read, let alone stored
    if version is not None:
        check_version(version)
    media = request.headers.get("content-type", "text/turtle").split(";")[0].strip().lower()
    suffix = SUFFIXES.get(media)
    if suffix is None:
        raise DpvAlmiError(415, f"Send the policy as one of: {', '.join(SUFFIXES)}.", "Unsupported Media Type")
    body = await deps.read_body(request)
    backend = deps.backend(request)
    async with _write_lock:  # one write at a time: each builds on the previous
        try:
            record = await asyncio.to_thread(backend.replace_policy, policy, body, suffix, version, f"{policy}{suffix}")
        except RdfLoadError as exc:
            raise DpvAlmiError(
                400, f"{exc.message} (line {exc.line}, column {exc.column})" if exc.line else exc.message, "Invalid RDF"
            ) from None
        except ValueError as exc:
            raise DpvAlmiError(400, str(exc), "Invalid policy") from None
        await deps.runner(request).reload(backend.worker_spec())
        deps.data_changed(request)  # the workers serve the new data: cached answers are stale
    return {"status": "loaded", **record.as_json()}
