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
from dataclasses import dataclass, field
from pathlib import Path

from dpv_almi import resources

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[A-Za-z-]+)(?:@(?P<lang>[a-z]{2}))?\s*:\s*(?P<value>.*\S)\s*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class QueryCatalogueError(ValueError):
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
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
        return match.group(1).upper() if match else "UNKNOWN"


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
