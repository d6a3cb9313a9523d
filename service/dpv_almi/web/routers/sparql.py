"""SPARQL 1.1 Protocol (queries only) and the SPARQL 1.1 Service Description, at ``/sparql``."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qs

import pyoxigraph
from fastapi import APIRouter, Request
from fastapi.responses import Response

from dpv_almi.errors import DpvAlmiError
from dpv_almi.namespaces import GRAPH, PREFIXES
from dpv_almi.store.backends import StoreInfo
from dpv_almi.store.dataset import GRAPH_FORMATS, POLICIES, RESULTS_FORMATS, DatasetSpec, QueryJob, policy_id
from dpv_almi.web import deps
from dpv_almi.web.negotiation import media_type, negotiate
from dpv_almi.web.pages.editor import editor_page, wants_editor

router = APIRouter(tags=["sparql"])

_READ_ONLY = "This endpoint is read-only: SPARQL updates are not accepted."


def _multi(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    return grouped


def _dataset(params: dict[str, list[str]]) -> DatasetSpec:
    graphs: dict[str, tuple[str, ...] | None] = {}
    for name in ("default-graph-uri", "named-graph-uri"):
        values = params.get(name)
        for value in values or ():
            try:
                pyoxigraph.NamedNode(value)
            except ValueError:
                raise DpvAlmiError(400, f"{name}={value!r} is not an IRI.", "Bad dataset") from None
        graphs[name] = tuple(values) if values is not None else None
    return DatasetSpec(graphs["default-graph-uri"], graphs["named-graph-uri"])


async def _read(request: Request) -> tuple[str | None, dict[str, list[str]]]:
    """(query or None, all parameters) from GET parameters, a POST form or a POST sparql-query body."""
    params = _multi(request.query_params.multi_items())
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        charset = request.headers.get("content-type", "").lower().partition("charset=")[2].strip(' "')
        if content_type == "application/sparql-update" or "update" in params:
            raise DpvAlmiError(405, _READ_ONLY, "Update not allowed")
        if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise DpvAlmiError(
                415,
                "POST application/sparql-query, or application/x-www-form-urlencoded with query=…",
                "Unsupported media type",
            )
        if charset and charset not in ("utf-8", "utf8"):
            raise DpvAlmiError(
                415, f"Only UTF-8 request bodies are accepted (not {charset}).", "Unsupported media type"
            )
        body = await deps.read_body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise DpvAlmiError(400, "The request body is not UTF-8.") from None
        if content_type == "application/sparql-query":
            if "query" in params:
                raise DpvAlmiError(400, "Give the query either in the body or as a parameter, not both.")
            return text, params
        form = parse_qs(text, keep_blank_values=True)
        if "update" in form:
            raise DpvAlmiError(405, _READ_ONLY, "Update not allowed")
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
    if "update" in params:
        raise DpvAlmiError(405, _READ_ONLY, "Update not allowed")
    queries = params.get("query")
    if queries is None:
        return None, params
    if len(queries) != 1:
        raise DpvAlmiError(400, "Give exactly one 'query' parameter.")
    return queries[0], params


@router.get("/sparql", summary="SPARQL 1.1 Protocol query by GET; without a query, the service description")
async def sparql_get(request: Request) -> Response:
    """Query by GET (``query``, ``default-graph-uri``, ``named-graph-uri``)."""
    return await sparql(request)


@router.post("/sparql", summary="SPARQL 1.1 Protocol query by POST (form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    """Query by POST, form-encoded or as an ``application/sparql-query`` body."""
    return await sparql(request)


async def sparql(request: Request) -> Response:
    """Queries by GET, POST form or POST ``application/sparql-query``; GET without a query gives the
    service description."""
    query, params = await _read(request)
    if query is None:
        if request.method == "GET" and not params:
            if wants_editor(request):  # a browser: the YASGUI editor; RDF clients: the description
                return editor_page(request)
            return service_description(request)
        raise DpvAlmiError(400, "Give a 'query' parameter (or GET without parameters for the service description).")
    accept = request.headers.get("accept")
    settings = deps.settings(request)
    job = QueryJob(
        text=query,
        dataset=_dataset(params),
        results_type=media_type(accept, RESULTS_FORMATS),
        graph_type=media_type(accept, GRAPH_FORMATS),
        max_rows=settings.max_rows,
        base_iri=endpoint_url(request),
    )
    outcome = await deps.run(request, job)
    return Response(
        outcome.body, media_type=outcome.media_type, headers=deps.result_headers(outcome, settings.max_rows)
    )


# --- service description -------------------------------------------------------------

_SD_FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
    "application/rdf+xml": "http://www.w3.org/ns/formats/RDF_XML",
}


def endpoint_url(request: Request) -> str:
    public = deps.settings(request).public_url
    if public:
        return public.rstrip("/") + "/sparql"
    return str(request.url.replace(query="", fragment=""))


def _literal(text: str) -> str:
    return str(pyoxigraph.Literal(text))


def describe_service(endpoint: str, data: StoreInfo, timeout: float, max_rows: int) -> str:
    """The SPARQL 1.1 Service Description of the endpoint, as Turtle.

    Never ``sd:UnionDefaultGraph``: in the policy layout the default graph is the merge of every
    named graph but the registry, and in the standard layout the dataset's own default graph."""
    named = []
    for graph, triples in data.graphs.items():
        pid = policy_id(graph) if data.layout == POLICIES else None
        what = (
            f"the policy '{pid}'"
            if pid
            else {
                "dpv": "DPV 2.3 concepts the policies use",
                "vocab": "the dpv-almi project vocabulary",
                "registry": "the service's registry of loaded policy versions (not in the default graph)",
            }.get(graph.rsplit("/", 1)[-1], graph)
            if graph.startswith(str(GRAPH)) and data.layout == POLICIES
            else graph
        )
        named.append(
            f"  sd:namedGraph [ a sd:NamedGraph ; sd:name <{graph}> ;\n"
            f"    sd:graph [ a sd:Graph ; void:triples {triples} ; dct:description {_literal(what)} ] ] ;\n"
        )
    if data.layout == POLICIES:
        default = "The RDF merge of every named graph except the registry (each triple once)."
    else:
        default = "The default graph of the loaded dataset, as loaded (a standard dataset: no union)."
    formats = ", ".join(f"<{iri}>" for iri in dict.fromkeys(_SD_FORMATS.values()))
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}#service> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  rdfs:label "dpv-almi SPARQL endpoint (read-only)" ;
  rdfs:comment {
        _literal(
            f"Read-only SPARQL 1.1 Query endpoint. {default} "
            "The query (FROM/FROM NAMED) or the protocol (default-graph-uri/named-graph-uri) may name another "
            "dataset. Graph IRIs not in the store are empty graphs; nothing is fetched from the network; "
            f"SERVICE is refused. Queries stop after {timeout:g} s; at most {max_rows} result rows are returned."
        )
    } ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat {formats} ;
  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; void:triples {data.default_triples} ;
      dct:description {_literal(default)} ] ;
{"".join(named)}  ] .
"""


def service_description(request: Request) -> Response:
    chosen = negotiate(request.headers.get("accept"), GRAPH_FORMATS)
    if chosen is None:
        raise DpvAlmiError(406, f"The service description is available as: {', '.join(GRAPH_FORMATS)}.")
    settings = deps.settings(request)
    turtle = describe_service(endpoint_url(request), deps.data(request), settings.query_timeout, settings.max_rows)
    mime, rdf_format = chosen
    if rdf_format == pyoxigraph.RdfFormat.TURTLE:
        body = turtle.encode()
    else:
        triples = list(pyoxigraph.parse(turtle.encode(), format=pyoxigraph.RdfFormat.TURTLE))
        prefixes = PREFIXES if rdf_format == pyoxigraph.RdfFormat.RDF_XML else None
        body = pyoxigraph.serialize([t.triple for t in triples], format=rdf_format, prefixes=prefixes) or b""
    return Response(body, media_type=mime, headers={"Vary": "Accept"})
