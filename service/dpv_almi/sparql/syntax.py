"""Parsing SPARQL as the local stores do, without any data: the one empty store kept for it.

Oxigraph has no parse-only call, so a query is "parsed" by evaluating it on an empty store: a
:class:`SyntaxError` means it is not SPARQL (with Oxigraph's message and position); anything else
the evaluation raises is not a syntax problem and is ignored here.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph

from dpv_almi.namespaces import PREFIXES

_EMPTY = pyoxigraph.Store()


def check(text: str, base_iri: str | None = None) -> None:
    """Raise :class:`SyntaxError` when *text*, with the project prefixes predeclared, is not SPARQL."""
    try:
        _EMPTY.query(text, prefixes=PREFIXES, base_iri=base_iri)
    except SyntaxError:
        raise
    except Exception:  # noqa: S110, BLE001 - evaluation on the empty store is not the point, only the parse
        pass


def parses(text: str) -> bool:
    try:
        check(text)
    except SyntaxError:
        return False
    return True


def evaluate(text: str) -> Any:
    """*text* evaluated on the empty store: for queries that compute from constants alone (``VALUES``, ``BIND``)."""
    return _EMPTY.query(text)
