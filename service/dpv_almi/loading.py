"""Load RDF files into rdflib graphs or a pyoxigraph store, with one error type.

Callers (CLI, service, tests) only ever see :class:`RdfLoadError`, which names
the file and, where the parser reports it, the line and column; parser
internals and tracebacks never reach users.  JSON-LD parsing is sandboxed so a
remote ``@context`` cannot make the process touch the network.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import stat
import sys
import xml.parsers.expat
import xml.sax
from collections.abc import Callable, Iterable, Iterator
from json import JSONDecodeError
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph
from rdflib import Dataset, Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from dpv_almi.errors import InputError
from dpv_almi.namespaces import bind_prefixes

FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
    ".trig": "trig",
    ".nq": "nquads",
}
"""File suffix → rdflib parser name."""

_DATASET_FORMATS = frozenset({"trig", "nquads"})

PathLike = str | os.PathLike[str]


class RdfLoadError(InputError):
    """An RDF file could not be read or parsed; ``str()`` is a one-line ``file:line:col: message``."""

    def __init__(self, path: PathLike, line: int | None, column: int | None, message: str) -> None:
        location = [str(path)] + [str(n) for n in (line, column) if n is not None]
        super().__init__(f"{':'.join(location)}: {message}", "Malformed RDF")
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message


class NetworkAccessBlocked(RuntimeError):
    """Raised inside a parser that tried to reach the network (e.g. a remote JSON-LD @context)."""


# --- network sandbox -------------------------------------------------------
# rdflib dereferences JSON-LD @context IRIs with urllib and has no switch to
# turn that off; its security documentation recommends audit hooks instead.
# The hook is process-wide but only acts while ``_offline`` is set.  Uploaded
# data (``local_files=False``) may not read local files either: a ``file:``
# @context would otherwise read the server's disk.  The document itself is
# parsed from bytes, so while parsing, any file opened that is not code (a
# lazy import) is an @context or @import.

_BLOCKED_EVENTS = frozenset({"urllib.Request", "socket.connect", "socket.getaddrinfo"})
_CODE_SUFFIXES = (".py", ".pyc", ".so")
_offline: contextvars.ContextVar[bool] = contextvars.ContextVar("dpv_almi_offline", default=False)
_no_files: contextvars.ContextVar[bool] = contextvars.ContextVar("dpv_almi_no_files", default=False)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _no_files.get() and not str(args[0]).endswith(_CODE_SUFFIXES):
        raise NetworkAccessBlocked(
            f"reading local file {args[0]} refused: data sent for loading cannot "
            "include local files (inline the JSON-LD context)"
        )
    if event in _BLOCKED_EVENTS and _offline.get():
        target = args[0] if args else "?"
        if event == "urllib.Request":  # rdflib dereferencing a JSON-LD @context / @import
            raise NetworkAccessBlocked(
                f"network access refused: {target} is not fetched "
                "(remote JSON-LD contexts are not supported; inline the context)"
            )
        raise NetworkAccessBlocked(f"network access refused while parsing ({event} {target})")


sys.addaudithook(_audit)


@contextlib.contextmanager
def _no_network(local_files: bool = True) -> Iterator[None]:
    token, files_token = _offline.set(True), _no_files.set(not local_files)
    try:
        yield
    finally:
        _no_files.reset(files_token)
        _offline.reset(token)


# --- bounded input ----------------------------------------------------------

MAX_INPUT_BYTES = 1 << 30
"""Largest input file read (1 GiB; a 10,000-policy TriG file is 570 MB): a regular file past it is refused
from its size, before a byte is read; anything else (a pipe, ``/dev/zero``) once it has given this many
bytes and one more.  Without it ``dpv-almi load /dev/zero`` read until memory ran out."""

_CHUNK = 1 << 20


def input_too_large(path: PathLike) -> RdfLoadError:
    return RdfLoadError(
        path, None, None, f"more than {MAX_INPUT_BYTES:,} bytes (1 GiB), the most an input file may hold: refused"
    )


def _open_input(path: PathLike) -> tuple[int, os.stat_result]:
    """A descriptor for reading *path* and its status.  Opened non-blocking, so that a FIFO nobody writes
    to does not block the open (its read then ends at once); reads block again after."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if stat.S_ISREG(status.st_mode) and status.st_size > MAX_INPUT_BYTES:
            raise input_too_large(path)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, status


def _chunks(path: PathLike, fd: int, status: os.stat_result, piece: int | None = None) -> Iterator[bytes]:
    return _read_chunks(path, os.fdopen(fd, "rb", buffering=0), status, piece)  # the file closes fd, read or not


def _read_chunks(path: PathLike, handle: BinaryIO, status: os.stat_result, piece: int | None) -> Iterator[bytes]:
    with handle:
        total = 0
        want = status.st_size + 1 if piece is None and stat.S_ISREG(status.st_mode) else piece or _CHUNK
        while chunk := handle.read(min(want, MAX_INPUT_BYTES + 1 - total)):
            total += len(chunk)
            if total > MAX_INPUT_BYTES:
                raise input_too_large(path)
            yield chunk
            want = piece or _CHUNK


def input_chunks(path: PathLike, piece: int | None = None) -> Iterator[bytes]:
    """The bytes of *path* in pieces of at most *piece* bytes (None: a regular file in one, unless it
    grows meanwhile), never more than :data:`MAX_INPUT_BYTES` + 1 of them read: :class:`RdfLoadError`
    past the cap.  ``OSError`` as :func:`open` (at once, not when first iterated)."""
    return _chunks(path, *_open_input(path), piece)


def read_input(path: PathLike) -> bytes:
    """All of *path*, bounded by :data:`MAX_INPUT_BYTES` (see :func:`input_chunks`); OSError as ``open``."""
    return b"".join(input_chunks(path))


def _bounded_or_path(path: PathLike) -> bytes | None:
    """None for a regular file within the cap (a parser may read it by path, without a copy as Python
    bytes); the bounded bytes of anything else, read from the one open (a FIFO is opened once)."""
    fd, status = _open_input(path)
    if stat.S_ISREG(status.st_mode):
        os.close(fd)
        return None
    return b"".join(_chunks(path, fd, status))


# --- error translation -----------------------------------------------------


_OXIGRAPH_POSITION = re.compile(r"^Parser error at line \d+ (?:column \d+|between columns \d+ and \d+): ")


def _position_in(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _to_load_error(path: PathLike, exc: BaseException) -> RdfLoadError:
    """Translate any parser exception into an :class:`RdfLoadError` with the best position known."""
    if isinstance(exc, BadSyntax):
        text = exc._str.decode("utf-8", "replace")
        line, column = _position_in(text, exc._i)
        near = text[exc._i : exc._i + 30].split("\n", 1)[0]
        return RdfLoadError(path, line, column, f"bad syntax ({exc._why}) near {near!r}")
    if isinstance(exc, xml.sax.SAXParseException):
        sax_column = exc.getColumnNumber()  # expat counts columns from 0
        return RdfLoadError(path, exc.getLineNumber(), None if sax_column is None else sax_column + 1, exc.getMessage())
    if isinstance(exc, JSONDecodeError):
        return RdfLoadError(path, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
    if isinstance(exc, SyntaxError):  # pyoxigraph and generic syntax errors
        message = _OXIGRAPH_POSITION.sub("", exc.msg or str(exc)) or str(exc)
        return RdfLoadError(path, exc.lineno, exc.offset, " ".join(message.split()))
    if isinstance(exc, OSError):
        other = exc.filename is not None and Path(str(exc.filename)) != Path(path)
        if other:  # a JSON-LD @context or @import naming a local file
            return RdfLoadError(path, None, None, f"cannot read {exc.filename}: {exc.strerror or exc}")
        return RdfLoadError(path, None, None, f"cannot read file: {exc.strerror or exc}")
    if isinstance(exc, RecursionError):
        return RdfLoadError(path, None, None, "nested too deeply (collections, blank nodes or JSON)")
    message = " ".join(str(exc).split()) or type(exc).__name__
    return RdfLoadError(path, None, None, message)


# --- XML entities -----------------------------------------------------------

XML_HEAD_BYTES = 1 << 20
"""How far into an RDF/XML file its DTD may reach (the DOCTYPE comes before the root element)."""
MAX_ENTITY_EXPANSION = 8 << 20
"""Most characters that internal entities may add to an RDF/XML document when expanded."""

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s\"'>]+)\s+(?:(SYSTEM|PUBLIC)\b|([\"'])(.*?)\4)", re.DOTALL)


MAX_XML_DEPTH = 1000
"""Deepest element nesting accepted in RDF/XML: both parsers take time quadratic in it (Oxigraph 1 s,
rdflib 2 s for 10,000 levels, four times that for 20,000), real documents nest a few dozen."""


class _TooDeep(Exception):
    pass


def check_xml_entities(path: PathLike, data: bytes | None = None) -> None:
    """Refuse an RDF/XML file that could make a parser work without bound: entities that expand it
    (:func:`_check_entities`), or elements nested past :data:`MAX_XML_DEPTH`."""
    _check_entities(path, data)
    _check_depth(path, data)


def _check_depth(path: PathLike, data: bytes | None) -> None:
    """One pass of expat (linear; the entities are known to be harmless by now), counting nesting."""
    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    def start(_name: str, _attributes: Any) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _TooDeep

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        if data is None:
            with open(path, "rb") as handle:
                parser.ParseFile(handle)
        else:
            parser.Parse(data, True)
    except _TooDeep:
        raise RdfLoadError(
            path, None, None, f"XML elements nested deeper than {MAX_XML_DEPTH} levels: refused"
        ) from None
    except xml.parsers.expat.ExpatError:
        return  # malformed: the parser that follows says where, as before


def _check_entities(path: PathLike, data: bytes | None = None) -> None:
    """Refuse an RDF/XML file whose DTD could make a parser expand it without bound ("billion laughs").

    Internal entities are fine as abbreviations (``<!ENTITY owl "http://…#">``, as ontology editors
    write them) as long as none refers to another entity, none is external (SYSTEM/PUBLIC) or a
    parameter entity, and all their uses add at most :data:`MAX_ENTITY_EXPANSION` characters.
    Decided from the bytes, before any parser (Oxigraph's or expat) sees them: a 1 KB bomb used to
    cost a 3 GB allocation."""
    if data is None:
        with open(path, "rb") as handle:
            head = handle.read(XML_HEAD_BYTES)
        if not _DOCTYPE.search(head):
            return
        data = Path(path).read_bytes()
    elif not _DOCTYPE.search(data[:XML_HEAD_BYTES]):
        return
    subset = _SUBSET.search(data[:XML_HEAD_BYTES])
    if subset is None:
        if b"<!ENTITY" in data[:XML_HEAD_BYTES]:
            raise RdfLoadError(path, None, None, "the document type declaration is malformed or too long")
        return
    declared = subset.group(1)
    entities: dict[bytes, int] = {}
    for match in _ENTITY.finditer(declared):
        parameter, name, external, _quote, value = match.groups()
        if parameter or external:
            kind = "parameter" if parameter else "external"
            raise RdfLoadError(path, None, None, f"{kind} XML entities are refused ({name.decode(errors='replace')})")
        if b"&" in value or b"%" in value:
            raise RdfLoadError(
                path, None, None, f"XML entity {name.decode(errors='replace')} refers to another entity: refused"
            )
        entities[name] = len(value)
    if declared.count(b"<!ENTITY") != len(entities):
        raise RdfLoadError(path, None, None, "an XML entity declaration could not be read: refused")
    body = data[subset.end() :]
    added = sum(body.count(b"&" + name + b";") * size for name, size in entities.items())
    if added > MAX_ENTITY_EXPANSION:
        raise RdfLoadError(path, None, None, f"XML entities would expand the document by {added:,} characters: refused")


# --- public API ------------------------------------------------------------


def guess_format(path: PathLike) -> str:
    """Return the rdflib format name for *path*'s suffix, or raise :class:`RdfLoadError`."""
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise RdfLoadError(path, None, None, f"unknown RDF file type {suffix!r} (expected one of {known})") from None


def parse_rdf(path: PathLike, format: str | None = None, *, local_files: bool = True) -> Graph:
    """Parse one RDF file; named graphs in TriG/N-Quads are merged into the returned graph.

    ``local_files=False`` (data sent by someone else) also refuses JSON-LD contexts from local files."""
    rdf_format = format or guess_format(path)
    data = b""
    try:
        data = read_input(path)
        if rdf_format == "xml":
            check_xml_entities(path, data)
        base = Path(path).resolve().as_uri()
        with _no_network(local_files):
            if rdf_format in _DATASET_FORMATS:
                dataset = Dataset()
                dataset.parse(data=data, format=rdf_format, publicID=base)
                graph = Graph()
                for s, p, o, _ in dataset.quads():
                    graph.add((s, p, o))
            else:
                graph = Graph()
                graph.parse(data=data, format=rdf_format, publicID=base)
    except RdfLoadError:
        raise
    except Exception as exc:  # parsers raise many unrelated types; users get one
        error = _to_load_error(path, exc)
        if error.line is None and data and rdf_format in _OXIGRAPH_FORMATS:
            error = _located_by_oxigraph(path, data, rdf_format) or error
        raise error from exc
    return bind_prefixes(graph)


def _located_by_oxigraph(path: PathLike, data: bytes, rdf_format: str) -> RdfLoadError | None:
    """Oxigraph's error for *data*, if it has a position: rdflib's N-Triples/N-Quads parser gives none."""
    try:
        for _ in pyoxigraph.parse(data, format=_OXIGRAPH_FORMATS[rdf_format], base_iri=Path(path).resolve().as_uri()):
            pass
    except SyntaxError as exc:
        error = _to_load_error(path, exc)
        return error if error.line is not None else None
    except Exception:  # noqa: BLE001 -- only a better message was sought
        return None
    return None


def expand_paths(paths: Iterable[PathLike]) -> list[Path]:
    """Replace each directory by the RDF files directly inside it (sorted); keep files as given."""
    files: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            files.extend(sorted(p for p in entry.iterdir() if p.suffix.lower() in FORMATS and p.is_file()))
        else:
            files.append(entry)
    return files


def load_graph(paths: Iterable[PathLike]) -> Graph:
    """Merge several RDF files (or directories of them) into one rdflib graph."""
    graph = bind_prefixes(Graph())
    for path in expand_paths(paths):
        graph += parse_rdf(path)
    return graph


_OXIGRAPH_FORMATS: dict[str, pyoxigraph.RdfFormat] = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "nquads": pyoxigraph.RdfFormat.N_QUADS,
    "trig": pyoxigraph.RdfFormat.TRIG,
    "xml": pyoxigraph.RdfFormat.RDF_XML,
}
"""rdflib format name → the Oxigraph parser used for it; JSON-LD stays on rdflib (network sandbox)."""

GraphChooser = Callable[[Path], "pyoxigraph.NamedNode | pyoxigraph.DefaultGraph"]


def load_store(
    paths: Iterable[PathLike],
    *,
    graph_for: GraphChooser | None = None,
    store: pyoxigraph.Store | None = None,
    bulk: bool = False,
    local_files: bool = True,
) -> pyoxigraph.Store:
    """Load the same files as :func:`load_graph` into an in-memory Oxigraph store.

    Turtle, N-Triples, N-Quads, TriG and RDF/XML are parsed by Oxigraph itself;
    JSON-LD goes through :func:`parse_rdf` (rdflib, with the network sandbox).
    Triples go to ``graph_for(path)`` (default: the default graph); quads of
    TriG/N-Quads files keep their own graph names.  Errors are :class:`RdfLoadError`.
    *bulk* streams each file with ``Store.bulk_load`` (not one transaction: for an on-disk store that
    nobody reads yet, where it is several times faster and does not hold the whole file in memory).
    ``local_files=False``: see :func:`parse_rdf`.
    """
    store = store if store is not None else pyoxigraph.Store()
    for path in expand_paths(paths):
        rdf_format = guess_format(path)
        target = graph_for(path) if graph_for else pyoxigraph.DefaultGraph()
        try:
            data = _bounded_or_path(path) if rdf_format in _OXIGRAPH_FORMATS else None
            if rdf_format == "xml":
                check_xml_entities(path, data)
            source: dict[str, Any] = {"path": path} if data is None else {"input": data}
            if rdf_format in _OXIGRAPH_FORMATS and bulk:
                store.bulk_load(
                    **source, format=_OXIGRAPH_FORMATS[rdf_format], base_iri=path.resolve().as_uri(), to_graph=target
                )
            elif rdf_format in _OXIGRAPH_FORMATS:  # by path: no copy of a big file as Python bytes
                store.load(
                    **source, format=_OXIGRAPH_FORMATS[rdf_format], base_iri=path.resolve().as_uri(), to_graph=target
                )
            else:
                ntriples = parse_rdf(path, local_files=local_files).serialize(format="nt", encoding="utf-8")
                store.load(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=target)
        except RdfLoadError:
            raise
        except (SyntaxError, ValueError, OSError) as exc:
            raise _to_load_error(path, exc) from exc
        except MemoryError as exc:  # Oxigraph caps one token (a literal, an IRI) at 16 MiB
            raise RdfLoadError(path, None, None, f"too large to parse: {' '.join(str(exc).split())}") from exc
    return store
