"""Cross-cutting HTTP behaviour: request ids, access logs, metrics, caching headers.

* Request ids: ``asgi-correlation-id`` reads or makes ``X-Request-ID`` and puts it
  in the logs and the response.
* Access log: one JSON line per request on the ``dpv_almi.access`` logger.
* Metrics: Prometheus counters and histograms (``prometheus-client``), one
  registry per app, served at ``/metrics``.
* Security headers: every answer says ``nosniff``, denies framing and carries a CSP without
  inline or remote scripts (:class:`SecurityHeadersMiddleware`).
* Conditional requests: a GET answer is fully determined by the data version
  (which a policy load changes), the URL and the
  negotiation headers; the ETag is computed from those *before* running the
  query, and a matching ``If-None-Match`` (or a fresh ``If-Modified-Since``)
  gets 304 without touching a worker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from asgi_correlation_id import correlation_id
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dpv_almi.web import redaction

access_log = logging.getLogger("dpv_almi.access")
access_log.addFilter(redaction.RedactFilter())

CACHED_PREFIXES = ("/sparql", "/v1/")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dpv_almi_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "dpv_almi_http_request_duration_seconds",
            "HTTP request duration",
            ["method", "route"],
            registry=self.registry,
        )
        self.queries = Counter(
            "dpv_almi_queries", "SPARQL queries run by the workers, by outcome", ["outcome"], registry=self.registry
        )
        cache = Counter(
            "dpv_almi_result_cache",
            "Query answers looked up in the result cache, by event",
            ["event"],
            registry=self.registry,
        )
        self.cache_hits, self.cache_misses = cache.labels("hit"), cache.labels("miss")


class AccessLogMiddleware:
    """Times each request, logs it as JSON and counts it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        size = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_request(self.metrics, scope, _route_template(scope), status, size, time.perf_counter() - start)


def log_request(metrics: Metrics, scope: Scope, route: str, status: int, size: int, elapsed: float) -> None:
    """Count a request and write its JSON access-log line (one per request, however it was answered)."""
    metrics.requests.labels(scope["method"], route, str(status)).inc()
    metrics.latency.labels(scope["method"], route).observe(elapsed)
    record: dict[str, Any] = {
        "request_id": correlation_id.get(),
        "method": scope["method"],
        "path": scope["path"],
        # redacted whole, then cut: no prefix of a secret survives the cut
        "query": redaction.redact(scope.get("query_string", b"").decode("latin-1"))[:500],
        "status": status,
        "bytes": size,
        "duration_ms": round(elapsed * 1000, 2),
        "client": (scope.get("client") or ("", 0))[0],
    }
    access_log.info(json.dumps(record))


def _route_template(scope: Scope) -> str:
    """The path template of the route that handled *scope* (bounded metric labels), or "unmatched".

    FastAPI records the matched route in the scope, with the path it has in its own router; the
    prefixes of enclosing routers are what remains of the request path after that route's path.
    """
    route = scope.get("route")
    template = str(getattr(route, "path", "") or "")
    if not template:
        return "unmatched"
    try:
        rendered = str(route.path_format.format(**scope.get("path_params", {})))  # type: ignore[union-attr]  # only routes with a path_format reach here; others raise AttributeError, handled
    except (AttributeError, KeyError, IndexError):
        return template
    path = scope["path"]
    return path[: len(path) - len(rendered)] + template if path.endswith(rendered) else template


class ConditionalGetMiddleware:
    """ETag, Last-Modified, Cache-Control and 304s for GET/HEAD answers of ``/sparql`` and ``/v1``."""

    def __init__(self, app: ASGIApp, source: Callable[[], Any], max_age: int) -> None:
        self.app = app
        self.source = source
        """Returns what is served now (``.version``, ``.last_modified``): a policy load changes both."""
        self.max_age = max_age

    @property
    def version(self) -> str:
        return str(self.source().version)

    @property
    def last_modified(self) -> Any:
        return self.source().last_modified

    def etag(self, scope: Scope, headers: Headers) -> str:
        key = "\n".join(
            [
                self.version,
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                headers.get("accept", ""),
                headers.get("accept-language", ""),
                headers.get("host", ""),
            ]
        )
        return f'W/"{self.version[:12]}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"'

    def known_tag(self, headers: Headers, etag: str) -> bool:
        """The client holds this very ETag: it was only ever given with a 200 of this URL, request
        headers and data version, so the answer is known to be unchanged without running anything."""
        if_none_match = headers.get("if-none-match")
        if if_none_match is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return etag.removeprefix("W/") in tags

    def unchanged_if_found(self, headers: Headers) -> bool:
        """``If-None-Match: *`` or an ``If-Modified-Since`` not before the data's last change: a 304
        *if* the request succeeds -- an unknown policy, a bad parameter or a malformed query is
        still answered as such.  A date in the future is no valid date (RFC 9110 §13.1.3): ignored."""
        if_none_match = headers.get("if-none-match")
        if if_none_match is not None:
            return "*" in {t.strip() for t in if_none_match.split(",")}
        since = headers.get("if-modified-since")
        if not since:
            return False
        try:
            date = parsedate_to_datetime(since)
            return bool(self.last_modified <= date <= datetime.now(UTC))
        except (TypeError, ValueError):
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(CACHED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        etag = self.etag(scope, headers)
        cache_headers = {
            "etag": etag,
            "last-modified": format_datetime(self.last_modified, usegmt=True),
            "cache-control": f"public, max-age={self.max_age}",
        }
        not_modified = {
            "type": "http.response.start",
            "status": 304,
            "headers": [(k.encode(), v.encode()) for k, v in cache_headers.items()]
            + [(b"vary", b"Accept, Accept-Language")],
        }
        if self.known_tag(headers, etag):
            await send(not_modified)
            await send({"type": "http.response.body", "body": b""})
            return
        conditional = self.unchanged_if_found(headers)
        swallowing = False

        async def send_wrapper(message: Message) -> None:
            nonlocal swallowing
            if message["type"] == "http.response.start" and message["status"] == 200:
                if conditional:  # found, and unchanged since the client's copy: no body
                    swallowing = True
                    await send(not_modified)
                    await send({"type": "http.response.body", "body": b""})
                    return
                response_headers = MutableHeaders(scope=message)
                for key, value in cache_headers.items():
                    response_headers[key] = value
                response_headers["vary"] = _vary(response_headers.get("vary"))
            elif swallowing:
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)


NEGOTIATED = ("Accept", "Accept-Language")
"""What the ETag is computed from besides the URL: every cached answer varies by them."""


def _vary(existing: str | None) -> str:
    """*existing* Vary with Accept and Accept-Language added once (a shared cache must key on both)."""
    names = [name.strip() for name in (existing or "").split(",") if name.strip()]
    known = {name.lower() for name in names}
    return ", ".join(names + [name for name in NEGOTIATED if name.lower() not in known])


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)
"""No inline or remote script anywhere: the pages' JavaScript is in static files.  Inline *styles*
stay allowed because the editor (CodeMirror inside YASGUI) sets style attributes."""

DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
"""The one exception, ``/v1/docs``: FastAPI's Swagger UI page is an inline script loading its
bundle from jsDelivr.  It holds no data of ours; the data endpoints keep the strict policy."""

DOCS_PATH = "/v1/docs"

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """The security headers of every answer -- pages, API, errors, static files -- in one place."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CONTENT_SECURITY_POLICY if scope["path"] == DOCS_PATH else CONTENT_SECURITY_POLICY

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers[key] = value
                headers["content-security-policy"] = policy
            await send(message)

        await self.app(scope, receive, send_wrapper)
