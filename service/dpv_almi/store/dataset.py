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

TriG/N-Quads files keep their own graph names.  The registry graph
(``graph/registry``, :mod:`dpv_almi.store.registry`) describes each loaded version: it is the
service's bookkeeping, a named graph for those who ask for it (``GRAPH <…/graph/registry>``).

The default graph is the **RDF merge of every other named graph** (policies, DPV, vocabulary),
stored as the store's own default graph (:func:`merge_default_graph`, run after every load and
write): a triple held by two graphs is in it once (a set, as an RDF merge is; Oxigraph's
``use_default_graph_as_union`` would give it once per graph), and the registry is never in it.
A query that names a dataset (FROM / FROM NAMED, or the protocol's ``default-graph-uri`` /
``named-graph-uri``) gets that dataset instead.  Graph IRIs that are not in the store are empty
graphs: nothing is ever fetched.

``--dataset standard`` (:data:`STANDARD`) serves files as they are instead: triples of Turtle,
N-Triples and RDF/XML files in the default graph, TriG/N-Quads graphs as named; no registry, no
merge (what the W3C test suites and an existing dataset expect).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph

from dpv_almi.identifiers import policy_id_from_name
from dpv_almi.loading import PathLike, expand_paths, input_chunks, load_store
from dpv_almi.namespaces import GRAPH, PREFIXES, XSD
from dpv_almi.sparql import lexer
from dpv_almi.sparql.rewrite import drop_unbound_parameters
from dpv_almi.store.registry import RECORDS_QUERY, REGISTRY_GRAPH, data_version, records_from_rows

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


POLICIES = "policies"
"""The dataset layouts ``--dataset`` chooses between: one named graph per file, default = their merge ..."""
STANDARD = "standard"
"""... or each file's graphs as they are (see the module docstring)."""
LAYOUTS = (POLICIES, STANDARD)

MERGE_UPDATE = f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{REGISTRY_GRAPH}>) }}"


def merge_default_graph(store: pyoxigraph.Store) -> None:
    """Make *store*'s default graph the RDF merge of its named graphs but the registry (a set: each
    triple once).  Runs in Oxigraph (one update; about as long as loading the data once), and
    blank nodes stay the same nodes in the merge as in their graph."""
    store.clear_graph(pyoxigraph.DefaultGraph())
    store.update(MERGE_UPDATE)


def merged_default_graph_query() -> str:
    """SPARQL Update that replaces a store's default graph by the merge (for remote stores)."""
    return "DROP SILENT DEFAULT ;\n" + MERGE_UPDATE


def default_graph_copy(store: pyoxigraph.Store) -> pyoxigraph.Store:
    """A store holding only *store*'s default graph (same blank nodes), for queries that read nothing else.

    Oxigraph's in-memory store finds a triple pattern's matches across all graphs and keeps those of
    the graph asked for: with the merge stored beside the named graphs, a default-graph pattern
    reads twice as many entries (measured 1.5-1.7x the time of the old union default graph on 1,000
    policies, ``bench/default_graph_bench.py``).  In a store of its own the merge is read at the
    old speed or faster; the cost is memory, one more copy of the data."""
    copy = pyoxigraph.Store()
    nquads = store.dump(format=pyoxigraph.RdfFormat.N_QUADS, from_graph=pyoxigraph.DefaultGraph())
    copy.load(nquads or b"", format=pyoxigraph.RdfFormat.N_QUADS)
    return copy


def needs_merge(store: pyoxigraph.Store) -> bool:
    """True for a policy store whose default graph was never merged (one written before the merge
    existed): data in a named graph besides the registry, nothing in the default graph."""
    if any(True for _ in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())):
        return False
    registry = pyoxigraph.NamedNode(REGISTRY_GRAPH)
    return any(graph != registry for graph in store.named_graphs())


def graph_id_for(path: PathLike) -> str:
    """The graph id of a data file: ``dpv``, ``vocab`` or the policy id."""
    stem = Path(path).stem
    if stem == "dpv-concepts":
        return "dpv"
    return policy_id_from_name(stem.removeprefix("dpv-") or stem)


def graph_for(path: Path) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(str(GRAPH[graph_id_for(path)]))


def policy_id(graph_iri: str) -> str | None:
    """The policy id of a policy graph IRI, or None for the vocabulary, DPV and foreign graphs."""
    base = str(GRAPH)
    if not graph_iri.startswith(base) or graph_iri in (DPV_GRAPH, VOCAB_GRAPH, REGISTRY_GRAPH):
        return None
    rest = graph_iri[len(base) :]
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
    backend's read-only store); either way the registry graph (:mod:`dpv_almi.store.registry`)
    describes each policy, and ``version`` (the base of every ETag) changes with any of them.
    """

    def __init__(
        self,
        paths: Iterable[PathLike] = (),
        *,
        store: pyoxigraph.Store | None = None,
        registry: str = "",
        layout: str = POLICIES,
        default_only: pyoxigraph.Store | None = None,
    ) -> None:
        self.files = expand_paths(paths)
        self.layout = layout
        if store is None and layout == STANDARD:
            store = load_store(self.files)
        elif store is None:
            store = load_store(self.files, graph_for=graph_for)
            merge_default_graph(store)
            default_only = default_graph_copy(store)
        self.store = store
        self.default_only = default_only
        """The default graph alone (:func:`default_graph_copy`; in memory only), or None."""
        if registry:
            self.store.load(
                registry.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(REGISTRY_GRAPH)
            )
        self.records = tuple(
            records_from_rows(
                {k: _value(s[k]) for k in ("id", "version", "source", "sha", "loaded", "current")}
                for s in select(self.store, RECORDS_QUERY)
            )
        )
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0")
            for piece in input_chunks(path, 1 << 20):
                digest.update(piece)
        self.version = data_version(self.records, digest.hexdigest())
        """Changes whenever any data file or registered version does: the base of every ETag."""
        mtime = max((path.stat().st_mtime for path in self.files), default=0)
        loaded = max((r.loaded_at.timestamp() for r in self.records), default=0)
        self.last_modified = datetime.fromtimestamp(int(max(mtime, loaded)), UTC)
        counts = select(self.store, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        self.graphs: dict[str, int] = {_value(s["g"]): int(_value(s["n"])) for s in counts}
        self.triples = sum(self.graphs.values())
        self.default_triples = int(_value(next(iter(select(self.store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"]))
        """Triples of the default graph queries see (the merge: shared triples counted once)."""

    def __len__(self) -> int:
        return self.triples

    @property
    def policies(self) -> list[str]:
        return [pid for g in self.graphs if (pid := policy_id(g))]

    def query(self, text: str, dataset: DatasetSpec = DatasetSpec(), base_iri: str | None = None) -> Any:
        """Run a read-only query with the service's dataset rules (see the module docstring): the
        store's own default graph unless the request or the query names a dataset."""
        kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": base_iri}
        if dataset.default_graphs is not None or dataset.named_graphs is not None:
            kwargs["default_graph"] = [pyoxigraph.NamedNode(g) for g in dataset.default_graphs or ()]
            kwargs["named_graphs"] = [pyoxigraph.NamedNode(g) for g in dataset.named_graphs or ()]
        elif self.default_only is not None and not lexer.has_dataset_clause(text):
            alone = _default_graph_only(text)
            if alone is not None:  # reads the default graph alone: the same answer from the store holding only it
                return self.default_only.query(alone, **kwargs)
        return self.store.query(text, **kwargs)

    def execute(self, job: QueryJob) -> Outcome:
        """Run *job* and serialise its result; problems are returned, never raised."""
        try:
            result = self.query(job.text, job.dataset, job.base_iri)
        except SyntaxError as exc:
            return Outcome(400, title="Malformed query", detail=str(exc))
        except (RuntimeError, OSError, ValueError, TypeError) as exc:  # the engine refuses what it parsed
            # e.g. "The custom function <http://ex.org/f> is not supported", or a SERVICE IRI it cannot use
            return Outcome(400, title="Unsupported query", detail=" ".join(str(exc).split()) or type(exc).__name__)
        try:
            if isinstance(result, pyoxigraph.QuerySolutions):
                selected = _select_whole(result, job)
                if selected is None:  # a large answer: evaluate anew, reading at most max_rows rows
                    del result
                    result = self.query(job.text, job.dataset, job.base_iri)
                    selected = _select_rows(result, job)
                return _encode_select(selected, job)
            return _encode(result, job)
        except Exception as exc:  # evaluation is lazy: errors surface while iterating  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
            # the query's fault as far as a client can tell (an unsupported function met while
            # evaluating, a type the engine refuses); only running out of memory is the service's
            return Outcome(
                503 if isinstance(exc, MemoryError) else 400,
                title="Query evaluation failed",
                detail=" ".join(str(exc).split()) or type(exc).__name__,
            )
        finally:
            del result


_SELECT_ALL = re.compile(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", re.IGNORECASE)


def _default_graph_only(text: str) -> str | None:
    """*text*, or the same query without its unbound optional parameters, when it reads no named graph;
    None when it does.  A named query's ``FILTER (!BOUND(?policy) || EXISTS { GRAPH ?policy … })`` is a
    no-op while ``?policy`` is unbound, so without it the query reads the default graph only (not for
    ``SELECT *``, whose head would lose the parameter)."""
    if not lexer.uses_graph(text):
        return text
    if _SELECT_ALL.search(text):
        return None
    shorter = drop_unbound_parameters(text)
    return shorter if shorter != text and not lexer.uses_graph(shorter) else None


# --- serialisation -------------------------------------------------------------


_XSD_STRING = str(XSD.string)  # rdflib terms never equal plain strings: compare strings


def select(store: pyoxigraph.Store, text: str) -> pyoxigraph.QuerySolutions:
    """The solutions of a SELECT query of ours (a TypeError, a bug, for any other form)."""
    result = store.query(text)
    if not isinstance(result, pyoxigraph.QuerySolutions):
        raise TypeError(f"not a SELECT query: {text[:60]}")
    return result


def _value(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple | None) -> str:
    """The lexical value of a bound term ('' when unbound)."""
    return "" if term is None or isinstance(term, pyoxigraph.Triple) else term.value


def _serialised(body: bytes | None) -> bytes:
    """What ``serialize()`` without an output file returns: always bytes (None only when given a file)."""
    if body is None:
        raise TypeError("serialize() wrote to a file instead of returning bytes")
    return body


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
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, pyoxigraph.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: term_json(v) for k, v in parts.items()}}
    raise TypeError(f"not an RDF term: {term!r}")


def _truncation_note(job: QueryJob) -> str:
    return f"Result truncated to the first {job.max_rows} rows (the server's maximum)."


def _encode(result: Any, job: QueryJob) -> Outcome:
    """Serialise *result* for *job* reading at most ``max_rows`` rows (an answer parsed from a remote
    store, too), refusing (422) a body over ``job.max_bytes``."""
    if isinstance(result, pyoxigraph.QuerySolutions):
        return _encode_select(_select_rows(result, job), job)
    return _within_bytes(_serialise(result, job), job)


def _within_bytes(outcome: Outcome, job: QueryJob) -> Outcome:
    if job.max_bytes is not None and len(outcome.body) > job.max_bytes:
        return Outcome(
            422,
            title="Result too large",
            detail=f"The result is over {job.max_bytes} bytes, the server's maximum; "
            "ask for less (LIMIT, fewer or shorter values).",
        )
    return outcome


def _serialise(result: Any, job: QueryJob) -> Outcome:
    if isinstance(result, pyoxigraph.QueryBoolean):
        if job.table:
            return Outcome(table={"head": {}, "boolean": bool(result)}, form="ASK")
        if job.results_type is None:
            return Outcome(
                406, title="Not Acceptable", detail=f"ASK results are available as: {', '.join(RESULTS_FORMATS)}."
            )
        body = _serialised(result.serialize(format=RESULTS_FORMATS[job.results_type]))
        return Outcome(media_type=job.results_type, body=body, rows=1, form="ASK")
    if not isinstance(result, pyoxigraph.QuerySolutions):  # QueryTriples, or triples parsed from a remote store
        if job.graph_type is None or job.table:
            return Outcome(
                406,
                title="Not Acceptable",
                detail=f"CONSTRUCT/DESCRIBE results are available as: {', '.join(GRAPH_FORMATS)}.",
            )
        triples: list[pyoxigraph.Triple] = []
        truncated = False
        for triple in result:
            if len(triples) == job.max_rows:  # a triple past the cap exists
                truncated = True
                break
            triples.append(triple)
        rdf_format = GRAPH_FORMATS[job.graph_type]
        prefixes = PREFIXES if rdf_format in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.RDF_XML) else None
        body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
        if truncated:
            body = _mark_truncated(body, rdf_format.media_type, _truncation_note(job))
        return Outcome(media_type=job.graph_type, body=body, rows=len(triples), truncated=truncated, form="CONSTRUCT")
    raise TypeError(f"not a boolean or a graph result: {type(result).__name__}")


FAST_PATH_BYTES = 8 * 1024 * 1024
"""Largest SELECT answer Oxigraph serialises whole before the row cap is applied.  Above it the query
is evaluated again and read row by row up to ``max_rows``: a huge answer costs a second evaluation
instead of being serialised (and held) in full."""


class _OverBudget(Exception):
    """Raised by :class:`_BudgetBuffer` to stop Oxigraph's serialiser."""


class _BudgetBuffer:
    """A binary sink for ``QuerySolutions.serialize`` that refuses to grow past *budget* bytes."""

    def __init__(self, budget: int) -> None:
        self.budget, self.size, self.parts = budget, 0, []  # type: ignore[var-annotated]  # a list of bytes chunks, annotated in the class body

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self.budget:
            raise _OverBudget
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


@dataclass
class _Selected:
    """A SELECT answer as a SPARQL-JSON document cut to ``max_rows`` rows; ``body`` is its JSON when
    nothing was cut (Oxigraph's own serialisation, sent as is)."""

    document: dict[str, Any]
    truncated: bool
    body: bytes | None = None


def _select_whole(result: Any, job: QueryJob) -> _Selected | None:
    """The fast path: Oxigraph serialises the whole answer to SPARQL JSON (in Rust), the row cap is
    applied to the parsed document.  None when the answer is over :data:`FAST_PATH_BYTES` (or the
    job's byte cap, if smaller)."""
    budget = FAST_PATH_BYTES if job.max_bytes is None else min(FAST_PATH_BYTES, job.max_bytes)
    sink = _BudgetBuffer(budget)
    try:
        result.serialize(sink, format=pyoxigraph.QueryResultsFormat.JSON)
    except _OverBudget:
        return None
    body = sink.getvalue()
    document = json.loads(body)
    bindings = document["results"]["bindings"]
    if len(bindings) <= job.max_rows:
        return _Selected(document, False, body)
    del bindings[job.max_rows :]
    return _Selected(document, True)


def _select_rows(result: Any, job: QueryJob) -> _Selected:
    """The bounded path: read at most ``max_rows`` solutions (and one more, to know of truncation)."""
    variables = [v.value for v in result.variables]
    bindings: list[dict[str, Any]] = []
    truncated = False
    for solution in result:
        if len(bindings) == job.max_rows:  # a solution past the cap exists
            truncated = True
            break
        bindings.append({name: term_json(solution[name]) for name in variables if solution[name] is not None})
    return _Selected({"head": {"vars": variables}, "results": {"bindings": bindings}}, truncated)


def _encode_select(selected: _Selected, job: QueryJob) -> Outcome:
    """Serialise a SELECT answer for *job* (a table for the REST API, or bytes of the negotiated
    format), refusing (422) a body over ``job.max_bytes``."""
    document, truncated = selected.document, selected.truncated
    rows = len(document["results"]["bindings"])
    if job.table:
        return Outcome(table=document, rows=rows, truncated=truncated, form="SELECT")
    if job.results_type is None:
        return Outcome(
            406, title="Not Acceptable", detail=f"SELECT results are available as: {', '.join(RESULTS_FORMATS)}."
        )
    json_body = selected.body if selected.body is not None else json.dumps(document, ensure_ascii=False).encode()
    results_format = RESULTS_FORMATS[job.results_type]
    if results_format == pyoxigraph.QueryResultsFormat.JSON:
        if truncated:
            document["truncated"] = True
            document["warning"] = _truncation_note(job)
            json_body = json.dumps(document, ensure_ascii=False).encode()
        body = json_body
    else:
        parsed = pyoxigraph.parse_query_results(json_body, format=pyoxigraph.QueryResultsFormat.JSON)
        body = _serialised(parsed.serialize(format=results_format))
        if truncated:
            body = _mark_truncated(body, results_format.media_type, _truncation_note(job))
    return _within_bytes(
        Outcome(media_type=job.results_type, body=body, rows=rows, truncated=truncated, form="SELECT"), job
    )


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
