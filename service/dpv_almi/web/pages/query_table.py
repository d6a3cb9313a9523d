"""``/v1/queries/<name>`` in a browser: the question, its answer as a table, a link to the editor.

Every IRI in the table is shown by its label in the page's language (:mod:`dpv_almi.web.labels`),
with the IRI itself in a tooltip; literals are shown as they are.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from dpv_almi.sparql.catalogue import NamedQuery
from dpv_almi.store.dataset import QueryJob
from dpv_almi.web import deps
from dpv_almi.web.labels import labels
from dpv_almi.web.pages.common import page_language, render


async def table_page(request: Request, query: NamedQuery, text: str, values: dict[str, str]) -> HTMLResponse:
    language = page_language(request, request.query_params.get("lang"))
    outcome = await deps.run(request, QueryJob(text=text, table=True, max_rows=deps.settings(request).max_rows))
    table = outcome.table or {}
    columns: list[str] = list(table.get("head", {}).get("vars", []))
    bindings = table.get("results", {}).get("bindings", [])
    if "boolean" in table:
        columns, bindings = ["answer"], [{"answer": {"type": "literal", "value": str(table["boolean"]).lower()}}]
    iris = {term["value"] for row in bindings for term in row.values() if term.get("type") == "uri"}
    names = await labels(request, iris, language)
    rows = [
        [
            None
            if column not in row
            else {
                "text": names.get(row[column]["value"], row[column]["value"]),
                "iri": row[column]["value"] if row[column].get("type") == "uri" else None,
            }
            for column in columns
        ]
        for row in bindings
    ]
    context = {
        "query": query,
        "title": query.title.get(language, query.title["en"]),
        "question": query.question.get(language, query.question["en"]),
        "columns": columns,
        "rows": rows,
        "values": values,
        "editor_url": f"/sparql#q={query.name}",
    }
    return render(request, "query.html", language, context)
