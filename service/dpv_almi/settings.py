"""Service configuration, each setting defined once: its type, default, environment variable, flag and help.

Every field of :class:`Settings` carries its own description (:func:`setting`); from it come the
environment variable (``DPV_ALMI_`` + the field name in capitals), the ``dpv-almi serve`` flag
(``--`` + the name with dashes) and its help, the parsing of both (from the field's type), and the
README's configuration table (:func:`markdown_table`; a test checks the README against it).
Flags override the environment, which overrides the defaults.
"""

from __future__ import annotations

import argparse
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dpv_almi import resources
from dpv_almi.errors import InputError

ENV_PREFIX = "DPV_ALMI_"
MIB = 1024 * 1024


class SettingsError(InputError, ValueError):
    """A configuration value that cannot be used."""


def setting(
    default: Any = MISSING,
    *,
    help: str,
    shown: str | None = None,
    metavar: str | None = None,
    flag: bool | str = True,
    env: bool = True,
    choices: tuple[str, ...] | None = None,
    separator: str | None = None,
    secret: bool = False,
    default_factory: Callable[[], Any] | None = None,
) -> Any:
    """A :class:`Settings` field with everything needed to read it from the environment and the flags.

    *shown* is the default as the help and the README print it (``str(default)`` otherwise); *flag* is
    False for no flag, or the flag's name where it is not the field's;
    *separator* splits an environment value into a tuple (``--flag`` then repeats or takes several);
    a *secret* is left out of the settings' ``repr`` (and so out of logs)."""
    meta = {
        "help": help,
        "shown": shown,
        "metavar": metavar,
        "flag": flag,
        "env": env,
        "choices": choices,
        "separator": separator,
    }
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Everything ``dpv-almi serve`` can be told; the web layer reads it through ``web.deps``."""

    data: tuple[Path, ...] = setting(
        (),
        help="RDF files or directories to serve",
        shown="the packaged `ontology/`",
        metavar="FILE",
        separator=os.pathsep,
    )
    host: str = setting("127.0.0.1", help="interface to bind")
    port: int = setting(8000, help="port to bind")
    query_timeout: float = setting(10.0, help="stop a query after this long (seconds)", metavar="SECONDS")
    max_rows: int = setting(10_000, help="most result rows or triples returned")
    max_query_length: int = setting(100_000, help="longest query accepted (characters)", metavar="CHARS")
    max_body: int = setting(1_048_576, help="largest request body accepted (bytes)", shown="1 MiB", metavar="BYTES")
    workers: int = setting(
        help="query worker processes",
        shown="CPUs, at least 2",
        default_factory=lambda: max(2, os.cpu_count() or 2),
    )
    cors_origins: tuple[str, ...] = setting(
        ("*",),
        help="origin allowed to call the service cross-site (repeatable)",
        shown="`*`",
        metavar="ORIGIN",
        flag="--cors-origin",
        separator=",",
    )
    cache_max_age: int = setting(300, help="Cache-Control max-age of answers (seconds)", metavar="SECONDS")
    public_url: str | None = setting(
        None, help="the endpoint's public base URL, for the service description", shown="from each request"
    )
    log_level: str = setting("info", help="log level", choices=("debug", "info", "warning", "error"))
    store: str | None = setting(
        None,
        help="a directory (on-disk Oxigraph; a restart serves it without reloading) or "
        "`sparql+http://host:port/query[?engine=oxigraph|virtuoso]`",
        shown="in memory",
    )
    dataset: str = setting(
        "policies",
        help="`policies`: each file a policy graph, the default graph their merge (not the registry); "
        "`standard`: the files as an RDF dataset as they are (triples in the default graph, TriG/N-Quads "
        "graphs named; in memory, no policies)",
        choices=("policies", "standard"),
    )
    archive: Path | None = setting(
        None,
        help="directory keeping every policy version (for diffs)",
        shown="on disk: `STORE/versions`; else a temporary folder",
    )
    admin_token: str | None = setting(
        None,
        help="bearer token of the admin endpoint (`PUT /v1/admin/policies/{id}`); never a flag, so that it "
        "stays out of process lists",
        shown="unset: the admin endpoint is off",
        flag=False,
        secret=True,
    )
    max_result_bytes: int = setting(
        64 * MIB,
        help="largest serialised query result (bytes; 422 beyond): bounds one huge GROUP_CONCAT value too",
        shown="64 MiB",
        metavar="BYTES",
    )
    response_memory: int = setting(
        256 * MIB,
        help="bytes of answers the service may hold for clients still reading them (0: no bound); an answer "
        "that would pass it gets 503 with Retry-After, so slow readers cannot exhaust the service's memory",
        shown="256 MiB",
        metavar="BYTES",
    )
    worker_memory: int = setting(
        2048,
        help="address space (MiB) a query worker may add above what it maps once its store is open "
        "(0: no cap): a runaway query ends its worker",
        metavar="MIB",
    )
    worker_recycle: int = setting(
        512,
        help="private memory (MiB) past which a query worker is replaced after its answer (0: never): "
        "forked workers copy the shared store's pages their queries touch",
        metavar="MIB",
    )
    queue_limit: int = setting(
        64,
        help="most queries waiting for a query worker at once (0: no bound); past it, 503 with Retry-After",
        metavar="N",
    )
    queue_wait: float = setting(
        2.0,
        help="a query waiting for a worker gives up after this long once every worker has been on its "
        "query that long (seconds; 0: never): 503 with Retry-After, so runaway queries cannot keep others "
        "waiting, while a queue of short queries keeps moving",
        metavar="SECONDS",
    )
    max_header_bytes: int = setting(16_384, help="largest request head (request line and headers)", metavar="BYTES")
    header_timeout: float = setting(10.0, help="time a client has to send a request head (seconds)", metavar="SECONDS")
    body_timeout: float = setting(
        30.0, help="time a client has to send a request body (seconds; 408 beyond)", metavar="SECONDS"
    )
    keep_alive: int = setting(5, help="idle keep-alive connection timeout (seconds)", metavar="SECONDS")
    result_cache: int = setting(
        1024, help="query results kept for reuse until the data changes (entries; 0: off)", metavar="ENTRIES"
    )
    result_cache_bytes: int = setting(
        64 * MIB, help="bytes (estimated) the result cache may hold (0: off)", shown="64 MiB", metavar="BYTES"
    )
    answer_replay_bytes: int = setting(
        16 * MIB,
        help="bytes of complete GET answers kept to send again, unchanged, to the same request while the data "
        "is unchanged, without running the request path (0: off)",
        shown="16 MiB",
        metavar="BYTES",
    )
    remote_refresh: float = setting(
        2.0,
        help="how often a remote store's registry is re-read (seconds): writes by other instances show within it",
        metavar="SECONDS",
    )
    sandbox: bool = setting(
        True,
        help="run query workers under the seccomp network filter (always on outside tests)",
        flag=False,
        env=False,
    )

    def data_files(self) -> list[Path]:
        return list(self.data) if self.data else resources.default_data_files()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The defaults overridden by the ``DPV_ALMI_*`` variables that are set (an empty one is unset:
        ``DPV_ALMI_ARCHIVE=`` must not make the current directory the archive)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(env_name(f))
            if raw and f.metadata["env"]:
                values[f.name] = _parse(f, raw)
        return cls(**values)

    def with_args(self, args: argparse.Namespace) -> Settings:
        """These settings overridden by the CLI flags that were given."""
        given: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(args, f.name, None)
            if value is not None and f.metadata["flag"]:
                given[f.name] = tuple(value) if isinstance(value, list) else value
        return replace(self, **given)


def env_name(f: Field[Any]) -> str:
    return ENV_PREFIX + f.name.upper()


def flag_name(f: Field[Any]) -> str:
    named = f.metadata["flag"]
    return named if isinstance(named, str) else "--" + f.name.replace("_", "-")


def _value_type(f: Field[Any]) -> type:
    """The type a value of *f* is parsed into: ``int`` for ``int``, ``Path`` for ``Path | None`` and
    ``tuple[Path, ...]``, and so on."""
    hint = typing.get_type_hints(Settings)[f.name]
    args = [a for a in typing.get_args(hint) if a is not type(None) and a is not Ellipsis]
    if typing.get_origin(hint) in (tuple, typing.Union, types.UnionType) and args:
        return typing.cast(type, args[0])
    return typing.cast(type, hint)


def _parse(f: Field[Any], raw: str) -> Any:
    kind = _value_type(f)
    separator = f.metadata["separator"]
    try:
        if separator is not None:
            return tuple(kind(part.strip()) for part in raw.split(separator) if part.strip())
        if kind is bool:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{env_name(f)}={raw!r} is not a valid {kind.__name__}") from None
    choices = f.metadata["choices"]
    if choices and value not in choices:
        raise SettingsError(f"{env_name(f)}={raw!r} is not one of {', '.join(choices)}")
    return value


def shown_default(f: Field[Any]) -> str:
    """The default as people read it."""
    if f.metadata["shown"] is not None:
        return str(f.metadata["shown"])
    return "unset" if f.default is None else str(f.default)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` flags, one per setting; each defaults to its environment variable, then its default."""
    for f in fields(Settings):
        if not f.metadata["flag"]:
            continue
        kind = _value_type(f)
        options: dict[str, Any] = {
            "dest": f.name,
            "help": f"{f.metadata['help']} (default: {shown_default(f).replace('`', '')}; env {env_name(f)})".replace(
                "%", "%%"
            ),
        }
        if f.metadata["metavar"]:
            options["metavar"] = f.metadata["metavar"]
        if f.metadata["choices"]:
            options["choices"] = f.metadata["choices"]
        if kind is not str:
            options["type"] = kind
        if f.metadata["separator"] == ",":
            options["action"] = "append"
        elif f.metadata["separator"] is not None:
            options["nargs"] = "+"
        parser.add_argument(flag_name(f), **options)


def markdown_table() -> str:
    """The README's configuration table, made from the settings themselves."""
    rows = ["| variable | flag | default | what |", "|---|---|---|---|"]
    for f in fields(Settings):
        if not f.metadata["env"]:
            continue
        env = f"`{env_name(f)}`"
        if f.metadata["separator"] is not None:
            joined = "`:`" if f.metadata["separator"] == os.pathsep else f"`{f.metadata['separator']}`"
            env += f" (joined by {joined})"
        flag = f"`{flag_name(f)}`" if f.metadata["flag"] else "—"
        cells = (env, flag, shown_default(f), f.metadata["help"])
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
