"""Where a resource is written in a Turtle file, for reports that point at a file and line.

rdflib keeps no source positions, so this module scans the text itself with a small tokenizer
that knows Turtle's comments, strings (short and long), IRIs, prefixed names and directives.  It
maps every IRI written as the subject of a statement to the line and column of its *first* such
occurrence; an IRI that is never a subject maps to its first occurrence anywhere, so a focus node
used only as a value (e.g. a DPV concept) still gets a place.

Limitations, on purpose: blank nodes have no position (their labels are not stable across
parsers); only Turtle and its subsets N-Triples / N-Quads are scanned (not TriG graph blocks,
JSON-LD or RDF/XML); a file that does not parse gives no positions, since loading reports the
syntax error first.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

SCANNED_SUFFIXES = frozenset({".ttl", ".nt", ".nq"})
"""File suffixes whose text this module can scan."""

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^>\s]*>)
    | (?P<punct>[\[\](),;{}])
    | (?P<word>[^\s\[\](),;{}"'<\#]+)
    """,
    re.VERBOSE,
)
_PNAME = re.compile(r"^([^:\s]*):(.*)$")
_DIRECTIVES = frozenset({"@prefix", "@base", "prefix", "base"})


@dataclass(frozen=True)
class Position:
    """1-based line and column of a term in a file."""

    line: int
    column: int


class _Scanner:
    def __init__(self, text: str, base: str) -> None:
        self.text = text
        self.base = base
        self.prefixes: dict[str, str] = {}
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def position(self, offset: int) -> Position:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return Position(index + 1, offset - self.line_starts[index] + 1)

    def tokens(self) -> list[tuple[str, str, int]]:
        """(kind, text, offset) tokens; a word's trailing '.' becomes its own punctuation token."""
        out: list[tuple[str, str, int]] = []
        for match in _TOKEN.finditer(self.text):
            kind = match.lastgroup or ""
            if kind in ("ws", "comment"):
                continue
            value, start = match.group(), match.start()
            if kind == "word" and value.endswith(".") and not re.fullmatch(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?", value):
                stripped = value.rstrip(".")
                if stripped:
                    out.append(("word", stripped, start))
                out.extend(("punct", ".", start + i) for i in range(len(stripped), len(value)))
                continue
            out.append((kind, value, start))
        return out

    def resolve(self, kind: str, value: str) -> str | None:
        """The absolute IRI a token denotes, or None if it is not an IRI."""
        if kind == "iri":
            return urljoin(self.base, value[1:-1]) if self.base else value[1:-1]
        if kind == "word":
            match = _PNAME.match(value)
            if match and match.group(1) in self.prefixes and not value.startswith("_:"):
                local = re.sub(r"\\(.)", r"\1", match.group(2))
                return self.prefixes[match.group(1)] + local
        return None

    def scan(self) -> dict[str, Position]:
        subjects: dict[str, Position] = {}
        anywhere: dict[str, Position] = {}
        tokens = self.tokens()
        depth = 0  # inside [ ] or ( )
        at_statement_start = True
        i = 0
        while i < len(tokens):
            kind, value, offset = tokens[i]
            if at_statement_start and depth == 0 and kind == "word" and value.lower() in _DIRECTIVES:
                i = self._directive(tokens, i)
                continue
            if kind == "punct":
                if value in "[(":
                    depth += 1
                elif value in "])":
                    depth = max(0, depth - 1)
                elif (value == "." and depth == 0) or value in "{}":
                    at_statement_start = True
                    i += 1
                    continue
            iri = self.resolve(kind, value)
            if iri is not None:
                anywhere.setdefault(iri, self.position(offset))
                if at_statement_start and depth == 0:
                    subjects.setdefault(iri, self.position(offset))
            at_statement_start = False
            i += 1
        return {**anywhere, **subjects}

    def _directive(self, tokens: list[tuple[str, str, int]], i: int) -> int:
        """Apply a @prefix/@base/PREFIX/BASE directive; return the index after it."""
        keyword = tokens[i][1].lower().lstrip("@")
        j = i + 1
        if keyword == "prefix" and j + 1 < len(tokens):
            name = tokens[j][1].rstrip(":")
            iri_kind, iri_value, _ = tokens[j + 1]
            if iri_kind == "iri":
                self.prefixes[name] = urljoin(self.base, iri_value[1:-1]) if self.base else iri_value[1:-1]
            j += 2
        elif keyword == "base" and j < len(tokens):
            if tokens[j][0] == "iri":
                self.base = urljoin(self.base, tokens[j][1][1:-1]) if self.base else tokens[j][1][1:-1]
            j += 1
        if j < len(tokens) and tokens[j][:2] == ("punct", "."):
            j += 1
        return j


def scan_turtle(text: str, base: str = "") -> dict[str, Position]:
    """Map each IRI in Turtle *text* to where it is first written as a subject (else anywhere)."""
    return _Scanner(text, base).scan()


def file_positions(path: Path) -> dict[str, Position]:
    """Positions of the IRIs in a Turtle / N-Triples / N-Quads file; empty for other formats.

    The base IRI is the file's URI, as :func:`dpv_almi.loading.parse_rdf` uses, so relative IRIs
    resolve to the same terms the parser produced.
    """
    if path.suffix.lower() not in SCANNED_SUFFIXES:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return scan_turtle(text, path.resolve().as_uri())
