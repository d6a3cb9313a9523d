"""What every v1 router does: run a named REST query through the runner and simplify its rows."""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request

from dpv_almi.queries import bind
from dpv_almi.store import QueryJob
from dpv_almi.web import deps
from dpv_almi.web.negotiation import language

_NUMBERS = {"http://www.w3.org/2001/XMLSchema#integer", "http://www.w3.org/2001/XMLSchema#int",
            "http://www.w3.org/2001/XMLSchema#long"}
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"

LangParam = Query(None, pattern="^(sv|en)$", description="Language of labels (overrides Accept-Language)")


def simple(term: dict[str, Any]) -> Any:
    """A SPARQL-JSON term as plain JSON: IRIs and strings as strings, integers and booleans as such."""
    if term["type"] == "literal":
        datatype = term.get("datatype")
        if datatype in _NUMBERS:
            return int(term["value"])
        if datatype == _BOOLEAN:
            return term["value"] == "true"
    return term["value"]


def simplify(table: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a SPARQL-JSON result as dicts of plain values; unbound columns are left out."""
    return [{name: simple(term) for name, term in row.items()} for row in table["results"]["bindings"]]


def lang_of(request: Request, lang: str | None) -> str:
    return language(request.headers.get("accept-language"), lang)


def bound_text(request: Request, name: str, values: dict[str, Any]) -> str:
    query = request.app.state.rest_queries[name]
    declared = {p.name for p in query.parameters}
    return bind(query, {k: v for k, v in values.items() if v is not None and k in declared})


async def rows(request: Request, name: str, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The simplified rows of REST query *name* with *values* bound (None values are left unbound)."""
    text = bound_text(request, name, values or {})
    outcome = await deps.run(request, QueryJob(text=text, table=True, max_rows=deps.settings(request).max_rows))
    assert outcome.table is not None
    return simplify(outcome.table)


def listing(items: list[dict[str, Any]], lang: str, query: str) -> dict[str, Any]:
    return {"lang": lang, "query": query, "count": len(items), "items": items}
