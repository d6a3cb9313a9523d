"""Running a named query for a request: bound with its typed parameters, through the one runner, rows simplified.

Shared by the ``/v1`` routers and the pages, which show the same answers; neither imports the other.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from dpv_almi.namespaces import XSD
from dpv_almi.sparql.catalogue import bind
from dpv_almi.store.dataset import QueryJob
from dpv_almi.web import deps

_NUMBERS = {str(XSD.integer), str(XSD.int), str(XSD.long)}
_BOOLEAN = str(XSD.boolean)


def simple(term: dict[str, Any]) -> Any:
    """A SPARQL-JSON term as plain JSON: IRIs and strings as strings, integers and booleans as such."""
    if term["type"] == "literal":
        datatype = term.get("datatype")
        if datatype in _NUMBERS:
            try:
                return int(term["value"])
            except ValueError:  # ill-typed ("many"^^xsd:integer) or past Python's 4,300 digits: as written
                return term["value"]
        if datatype == _BOOLEAN:
            return term["value"] == "true"
    return term["value"]


def simplify(table: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a SPARQL-JSON result as dicts of plain values; unbound columns are left out."""
    return [{name: simple(term) for name, term in row.items()} for row in table["results"]["bindings"]]


def bound_text(request: Request, name: str, values: dict[str, Any]) -> str:
    query = deps.services(request).rest_queries[name]
    declared = {p.name for p in query.parameters}
    return bind(query, {k: v for k, v in values.items() if v is not None and k in declared})


async def rows(request: Request, name: str, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The simplified rows of REST query *name* with *values* bound (None values are left unbound)."""
    text = bound_text(request, name, values or {})
    outcome = await deps.run(request, QueryJob(text=text, table=True, max_rows=deps.settings(request).max_rows))
    assert outcome.table is not None  # noqa: S101 - an invariant for the type checker, not an input check
    return simplify(outcome.table)
