"""The competency questions as named queries: a typed list, and one operation per question.

Each question is its own operation (``GET /v1/queries/<name>``, operation id ``run_<name>``) whose
parameters are the ``# param:`` lines of its ``.rq`` header -- typed, described, validated (422 on a
value that does not fit) -- so a generated client can pass them.  A browser gets the answer as an
HTML table with the question above it and a link that opens the question in the SPARQL editor;
other clients get the SPARQL results format they ask for.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dpv_almi.errors import DpvAlmiError, InputError
from dpv_almi.sparql.catalogue import NamedQuery, QueryParameter, bind, load_catalogue
from dpv_almi.store.dataset import GRAPH_FORMATS, RESULTS_FORMATS, QueryJob
from dpv_almi.web import deps
from dpv_almi.web.models import NamedQueryInfo, NamedQueryList, QueryParameterInfo
from dpv_almi.web.negotiation import media_type, negotiate
from dpv_almi.web.routers.v1.filters import check_concept

router = APIRouter(tags=["queries"])

_RESERVED = {"lang"}
_KINDS: dict[str, type] = {"iri": str, "string": str, "literal": str, "lang": str, "boolean": bool, "integer": int}


def _describe(query: NamedQuery, base: str) -> NamedQueryInfo:
    return NamedQueryInfo(
        name=query.name,
        title=query.title,
        question=query.question,
        answer=query.answer,
        form=query.form,
        parameters=[QueryParameterInfo(**vars(p)) for p in query.parameters],
        href=f"{base}/{query.name}",
        editor=f"/sparql#q={query.name}",
        sparql=query.text,
    )


@router.get(
    "/queries",
    summary="The competency questions, with their parameters",
    response_model=NamedQueryList,
    operation_id="list_queries",
)
def list_queries(request: Request) -> NamedQueryList:
    catalogue = deps.services(request).competency_queries
    base = str(request.url.replace(query="", fragment="")).rstrip("/")
    items = [_describe(q, base) for q in catalogue.values()]
    return NamedQueryList(count=len(items), items=items)


_BROWSER_FORMATS: dict[str, Any] = {**RESULTS_FORMATS, **GRAPH_FORMATS, "text/html": None}


def wants_table(request: Request) -> bool:
    """A browser: text/html ranks above every results and graph format (``*/*`` gets JSON)."""
    chosen = negotiate(request.headers.get("accept"), _BROWSER_FORMATS)
    return chosen is not None and chosen[0] == "text/html"


async def answer(request: Request, query: NamedQuery, values: dict[str, str]) -> Response:
    """Run *query* with *values* bound; an HTML table for a browser, else the negotiated format."""
    unknown = set(request.query_params) - {p.name for p in query.parameters} - _RESERVED
    if unknown:
        raise InputError(f"{query.name} has no parameter {', '.join(sorted(unknown))}.", "Bad parameter")
    text = bind(query, values)
    settings = deps.settings(request)
    if wants_table(request) and query.form in ("SELECT", "ASK"):
        from dpv_almi.web.pages.query_table import table_page

        return await table_page(request, query, text, values)
    accept = request.headers.get("accept")
    job = QueryJob(
        text=text,
        results_type=media_type(accept, RESULTS_FORMATS),
        graph_type=media_type(accept, GRAPH_FORMATS),
        max_rows=settings.max_rows,
    )
    outcome = await deps.run(request, job)
    headers = {**deps.result_headers(outcome, settings.max_rows), "Vary": "Accept, Accept-Language"}
    return Response(outcome.body, media_type=outcome.media_type, headers=headers)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer in the negotiated SPARQL results (or RDF) format; an HTML table for a browser",
        "content": {m: {} for m in (*RESULTS_FORMATS, *GRAPH_FORMATS, "text/html")},
    }
}


def _operation(query: NamedQuery) -> None:
    """``GET /v1/queries/<name>`` with the query's parameters declared (grlc's idea)."""
    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        *(_signature_parameter(p) for p in query.parameters),
    ]

    kinds = {p.name: p.kind for p in query.parameters}

    async def endpoint(request: Request, **given: Any) -> Response:
        values: dict[str, str] = {}
        for name, value in given.items():
            if value is None:
                continue
            if kinds[name] == "iri":  # the same 400/404 for an unknown prefix or concept as every filter
                values[name] = f"<{await check_concept(request, name, value)}>"
            else:
                values[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return await answer(request, query, values)

    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]  # FastAPI reads the signature FastAPI-style; functions accept the attribute
    endpoint.__name__ = "run_" + query.name.replace("-", "_")
    router.add_api_route(
        f"/queries/{query.name}",
        endpoint,
        methods=["GET"],
        summary=query.title["en"],
        description=f"{query.question['en']}\n\n*{query.question['sv']}*",
        operation_id=endpoint.__name__,
        responses=_RESPONSES,
        response_class=Response,
    )


def _signature_parameter(parameter: QueryParameter) -> inspect.Parameter:
    kind = _KINDS.get(parameter.kind, str)
    extra: dict[str, Any] = {}
    if parameter.kind == "iri":
        extra["pattern"] = r"^(<[^<>\s]+>|[A-Za-z][\w.+-]*:[^\s<>]*)$"
        extra["examples"] = [parameter.default]
    return inspect.Parameter(
        parameter.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=Query(None, description=f"{parameter.description} (default {parameter.default})", **extra),
        annotation=kind | None,
    )


for _query in load_catalogue().values():
    _operation(_query)


@router.get("/queries/{name}", include_in_schema=False)
async def run_query(request: Request, name: str) -> Response:
    """Any other name: a 404 that says where the list is."""
    raise DpvAlmiError(404, f"No named query {name!r}; GET /v1/queries lists them.", "Unknown query")
