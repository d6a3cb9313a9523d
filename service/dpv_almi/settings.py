"""Service configuration: environment variables, overridden by ``dpv-almi serve`` flags.

| variable | flag | default |
|---|---|---|
| ``DPV_ALMI_DATA`` (paths joined by ``:``) | ``--data`` | the packaged ontology |
| ``DPV_ALMI_HOST`` / ``DPV_ALMI_PORT`` | ``--host`` / ``--port`` | 127.0.0.1 / 8000 |
| ``DPV_ALMI_QUERY_TIMEOUT`` (s) | ``--query-timeout`` | 10 |
| ``DPV_ALMI_MAX_ROWS`` | ``--max-rows`` | 10000 |
| ``DPV_ALMI_MAX_QUERY_LENGTH`` (chars) | ``--max-query-length`` | 100000 |
| ``DPV_ALMI_MAX_BODY`` (bytes) | ``--max-body`` | 1048576 |
| ``DPV_ALMI_WORKERS`` | ``--workers`` | number of CPUs, at least 2 |
| ``DPV_ALMI_CORS_ORIGINS`` (comma-separated) | ``--cors-origin`` (repeatable) | ``*`` |
| ``DPV_ALMI_CACHE_MAX_AGE`` (s) | ``--cache-max-age`` | 300 |
| ``DPV_ALMI_PUBLIC_URL`` | ``--public-url`` | taken from each request |
| ``DPV_ALMI_LOG_LEVEL`` | ``--log-level`` | info |
| ``DPV_ALMI_STORE`` | ``--store`` | in memory; a directory (on-disk Oxigraph) or ``sparql+http://…`` |
| ``DPV_ALMI_ARCHIVE`` | ``--archive`` | where policy versions are kept (on disk: ``STORE/versions``) |
| ``DPV_ALMI_ADMIN_TOKEN`` | -- | unset: the admin endpoint is off |
| ``DPV_ALMI_MAX_RESULT_BYTES`` | ``--max-result-bytes`` | 67108864 (64 MiB) |
| ``DPV_ALMI_WORKER_MEMORY`` (MiB) | ``--worker-memory`` | 2048 (0: no cap) |
| ``DPV_ALMI_WORKER_RECYCLE`` (MiB) | ``--worker-recycle`` | 512 (0: never) |
| ``DPV_ALMI_MAX_HEADER_BYTES`` | ``--max-header-bytes`` | 16384 |
| ``DPV_ALMI_HEADER_TIMEOUT`` (s) | ``--header-timeout`` | 10 |
| ``DPV_ALMI_BODY_TIMEOUT`` (s) | ``--body-timeout`` | 30 |
| ``DPV_ALMI_KEEP_ALIVE`` (s) | ``--keep-alive`` | 5 |
| ``DPV_ALMI_RESULT_CACHE`` (entries; 0: off) | ``--result-cache`` | 1024 |
| ``DPV_ALMI_RESULT_CACHE_BYTES`` | ``--result-cache-bytes`` | 67108864 (64 MiB; 0: off) |
| ``DPV_ALMI_REMOTE_REFRESH`` (s) | ``--remote-refresh`` | 2 |
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from dpv_almi import resources
from dpv_almi.errors import InputError

ENV_PREFIX = "DPV_ALMI_"


class SettingsError(InputError, ValueError):
    """A configuration value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    data: tuple[Path, ...] = ()
    """RDF files or directories; empty means the packaged ontology."""
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_query_length: int = 100_000
    max_body: int = 1_048_576
    workers: int = field(default_factory=lambda: max(2, os.cpu_count() or 2))
    cors_origins: tuple[str, ...] = ("*",)
    cache_max_age: int = 300
    public_url: str | None = None
    log_level: str = "info"
    store: str | None = None
    """None: in memory from ``data``; a directory: on-disk Oxigraph; ``sparql+http://…``: remote."""
    archive: Path | None = None
    """Where every loaded policy version is kept (for diffs); default: a temporary or the store's folder."""
    max_result_bytes: int = 64 * 1024 * 1024
    """Largest serialised query result (422 beyond): bounds one huge GROUP_CONCAT value too."""
    worker_memory: int = 2048
    """Address space (RLIMIT_AS) a query worker may add, MiB, above what it maps once its store is open
    (the shared data does not count; 0: no cap): a runaway query ends its worker."""
    worker_recycle: int = 512
    """Private memory (MiB) past which a query worker is replaced by a fresh one after its answer
    (0: never): forked workers copy the shared store's pages their queries touch."""
    max_header_bytes: int = 16_384
    """Largest request head uvicorn buffers (request line and headers); beyond, the connection is refused."""
    header_timeout: float = 10.0
    """Seconds a client has to send a complete request head (slow clients are disconnected)."""
    body_timeout: float = 30.0
    """Seconds a client has to send a request body (408 beyond)."""
    keep_alive: int = 5
    """Seconds an idle keep-alive connection stays open."""
    result_cache: int = 1024
    """Most query results kept for reuse until the data changes (0: no result cache)."""
    result_cache_bytes: int = 64 * 1024 * 1024
    """Most bytes (estimated) the result cache holds (0: no result cache)."""
    remote_refresh: float = 2.0
    """A remote store's registry is re-read this often (s): writes by other instances show within it."""
    sandbox: bool = True
    """Run query workers under the seccomp network filter (always on outside tests)."""

    def data_files(self) -> list[Path]:
        return list(self.data) if self.data else resources.default_data_files()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or f.name == "sandbox":
                continue
            values[f.name] = _convert(f.name, raw)
        return cls(**values)  # type: ignore[arg-type]

    def with_args(self, args: argparse.Namespace) -> Settings:
        """These settings overridden by the CLI flags that were given."""
        given = {}
        for f in fields(self):
            value = getattr(args, f.name, None)
            if value is not None and f.name != "sandbox":
                given[f.name] = tuple(value) if isinstance(value, list) else value
        return replace(self, **given)


def _convert(name: str, raw: str) -> object:
    try:
        if name == "archive":
            return Path(raw)
        if name == "data":
            return tuple(Path(p) for p in raw.split(os.pathsep) if p)
        if name == "cors_origins":
            return tuple(o.strip() for o in raw.split(",") if o.strip())
        if name in (
            "port",
            "max_rows",
            "max_query_length",
            "max_body",
            "workers",
            "cache_max_age",
            "max_result_bytes",
            "worker_memory",
            "worker_recycle",
            "max_header_bytes",
            "keep_alive",
            "result_cache",
            "result_cache_bytes",
        ):
            return int(raw)
        if name in ("query_timeout", "header_timeout", "body_timeout", "remote_refresh"):
            return float(raw)
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number") from None
    return raw


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` flags; each defaults to the environment variable, then the built-in default."""
    parser.add_argument(
        "--data",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="RDF files or directories to serve (default: packaged ontology; env DPV_ALMI_DATA)",
    )
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1; env DPV_ALMI_HOST)")
    parser.add_argument("--port", type=int, help="port to bind (default 8000; env DPV_ALMI_PORT)")
    parser.add_argument(
        "--query-timeout",
        type=float,
        metavar="SECONDS",
        help="stop a query after this long (default 10; env DPV_ALMI_QUERY_TIMEOUT)",
    )
    parser.add_argument("--max-rows", type=int, help="most result rows returned (default 10000; env DPV_ALMI_MAX_ROWS)")
    parser.add_argument(
        "--max-query-length",
        type=int,
        metavar="CHARS",
        help="longest query accepted (default 100000; env DPV_ALMI_MAX_QUERY_LENGTH)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        metavar="BYTES",
        help="largest request body accepted (default 1 MiB; env DPV_ALMI_MAX_BODY)",
    )
    parser.add_argument(
        "--workers", type=int, help="query worker processes (default: CPUs, at least 2; env DPV_ALMI_WORKERS)"
    )
    parser.add_argument(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        metavar="ORIGIN",
        help="origin allowed to GET cross-site; repeatable (default *; env DPV_ALMI_CORS_ORIGINS)",
    )
    parser.add_argument(
        "--cache-max-age",
        type=int,
        metavar="SECONDS",
        help="Cache-Control max-age of answers (default 300; env DPV_ALMI_CACHE_MAX_AGE)",
    )
    parser.add_argument(
        "--public-url",
        help="the endpoint's public base URL, for the service description "
        "(default: from each request; env DPV_ALMI_PUBLIC_URL)",
    )
    parser.add_argument(
        "--store",
        help="on-disk Oxigraph directory (a restart serves it without reloading) or "
        "sparql+http://host:port/query[?engine=oxigraph|virtuoso] (default: memory; env DPV_ALMI_STORE)",
    )
    parser.add_argument("--archive", type=Path, help="directory keeping every policy version (env DPV_ALMI_ARCHIVE)")
    parser.add_argument(
        "--max-result-bytes",
        type=int,
        metavar="BYTES",
        help="largest query result (default 64 MiB; env DPV_ALMI_MAX_RESULT_BYTES)",
    )
    parser.add_argument(
        "--worker-memory",
        type=int,
        metavar="MIB",
        help="address space a query worker may add above its data, 0 for no cap (default 2048; "
        "env DPV_ALMI_WORKER_MEMORY)",
    )
    parser.add_argument(
        "--worker-recycle",
        type=int,
        metavar="MIB",
        help="private memory past which a query worker is replaced after its answer, 0 for never "
        "(default 512; env DPV_ALMI_WORKER_RECYCLE)",
    )
    parser.add_argument(
        "--max-header-bytes",
        type=int,
        metavar="BYTES",
        help="largest request head (default 16384; env DPV_ALMI_MAX_HEADER_BYTES)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        metavar="SECONDS",
        help="time to send a request head (default 10; env DPV_ALMI_HEADER_TIMEOUT)",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        metavar="SECONDS",
        help="time to send a request body (default 30; env DPV_ALMI_BODY_TIMEOUT)",
    )
    parser.add_argument(
        "--keep-alive",
        type=int,
        metavar="SECONDS",
        help="idle keep-alive connection timeout (default 5; env DPV_ALMI_KEEP_ALIVE)",
    )
    parser.add_argument(
        "--result-cache",
        type=int,
        metavar="ENTRIES",
        help="query results kept until the data changes, 0 for none (default 1024; env DPV_ALMI_RESULT_CACHE)",
    )
    parser.add_argument(
        "--result-cache-bytes",
        type=int,
        metavar="BYTES",
        help="bytes the result cache may hold, 0 for none (default 64 MiB; env DPV_ALMI_RESULT_CACHE_BYTES)",
    )
    parser.add_argument(
        "--remote-refresh",
        type=float,
        metavar="SECONDS",
        help="how often a remote store's registry is re-read (default 2; env DPV_ALMI_REMOTE_REFRESH)",
    )
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="log level (default info; env DPV_ALMI_LOG_LEVEL)",
    )
