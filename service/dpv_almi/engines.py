"""Remote SPARQL stores: the one place that knows how engines differ.

A remote store is given as ``sparql+http://host:port/path?engine=…&gsp=…&update=…`` (or
``sparql+https``): the URL without the ``sparql+`` prefix and the parameters is the SPARQL query
endpoint.  Everything engine-specific lives in :data:`ENGINES`:

* **union default graph** -- the service's rule is "no dataset given → the union of all named
  graphs".  Oxigraph server's default graph is its (empty) default graph unless the request
  says ``union-default-graph``; Virtuoso's default graph already is the union of all graphs.
* **loading** -- SPARQL 1.1 Graph Store Protocol: ``PUT`` replaces one graph.  Oxigraph server
  does it in one transaction (readers see the old or the new graph); Virtuoso's
  ``/sparql-graph-crud`` does a clear then a load, not atomically (documented in docs/deployment.md).
* **results** -- SELECT/ASK are asked for as SPARQL JSON, CONSTRUCT/DESCRIBE as N-Triples, both
  engines support them; the service re-encodes them itself (same formats, row cap, truncation
  notes as the local stores).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import pyoxigraph

from dpv_almi import sparql_text
from dpv_almi.namespaces import PREFIXES
from dpv_almi.store import Outcome, QueryJob, _encode

SCHEMES = ("sparql+http://", "sparql+https://")


@dataclass(frozen=True)
class Engine:
    name: str
    union_param: Mapping[str, str]
    """Request parameters that make the default graph the union of the named graphs."""
    gsp_path: str
    """Graph Store Protocol endpoint, relative to the server root."""
    update_path: str
    """SPARQL Update endpoint, relative to the server root."""
    atomic_put: bool


ENGINES: dict[str, Engine] = {
    "oxigraph": Engine("oxigraph", {"union-default-graph": ""}, "/store", "/update", True),
    "virtuoso": Engine("virtuoso", {}, "/sparql-graph-crud", "/sparql", False),
    "generic": Engine("generic", {}, "/store", "/update", False),
}


def is_remote(store: str | None) -> bool:
    return bool(store) and str(store).startswith(SCHEMES)


@dataclass(frozen=True)
class RemoteStore:
    """Where a remote store answers queries, takes graphs and updates, and which engine it is."""

    query_url: str
    gsp_url: str
    update_url: str
    engine: Engine

    @classmethod
    def parse(cls, spec: str) -> RemoteStore:
        parts = urlsplit(spec.removeprefix("sparql+"))
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        name = params.get("engine") or ("virtuoso" if parts.path.rstrip("/").endswith("/sparql") else "oxigraph")
        if name not in ENGINES:
            raise ValueError(f"unknown SPARQL engine {name!r} (known: {', '.join(ENGINES)})")
        engine = ENGINES[name]
        root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return cls(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                   root + params.get("gsp", engine.gsp_path), root + params.get("update", engine.update_path), engine)

    def query_params(self, job: QueryJob) -> list[tuple[str, str]]:
        """The protocol parameters for *job*, with this engine's way to get the union default graph."""
        # the service predeclares its prefixes; a remote engine does not (the query's own win: later PREFIX)
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
        base = f"BASE <{job.base_iri}>\n" if job.base_iri else ""
        params = [("query", base + prologue + job.text)]
        dataset = job.dataset
        if dataset.default_graphs is not None or dataset.named_graphs is not None:
            params += [("default-graph-uri", g) for g in dataset.default_graphs or ()]
            params += [("named-graph-uri", g) for g in dataset.named_graphs or ()]
            if not dataset.default_graphs:  # an explicitly empty default graph: name one that is not there
                params.append(("default-graph-uri", "urn:dpv-almi:empty"))
        elif not sparql_text.has_dataset_clause(job.text):
            params += list(self.engine.union_param.items())
        return params


ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/plain;q=0.5"


async def execute(client: httpx.AsyncClient, remote: RemoteStore, job: QueryJob, timeout: float) -> Outcome:
    """Run *job* on the remote store and encode it as the local stores would; problems returned, not raised.

    ``httpx.TimeoutException`` is left to the caller, which reports it like a local timeout."""
    response = await client.post(remote.query_url, data=_multi(remote, job),
                                 headers={"Accept": ACCEPT}, timeout=timeout)
    if response.status_code >= 400:
        status = 400 if response.status_code in (400, 406) else 502
        detail = " ".join(response.text.split())[:500] or f"HTTP {response.status_code}"
        return Outcome(status, title="Malformed query" if status == 400 else "Remote store failed", detail=detail)
    return decode(response.headers.get("content-type", ""), response.content, job)


def _multi(remote: RemoteStore, job: QueryJob) -> dict[str, Any]:
    """httpx's ``data`` takes lists for repeated parameters (several graph IRIs)."""
    grouped: dict[str, list[str]] = {}
    for key, value in remote.query_params(job):
        grouped.setdefault(key, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in grouped.items()}


def decode(content_type: str, body: bytes, job: QueryJob) -> Outcome:
    media = content_type.split(";")[0].strip().lower()
    try:
        if media in ("application/sparql-results+json", "application/json"):
            result: Any = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
        elif media in ("application/n-triples", "text/plain", "text/turtle"):
            rdf_format = pyoxigraph.RdfFormat.TURTLE if media == "text/turtle" else pyoxigraph.RdfFormat.N_TRIPLES
            result = _triples(body, rdf_format)
        else:
            return Outcome(502, title="Remote store failed", detail=f"unexpected result type {media!r}")
        return _encode(result, job)
    except (SyntaxError, ValueError) as exc:
        return Outcome(502, title="Remote store failed", detail=" ".join(str(exc).split())[:500])


def _triples(body: bytes, rdf_format: pyoxigraph.RdfFormat) -> Iterator[pyoxigraph.Triple]:
    for quad in pyoxigraph.parse(body, format=rdf_format):
        yield quad.triple


def put_graph(remote: RemoteStore, graph: str, ntriples: bytes, timeout: float = 600) -> None:
    """Replace one graph (GSP PUT); raises ``httpx.HTTPError`` on failure."""
    response = httpx.put(remote.gsp_url, params={"graph": graph}, content=ntriples,
                         headers={"Content-Type": "application/n-triples"}, timeout=timeout)
    response.raise_for_status()


def update(remote: RemoteStore, text: str, timeout: float = 60) -> None:
    response = httpx.post(remote.update_url, data={"update": text}, timeout=timeout)
    response.raise_for_status()


def select(remote: RemoteStore, text: str, timeout: float = 60) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (for the registry and graph counts)."""
    response = httpx.post(remote.query_url, data={"query": text},
                          headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
    response.raise_for_status()
    document = response.json()
    return [{k: v["value"] for k, v in row.items()} for row in document["results"]["bindings"]]
