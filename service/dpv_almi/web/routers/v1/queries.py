"""The competency questions as named queries: list them with their parameters, run one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dpv_almi.errors import DpvAlmiError
from dpv_almi.sparql.catalogue import NamedQuery, bind
from dpv_almi.store.dataset import GRAPH_FORMATS, RESULTS_FORMATS, QueryJob
from dpv_almi.web import deps
from dpv_almi.web.negotiation import media_type

router = APIRouter(tags=["queries"])

_RESERVED = {"lang"}


def _describe(query: NamedQuery, base: str) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "question": query.question,
        "answer": query.answer,
        "form": query.form,
        "parameters": [asdict(p) for p in query.parameters],
        "href": f"{base}/{query.name}",
        "sparql": query.text,
    }


@router.get("/queries", summary="The competency questions, with their parameters")
def list_queries(request: Request) -> dict[str, Any]:
    catalogue = deps.services(request).competency_queries
    base = str(request.url.replace(query="", fragment="")).rstrip("/")
    items = [_describe(q, base) for q in catalogue.values()]
    return {"count": len(items), "items": items}


@router.get(
    "/queries/{name}",
    summary="Run one competency question (parameters as query parameters)",
    responses={200: {"content": {m: {} for m in (*RESULTS_FORMATS, *GRAPH_FORMATS)}}},
)
async def run_query(request: Request, name: str) -> Response:
    catalogue = deps.services(request).competency_queries
    query = catalogue.get(name)
    if query is None:
        raise DpvAlmiError(404, f"No named query {name!r}; GET /v1/queries lists them.", "Unknown query")
    values = {k: v for k, v in request.query_params.items() if k not in _RESERVED}
    text = bind(query, values)
    accept = request.headers.get("accept")
    settings = deps.settings(request)
    job = QueryJob(
        text=text,
        results_type=media_type(accept, RESULTS_FORMATS),
        graph_type=media_type(accept, GRAPH_FORMATS),
        max_rows=settings.max_rows,
    )
    outcome = await deps.run(request, job)
    return Response(
        outcome.body, media_type=outcome.media_type, headers=deps.result_headers(outcome, settings.max_rows)
    )
