"""The catalogue of named SPARQL queries (the competency questions).

Each query is an ``.rq`` file in ``ontology/queries/`` whose leading comment lines carry its
metadata, so a query and its description can never drift apart:

    # title: Activities based on consent            (English; ``title@sv`` for Swedish)
    # question@en: Which processing activities ...
    # question@sv: Vilka behandlingar ...
    # answer: Four: ...                            (what the notice says, in brief)
    # param: category | iri | pd:Contact | The DPV concept to look for

The file name without ``.rq`` is the query's stable name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dpv_almi import resources
from dpv_almi.errors import InputError

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[A-Za-z-]+)(?:@(?P<lang>[a-z]{2}))?\s*:\s*(?P<value>.*\S)\s*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class QueryCatalogueError(InputError, ValueError):
    """A query file whose name or header does not follow the catalogue's rules."""


@dataclass(frozen=True)
class QueryParameter:
    """A variable of a named query that a caller may bind; ``default`` is what the file binds."""

    name: str
    kind: str
    default: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """One competency question: its SPARQL text and what it asks, in Swedish and English."""

    name: str
    path: Path
    text: str
    title: dict[str, str]
    question: dict[str, str]
    answer: str | None = None
    parameters: tuple[QueryParameter, ...] = field(default_factory=tuple)

    @property
    def form(self) -> str:
        """The SPARQL query form (SELECT, ASK, CONSTRUCT or DESCRIBE) of the query body."""
        from dpv_almi.sparql.lexer import query_form

        return query_form(self.text) or "UNKNOWN"


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header; raise QueryCatalogueError when the header is incomplete."""
    name = path.stem
    if not _NAME.match(name):
        raise QueryCatalogueError(f"{path}: query names are lower-case words joined by '-'")
    text = path.read_text(encoding="utf-8")
    title: dict[str, str] = {}
    question: dict[str, str] = {}
    answer: str | None = None
    parameters: list[QueryParameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if not match:
            continue
        key, lang, value = match["key"], match["lang"] or "en", match["value"]
        if key == "title":
            title[lang] = value
        elif key == "question":
            question[lang] = value
        elif key == "answer":
            answer = value
        elif key == "param":
            parts = [part.strip() for part in value.split("|")]
            if len(parts) != 4:
                raise QueryCatalogueError(f"{path}: 'param' takes 'name | kind | default | description'")
            parameters.append(QueryParameter(*parts))
    for what, texts in (("title", title), ("question", question)):
        missing = {"en", "sv"} - texts.keys()
        if missing:
            raise QueryCatalogueError(f"{path}: header lacks {what} in {', '.join(sorted(missing))}")
    return NamedQuery(name, path, text, title, question, answer, tuple(parameters))


def load_catalogue(directory: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries of a directory (default: the packaged ``ontology/queries``), by name."""
    directory = directory or resources.queries_dir()
    queries = (parse_query_file(path) for path in sorted(directory.glob("*.rq")))
    return {query.name: query for query in queries}


# --- REST queries and parameter binding ------------------------------------------------

REST_QUERIES_DIR = Path(__file__).resolve().parent / "named"
"""The REST API's own queries (package data, same header format as the competency questions)."""


def load_rest_catalogue() -> dict[str, NamedQuery]:
    """The named queries behind the ``/v1`` REST API, by name."""
    return load_catalogue(REST_QUERIES_DIR)


class ParameterError(InputError, ValueError):
    """A parameter value that does not fit its declared kind, or an unknown parameter."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "Bad parameter")


def sparql_term(kind: str, value: str) -> str:
    """A caller's value as a SPARQL term of the parameter's *kind* (iri, string, lang, boolean, integer)."""
    import pyoxigraph

    from dpv_almi.namespaces import PREFIXES

    value = value.strip()
    if kind == "iri":
        iri = value[1:-1] if value.startswith("<") and value.endswith(">") else value
        prefix, sep, local = iri.partition(":")
        if sep and prefix in PREFIXES and not local.startswith("//"):
            iri = PREFIXES[prefix] + local
        try:
            node = pyoxigraph.NamedNode(iri)
        except ValueError as exc:
            raise ParameterError(f"{value!r} is not an IRI or a known prefixed name: {exc}") from None
        if ":" not in iri:
            raise ParameterError(f"{value!r} is not an absolute IRI or a known prefixed name")
        return str(node)
    if kind in ("string", "lang", "literal"):
        if kind == "lang" and not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", value):
            raise ParameterError(f"{value!r} is not a language tag")
        return str(pyoxigraph.Literal(value))
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise ParameterError(f"{value!r} is not true or false")
        return value.lower()
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ParameterError(f"{value!r} is not an integer")
        return str(int(value))
    raise ParameterError(f"unknown parameter kind {kind!r}")


_VALUES = re.compile(r"VALUES\s+\?(?P<var>\w+)\s*\{(?P<body>[^{}]*)\}", re.IGNORECASE)


def bind(query: NamedQuery, values: Mapping[str, str | list[str]]) -> str:
    """The query text with each given parameter's ``VALUES`` clause set to the caller's values.

    A parameter binds the single-variable ``VALUES ?name { … }`` clause of its name
    (``# param: concept | iri | pd:Contact`` over ``VALUES ?concept { pd:Contact }``).
    An empty list binds ``UNDEF`` (no restriction, where the query allows it).
    """
    declared = {p.name: p for p in query.parameters}
    unknown = set(values) - declared.keys()
    if unknown:
        raise ParameterError(f"{query.name} has no parameter {', '.join(sorted(unknown))}")
    text = query.text
    for name, given in values.items():
        parameter = declared[name]
        items = [given] if isinstance(given, str) else list(given)
        terms = " ".join(sparql_term(parameter.kind, item) for item in items) or "UNDEF"
        clauses = [m for m in _VALUES.finditer(text) if m["var"] == name]
        if len(clauses) != 1:
            raise QueryCatalogueError(f"{query.path}: no single VALUES clause for parameter {name!r}")
        clause = clauses[0]
        text = text[: clause.start("body")] + f" {terms} " + text[clause.end("body") :]
    return text
