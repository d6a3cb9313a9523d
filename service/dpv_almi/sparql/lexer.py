"""Facts about a SPARQL query read from its tokens, before any engine sees it.

Oxigraph's grammar has no codepoint pre-escaping (``\\u0053ERVICE`` is a syntax
error, not ``SERVICE``), so once strings, IRIs and comments are blanked the
remaining bare words are the query's keywords, names and variables.  This is a
fast first check with clear messages; it is *not* what keeps the service
offline -- the sandboxed query workers are (see :mod:`dpv_almi.execution.sandbox`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

STRING = r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
"""A SPARQL string literal, any of the four quotings (match with ``re.DOTALL``)."""
IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
"""An IRI reference in angle brackets."""
COMMENT = r"#[^\n]*"

_NOT_KEYWORDS = re.compile(f"{STRING}|{IRI}|{COMMENT}", re.DOTALL)
_TOKEN = re.compile(
    r"(?P<var>[?$]\w+)"  # a variable
    r"|(?P<pname>(?:[A-Za-z_][\w.-]*)?:[\w.:%\\-]*)"  # a prefixed name (or a bare prefix)
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"  # a number
    r"|(?P<word>[A-Za-z_]\w*)"  # a keyword, a function name, ``a``
    r"|(?P<op>\|\||&&|!=|<=|>=|\^\^|[!|/^+*.;,=<>-])"  # an operator or separator
)
"""The tokens of a query once strings, IRIs and comments are blanked: what keywords and operators are
is read from these, so ``?o .SERVICE`` is the keyword SERVICE and ``ex:a.SERVICE`` a prefixed name."""


_REMEMBERED_LENGTH = 8192
"""What is read from a query up to this length is remembered: the same text comes again and again
(named queries, a client's repeated question), and every request checks it."""


def _remembered(read: Callable[[str], T]) -> Callable[[str], T]:
    """*read*, remembering its answers for the last 256 short queries."""
    remembered = functools.lru_cache(maxsize=256)(read)

    @functools.wraps(read)
    def reader(query: str) -> T:
        return remembered(query) if len(query) <= _REMEMBERED_LENGTH else read(query)

    return reader


@_remembered
def _blanked(query: str) -> str:
    """*query* with its strings, IRIs and comments replaced by spaces."""
    return _NOT_KEYWORDS.sub(" ", query)


@_remembered
def _tokens(query: str) -> tuple[tuple[str, str], ...]:
    """(kind, text) of each token of *query* outside strings, IRIs and comments."""
    return tuple((match.lastgroup or "", match.group()) for match in _TOKEN.finditer(_blanked(query)))


@_remembered
def keywords(query: str) -> frozenset[str]:
    """Upper-cased bare words of *query* outside strings, IRIs and comments (prefixed names excluded)."""
    return frozenset(text.upper() for kind, text in _tokens(query) if kind == "word")


GROWING_KEYWORDS = frozenset(
    {"UNION", "MINUS", "OPTIONAL", "FILTER", "BIND", "GRAPH", "SERVICE", "EXISTS", "VALUES", "IN", "SELECT"}
)
"""Keywords each of which adds a node to the query's algebra (a join, a filter, a sub-select …)."""

MAX_OPERATORS = 1000
"""Most operators, separators and algebra keywords a query may hold.  Oxigraph parses and evaluates
chains recursively: a flat chain of a few thousand ``!``, ``||``, ``+``, ``/`` (a property path),
``MINUS`` or ``BIND`` overflows its stack and ends the process (measured with pyoxigraph 0.5: 4,000
``BIND`` or ``MINUS``, 8,000 ``+`` or ``UNION``, 12,000 ``!``).  A thousand is far past any real
question (the largest catalogue query holds 74) and well short of those."""


@_remembered
def operator_count(query: str) -> int:
    """How many operators, separators (``.`` ``;`` ``,``) and algebra keywords *query* holds: a measure
    of the size of its algebra, which bounds the length of any chain in it."""
    return sum(
        1 for kind, text in _tokens(query) if kind == "op" or (kind == "word" and text.upper() in GROWING_KEYWORDS)
    )


def uses_service(query: str) -> bool:
    """True if the query has a SERVICE clause (federated query)."""
    return "SERVICE" in keywords(query)


def uses_graph(query: str) -> bool:
    """True if the query has a GRAPH pattern (it reads named graphs)."""
    return "GRAPH" in keywords(query)


def has_dataset_clause(query: str) -> bool:
    """True if the query names its own dataset with FROM or FROM NAMED."""
    return "FROM" in keywords(query)


UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"})


def looks_like_update(query: str) -> bool:
    """True if the text starts like a SPARQL Update operation (after its prologue)."""
    return query_form(query) in UPDATE_KEYWORDS


def query_form(query: str) -> str:
    """The first keyword after the prologue, upper-cased: SELECT, ASK, CONSTRUCT, DESCRIBE, or an update's INSERT, LOAD … ("" if none)."""
    body = _blanked(query)
    body = re.sub(r"(?is)\b(PREFIX\s+[\w.-]*:\s*|BASE\s*)", " ", body)
    first = re.search(r"[A-Za-z]+", body)
    return first.group(0).upper() if first else ""


MAX_NESTING = 64
"""Deepest nesting of ``{`` ``(`` ``[`` a query may have: far past any real query, well short of
where Oxigraph's recursive parser and evaluator overflow their stack (which ends the process)."""


@_remembered
def nesting_depth(query: str) -> int:
    """How deeply the query nests groups, expressions and blank-node lists (outside strings and IRIs)."""
    depth = deepest = 0
    for char in _blanked(query):
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth = max(0, depth - 1)
    return deepest
