"""The one store interface: the dataset layout, loading, and running one query to bytes.

Dataset layout
--------------
Every data file is loaded into a named graph of its own under ``GRAPH``
(``https://w3id.org/dpv-almi/graph/``):

* ``dpv-concepts.ttl`` → ``graph/dpv`` (the DPV concept extract),
* ``vocab.ttl`` → ``graph/vocab`` (the project's terms),
* any other file → ``graph/<policy id>``, the id being the file name without
  suffix and without a leading ``dpv-`` (``dpv-almi.ttl`` → ``graph/almi``).
  A policy's notice lives in its policy graph; more policies are more files.

TriG/N-Quads files keep their own graph names.  The store's default graph is
empty; queries see the **union of all named graphs** as their default graph
unless they name a dataset (FROM / FROM NAMED, or the protocol's
``default-graph-uri`` / ``named-graph-uri``), which then replaces it.  Graph
IRIs that are not in the store are empty graphs: nothing is ever fetched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph

from dpv_almi import sparql_text
from dpv_almi.loading import PathLike, expand_paths, load_store
from dpv_almi.namespaces import GRAPH, PREFIXES
from dpv_almi.registry import RECORDS_QUERY, REGISTRY_GRAPH, data_version, records_from_rows

DPV_GRAPH = str(GRAPH["dpv"])
VOCAB_GRAPH = str(GRAPH["vocab"])

RESULTS_FORMATS: Mapping[str, pyoxigraph.QueryResultsFormat] = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "application/xml": pyoxigraph.QueryResultsFormat.XML,
    "text/xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
"""SELECT/ASK media types, default first."""

GRAPH_FORMATS: Mapping[str, pyoxigraph.RdfFormat] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "text/plain": pyoxigraph.RdfFormat.N_TRIPLES,
}
"""CONSTRUCT/DESCRIBE media types, default first."""


def graph_id_for(path: PathLike) -> str:
    """The graph id of a data file: ``dpv``, ``vocab`` or the policy id."""
    stem = Path(path).stem
    if stem == "dpv-concepts":
        return "dpv"
    return stem.removeprefix("dpv-") or stem


def graph_for(path: Path) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(str(GRAPH[graph_id_for(path)]))


def policy_id(graph_iri: str) -> str | None:
    """The policy id of a policy graph IRI, or None for the vocabulary, DPV and foreign graphs."""
    base = str(GRAPH)
    if not graph_iri.startswith(base) or graph_iri in (DPV_GRAPH, VOCAB_GRAPH, REGISTRY_GRAPH):
        return None
    rest = graph_iri[len(base):]
    return rest if rest and "/" not in rest else None


@dataclass(frozen=True)
class DatasetSpec:
    """The protocol's dataset: None for "not given" (then the query's own FROM, else the union)."""

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QueryJob:
    """One query to run; everything here is picklable, for the worker processes."""

    text: str
    dataset: DatasetSpec = DatasetSpec()
    results_type: str | None = "application/sparql-results+json"
    """Media type for SELECT/ASK results (None: nothing acceptable, 406)."""
    graph_type: str | None = "text/turtle"
    """Media type for CONSTRUCT/DESCRIBE results (None: nothing acceptable, 406)."""
    max_rows: int = 10_000
    values: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Parameter bindings already applied to *text* (kept for logs)."""
    base_iri: str | None = None
    """Base IRI for relative IRIs in the query (the endpoint's URL for protocol queries)."""
    table: bool = False
    """Return SELECT results as a SPARQL-JSON dict (for the REST API) instead of bytes."""
    max_bytes: int | None = None
    """Largest serialised result; the row cap alone does not bound one huge value (GROUP_CONCAT)."""


@dataclass(frozen=True)
class Outcome:
    """What a query produced, or the problem it ran into (status >= 400)."""

    status: int = 200
    media_type: str = ""
    body: bytes = b""
    table: dict[str, Any] | None = None
    rows: int = 0
    truncated: bool = False
    form: str = ""
    title: str = ""
    detail: str = ""


class DataStore:
    """The service's data: an Oxigraph store of one named graph per file, plus what describes it.

    Built from files (in memory, the default backend) or around an opened store (the on-disk
    backend's read-only store); either way the registry graph (:mod:`dpv_almi.registry`)
    describes each policy, and ``version`` (the base of every ETag) changes with any of them.
    """

    def __init__(self, paths: Iterable[PathLike] = (), *, store: pyoxigraph.Store | None = None,
                 registry: str = "") -> None:
        self.files = expand_paths(paths)
        self.store = store if store is not None else load_store(self.files, graph_for=graph_for)
        if registry:
            self.store.load(registry.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES,
                            to_graph=pyoxigraph.NamedNode(REGISTRY_GRAPH))
        self.records = tuple(records_from_rows(
            {k: s[k].value for k in ("id", "version", "source", "sha", "loaded", "current")}  # type: ignore[index]
            for s in self.store.query(RECORDS_QUERY)))
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        self.version = data_version(self.records, digest.hexdigest())
        """Changes whenever any data file or registered version does: the base of every ETag."""
        mtime = max((path.stat().st_mtime for path in self.files), default=0)
        loaded = max((r.loaded_at.timestamp() for r in self.records), default=0)
        self.last_modified = datetime.fromtimestamp(int(max(mtime, loaded)), UTC)
        counts = self.store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        self.graphs: dict[str, int] = {s["g"].value: int(s["n"].value) for s in counts}  # type: ignore[index]
        self.triples = sum(self.graphs.values())

    def __len__(self) -> int:
        return self.triples

    @property
    def policies(self) -> list[str]:
        return [pid for g in self.graphs if (pid := policy_id(g))]

    def query(self, text: str, dataset: DatasetSpec = DatasetSpec(), base_iri: str | None = None) -> Any:
        """Run a read-only query with the service's dataset rules (see the module docstring)."""
        kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": base_iri}
        if dataset.default_graphs is not None or dataset.named_graphs is not None:
            kwargs["default_graph"] = [pyoxigraph.NamedNode(g) for g in dataset.default_graphs or ()]
            kwargs["named_graphs"] = [pyoxigraph.NamedNode(g) for g in dataset.named_graphs or ()]
        elif not sparql_text.has_dataset_clause(text):
            kwargs["use_default_graph_as_union"] = True
        return self.store.query(text, **kwargs)

    def execute(self, job: QueryJob) -> Outcome:
        """Run *job* and serialise its result; problems are returned, never raised."""
        try:
            result = self.query(job.text, job.dataset, job.base_iri)
        except SyntaxError as exc:
            return Outcome(400, title="Malformed query", detail=str(exc))
        try:
            return _encode(result, job)
        except Exception as exc:  # evaluation is lazy: errors surface while iterating
            return Outcome(400 if isinstance(exc, (PermissionError, ConnectionError)) else 500,
                           title="Query evaluation failed", detail=" ".join(str(exc).split()) or type(exc).__name__)
        finally:
            del result


# --- serialisation -------------------------------------------------------------


def term_json(term: Any) -> dict[str, Any]:
    """A term as a SPARQL 1.1 JSON results binding (with SPARQL 1.2's triple terms)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, pyoxigraph.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: term_json(v) for k, v in parts.items()}}
    raise TypeError(f"not an RDF term: {term!r}")


def _truncation_note(job: QueryJob) -> str:
    return f"Result truncated to the first {job.max_rows} rows (the server's maximum)."


def _encode(result: Any, job: QueryJob) -> Outcome:
    """Serialise *result* for *job*, refusing (422) a body over ``job.max_bytes``."""
    outcome = _serialise(result, job)
    if job.max_bytes is not None and len(outcome.body) > job.max_bytes:
        return Outcome(422, title="Result too large",
                       detail=f"The result is over {job.max_bytes} bytes, the server's maximum; "
                       "ask for less (LIMIT, fewer or shorter values).")
    return outcome


def _serialise(result: Any, job: QueryJob) -> Outcome:
    if isinstance(result, pyoxigraph.QueryBoolean):
        if job.table:
            return Outcome(table={"head": {}, "boolean": bool(result)}, form="ASK")
        if job.results_type is None:
            return Outcome(406, title="Not Acceptable", detail=f"ASK results are available as: {', '.join(RESULTS_FORMATS)}.")
        body = result.serialize(format=RESULTS_FORMATS[job.results_type])
        return Outcome(media_type=job.results_type, body=body, rows=1, form="ASK")
    if not isinstance(result, pyoxigraph.QuerySolutions):  # QueryTriples, or triples parsed from a remote store
        if job.graph_type is None or job.table:
            return Outcome(406, title="Not Acceptable",
                           detail=f"CONSTRUCT/DESCRIBE results are available as: {', '.join(GRAPH_FORMATS)}.")
        triples = []
        for triple in result:
            if len(triples) == job.max_rows:
                break
            triples.append(triple)
        truncated = len(triples) == job.max_rows and next(result, None) is not None
        rdf_format = GRAPH_FORMATS[job.graph_type]
        prefixes = PREFIXES if rdf_format in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.RDF_XML) else None
        body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
        if truncated:
            body = _mark_truncated(body, rdf_format.media_type, _truncation_note(job))
        return Outcome(media_type=job.graph_type, body=body, rows=len(triples), truncated=truncated, form="CONSTRUCT")
    variables = [v.value for v in result.variables]
    bindings = []
    for solution in result:
        if len(bindings) == job.max_rows:
            break
        bindings.append({name: term_json(solution[name]) for name in variables if solution[name] is not None})
    truncated = len(bindings) == job.max_rows and next(result, None) is not None
    document: dict[str, Any] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if job.table:
        return Outcome(table=document, rows=len(bindings), truncated=truncated, form="SELECT")
    if job.results_type is None:
        return Outcome(406, title="Not Acceptable", detail=f"SELECT results are available as: {', '.join(RESULTS_FORMATS)}.")
    json_body = json.dumps(document, ensure_ascii=False).encode()
    results_format = RESULTS_FORMATS[job.results_type]
    if results_format == pyoxigraph.QueryResultsFormat.JSON:
        if truncated:
            document["truncated"] = True
            document["warning"] = _truncation_note(job)
            json_body = json.dumps(document, ensure_ascii=False).encode()
        body = json_body
    else:
        parsed = pyoxigraph.parse_query_results(json_body, format=pyoxigraph.QueryResultsFormat.JSON)
        body = parsed.serialize(format=results_format)
        if truncated:
            body = _mark_truncated(body, results_format.media_type, _truncation_note(job))
    return Outcome(media_type=job.results_type, body=body, rows=len(bindings), truncated=truncated, form="SELECT")


def _mark_truncated(body: bytes, media_type: str, note: str) -> bytes:
    """Say in the body that it is truncated, where the format has comments (else only the header says so)."""
    if media_type in ("text/turtle", "application/n-triples"):
        return f"# {note}\n".encode() + body
    if media_type.endswith("xml"):
        comment = f"<!-- {note} -->\n".encode()
        if body.startswith(b"<?xml"):
            end = body.index(b"?>") + 2
            return body[:end] + b"\n" + comment + body[end:].lstrip(b"\n")
        return comment + body
    return body
