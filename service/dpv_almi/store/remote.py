"""Remote SPARQL stores: the one place that knows how engines differ.

A remote store is given as ``sparql+http://host:port/path?engine=…&gsp=…&update=…`` (or
``sparql+https``): the URL without the ``sparql+`` prefix and the parameters is the SPARQL query
endpoint.  Everything engine-specific lives in :data:`ENGINES`:

* **default graph** -- the service's rule is "no dataset given → the RDF merge of every named graph
  but the registry" (:mod:`dpv_almi.store.dataset`).  On Oxigraph server and a generic SPARQL 1.1
  store the service stores that merge as the store's default graph after each write
  (:func:`~dpv_almi.store.dataset.merged_default_graph_query`, a SPARQL Update), and queries ask for the store's default graph.
  Virtuoso's default graph is always the union of *all* graphs, including its own system graphs
  (``virtrdf#``, ``owl#``, ``ldp#`` …, :attr:`Engine.system_graphs`), and ``GRAPH ?g`` sees them
  too: the query gets ``DEFINE input:default-graph-exclude`` (those and the registry) and
  ``input:named-graph-exclude`` (those) pragmas, and the graph counts leave them out.
* **syntax** -- every query is parsed locally (pyoxigraph, with the predeclared prefixes) before it
  is sent, so a malformed query gets the same problem (message, line, column) on every store,
  and engine extensions (Virtuoso's ``DEFINE``, ``sql:``) are refused like anywhere else.
* **query text** -- :meth:`RemoteStore.query_text` applies the rewrites of
  :mod:`dpv_almi.sparql.rewrite` an engine needs: on every engine, a request that names its dataset
  has the query's own ``FROM``/``FROM NAMED`` removed (Protocol §2.1.4: the protocol's dataset wins;
  Virtuoso would merge the two); on Virtuoso, unbound optional parameters are dropped and each
  ``*``/``+`` path with a constant end becomes a ``SELECT DISTINCT`` sub-select, because Virtuoso
  7.2 returns one solution per step it walked instead of each pair of end points once, and one
  that is joined with more of its group ends in a ``LIMIT`` that cuts nothing, so that Virtuoso
  evaluates it on its own (joined by its optimiser, a closure loses solutions); a top-level
  ``FILTER EXISTS`` becomes a join with a ``SELECT DISTINCT`` sub-select (a bound parameter's value
  put in), because Virtuoso answers a closure inside it, started from an outer variable, for some
  outer solutions only; a SELECT's
  pattern goes into a ``SELECT *`` sub-select, because Virtuoso loses unprojected ``VALUES``
  variables read by a ``FILTER`` in an ``OPTIONAL``.
* **loading** -- SPARQL 1.1 Graph Store Protocol: ``PUT`` replaces one graph.  Oxigraph server
  does it in one transaction (readers see the old or the new graph).  Virtuoso's GSP endpoint
  takes writes only from a user with the ``SPARQL_UPDATE`` role: give the credentials in the
  store URL (``sparql+http://dba:dba@host:8890/sparql``), they are sent with HTTP digest
  authentication to ``/sparql-graph-crud-auth``; its ``PUT`` clears then loads the graph, not
  atomically (a reader can see the graph empty for a moment; docs/deployment.md).
* **results** -- SELECT/ASK are asked for as SPARQL JSON, CONSTRUCT/DESCRIBE as N-Triples, and the
  service re-encodes them itself (same formats, row cap, truncation notes as the local stores).
  Virtuoso answers a mixed ``Accept`` with a JSON table even for CONSTRUCT, so it is asked for
  exactly one type by the query's form; its SPARQL JSON is the older dialect (``typed-literal``,
  ``lang``, blank nodes as ``nodeID://…`` or ``_:…`` IRIs, ASK as a ``__ASK_RETVAL`` row), which
  :func:`normalise_json` turns into SPARQL 1.1 JSON; booleans as ``1``/``0``, and ``EXISTS`` values
  as ``xsd:integer`` 1/0, turned back for variables bound to a bare ``EXISTS``).  Virtuoso refuses
  queries whose *estimated* cost is over ``MaxQueryCostEstimationTime``, which a fresh database
  without statistics overestimates wildly: set it to 0 (off) in ``virtuoso.ini`` and bound queries
  with ``MaxQueryExecutionTime`` instead.
* **durations** -- Virtuoso 7.2 stores an ``xsd:duration`` literal by its value, not its lexical form
  (openlink/virtuoso-opensource#936, open): ``"P1M"^^xsd:duration`` is stored as the integer 1 (months),
  ``"PT2H"`` as 7200.0, by the Graph Store Protocol and ``DB.DBA.TTLP`` alike (``INSERT DATA`` refuses it),
  so no query can give ``P1M`` back.  A literal of a datatype it does not know it keeps verbatim, so
  :func:`put_graph` stores each duration as ``"P1M"^^dpva:xsdDuration`` (:data:`STORED_DURATION`, in the
  canonical form the local stores hold), :func:`durations_stored_as` rewrites duration literals and
  ``DATATYPE(…)`` comparisons in query texts to match (what it cannot translate, e.g. ordering and
  arithmetic on durations, is listed there), and answers -- SPARQL JSON, CONSTRUCT/DESCRIBE, and the IRI
  itself, e.g. from ``DATATYPE(?x)`` -- get ``xsd:duration`` back, so clients of the service never see
  it.  Other clients of the same Virtuoso database do: they read ``dpva:xsdDuration`` literals (with the
  right lexical form), and durations they load themselves are stored by value as before and are not
  matched by the service's rewritten queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import httpx
import pyoxigraph

from dpv_almi.namespaces import PREFIXES, STORED_DURATION, XSD
from dpv_almi.sparql import lexer, syntax
from dpv_almi.sparql.rewrite import (
    XSD_DURATION,
    canonical_literal,
    distinct_closures,
    drop_unbound_parameters,
    durations_stored_as,
    exists_as_joins,
    exists_variables,
    names_a_graph,
    project_all_inside,
    strip_dataset_clauses,
)
from dpv_almi.store.dataset import Outcome, QueryJob, _encode
from dpv_almi.store.registry import REGISTRY_GRAPH

SCHEMES = ("sparql+http://", "sparql+https://")


@dataclass(frozen=True)
class Engine:
    name: str
    merge_default: bool
    """The store keeps a default graph of its own: the service stores the merge there."""
    gsp_path: str
    """Graph Store Protocol endpoint, relative to the server root."""
    update_path: str
    """SPARQL Update endpoint, relative to the server root."""
    atomic_put: bool
    system_graphs: tuple[str, ...] = ()
    """The engine's own graphs, which its default graph and ``GRAPH ?g`` would otherwise include."""
    exclude_pragmas: bool = False
    """Leave :attr:`system_graphs` out with Virtuoso's ``DEFINE input:…-exclude`` pragmas."""
    one_accept: bool = False
    """Ask for exactly one result type, chosen by the query form (Virtuoso ignores q-values)."""
    old_json: bool = False
    """Results come in the pre-1.1 SPARQL JSON dialect (:func:`normalise_json`)."""
    auth_gsp_path: str = ""
    """Graph Store Protocol endpoint when the store URL carries credentials (digest auth)."""
    auth_update_path: str = ""
    drop_unbound_filters: bool = False
    """Rewrite away optional parameters left unbound (:func:`drop_unbound_parameters`)."""
    exists_joins: bool = False
    """Evaluate a top-level ``FILTER EXISTS`` uncorrelated, as a join with a sub-select (:func:`exists_as_joins`)."""
    distinct_closures: bool = False
    """Evaluate ``*``/``+`` paths as sets through ``SELECT DISTINCT`` sub-selects, each on its own
    (:func:`distinct_closures`)."""
    project_inside: bool = False
    """Evaluate a SELECT's pattern in a ``SELECT *`` sub-select, so no variable is unprojected there
    (:func:`project_all_inside`)."""
    integer_exists: bool = False
    """``EXISTS`` values come as ``xsd:integer`` 1/0 (:func:`exists_variables`, :func:`normalise_json`)."""
    stored_durations: bool = False
    """Keep ``xsd:duration`` literals as :data:`STORED_DURATION` literals, which the engine stores verbatim
    (the module docstring, *durations*)."""

    @property
    def restored(self) -> Mapping[str, str]:
        """The IRIs an answer from this engine has in place of the ones a client must see."""
        return _RESTORED if self.stored_durations else {}


VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://www.openlinksw.com/schemas/RDF_Mapper_Ontology/1.0/",
    "http://www.w3.org/ns/ldp",
)

ENGINES: dict[str, Engine] = {
    "oxigraph": Engine("oxigraph", True, "/store", "/update", True),
    "virtuoso": Engine(
        "virtuoso",
        False,
        "/sparql-graph-crud",
        "/sparql",
        False,
        VIRTUOSO_SYSTEM_GRAPHS,
        exclude_pragmas=True,
        one_accept=True,
        old_json=True,
        auth_gsp_path="/sparql-graph-crud-auth",
        auth_update_path="/sparql-auth",
        drop_unbound_filters=True,
        exists_joins=True,
        distinct_closures=True,
        project_inside=True,
        integer_exists=True,
        stored_durations=True,
    ),
    "generic": Engine("generic", True, "/store", "/update", False),
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
    credentials: tuple[str, str] | None = None
    """(user, password) from the store URL, for writes (digest auth on Virtuoso, basic elsewhere)."""

    @classmethod
    def parse(cls, spec: str) -> RemoteStore:
        parts = urlsplit(spec.removeprefix("sparql+"))
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        name = params.get("engine") or ("virtuoso" if parts.path.rstrip("/").endswith("/sparql") else "oxigraph")
        if name not in ENGINES:
            raise ValueError(f"unknown SPARQL engine {name!r} (known: {', '.join(ENGINES)})")
        engine = ENGINES[name]
        credentials = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        netloc = parts.hostname or ""
        netloc = f"[{netloc}]" if ":" in netloc else netloc
        netloc += f":{parts.port}" if parts.port else ""
        root = urlunsplit((parts.scheme, netloc, "", "", ""))
        gsp = (credentials and engine.auth_gsp_path) or engine.gsp_path
        upd = (credentials and engine.auth_update_path) or engine.update_path
        return cls(
            urlunsplit((parts.scheme, netloc, parts.path, "", "")),
            root + params.get("gsp", gsp),
            root + params.get("update", upd),
            engine,
            credentials,
        )

    @property
    def auth(self) -> httpx.Auth | None:
        if self.credentials is None:
            return None
        return httpx.DigestAuth(*self.credentials) if self.engine.auth_gsp_path else httpx.BasicAuth(*self.credentials)

    def query_params(self, job: QueryJob) -> list[tuple[str, str]]:
        """The protocol parameters for *job*, with this engine's way to get the service's default graph."""
        # the service predeclares its prefixes; a remote engine does not (the query's own win: later PREFIX)
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
        base = f"BASE <{job.base_iri}>\n" if job.base_iri else ""
        pragmas = ""
        params: list[tuple[str, str]] = []
        dataset = job.dataset
        if dataset.default_graphs is not None or dataset.named_graphs is not None:
            params += [("default-graph-uri", g) for g in dataset.default_graphs or ()]
            params += [("named-graph-uri", g) for g in dataset.named_graphs or ()]
            if not dataset.default_graphs:  # an explicitly empty default graph: name one that is not there
                params.append(("default-graph-uri", "urn:dpv-almi:empty"))
            if not dataset.named_graphs:
                params.append(("named-graph-uri", "urn:dpv-almi:empty"))
        elif (
            not lexer.has_dataset_clause(job.text) and self.engine.exclude_pragmas and not names_a_graph(job.text)
        ):  # see names_a_graph: Virtuoso's GRAPH <iri> finds nothing under these pragmas; without them such a
            # query may see system triples (and the registry)
            pragmas = (
                "".join(
                    f"DEFINE input:{kind}-graph-exclude <{g}>\n"
                    for kind in ("default", "named")
                    for g in self.engine.system_graphs
                )
                + f"DEFINE input:default-graph-exclude <{REGISTRY_GRAPH}>\n"
            )
        return [("query", pragmas + base + prologue + self.query_text(job)), *params]

    def query_text(self, job: QueryJob) -> str:
        """*job*'s text as this engine must get it to answer as the local stores do."""
        text = job.text
        if job.dataset.default_graphs is not None or job.dataset.named_graphs is not None:
            text = strip_dataset_clauses(text)  # the protocol's dataset replaces the query's (Protocol §2.1.4)
        if self.engine.drop_unbound_filters:
            text = drop_unbound_parameters(text)
        if self.engine.exists_joins:
            text = exists_as_joins(text)
        if self.engine.distinct_closures:
            text = distinct_closures(text)
        if self.engine.project_inside:
            text = project_all_inside(text)
        if self.engine.stored_durations:
            text = durations_stored_as(text, str(STORED_DURATION))
        return text

    def accept(self, job: QueryJob) -> str:
        if not self.engine.one_accept:
            return ACCEPT
        form = lexer.query_form(job.text)
        return "application/n-triples" if form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"


ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/plain;q=0.5"


def check_syntax(job: QueryJob) -> Outcome | None:
    """Parse *job* as the local stores would (same prefixes, base and messages); a 400 if it is not SPARQL."""
    try:
        syntax.check(job.text, job.base_iri)
    except SyntaxError as exc:
        return Outcome(400, title="Malformed query", detail=str(exc))
    return None


async def execute(client: httpx.AsyncClient, remote: RemoteStore, job: QueryJob, timeout: float) -> Outcome:
    """Run *job* on the remote store and encode it as the local stores would; problems returned, not raised.

    ``httpx.TimeoutException`` is left to the caller, which reports it like a local timeout."""
    if (problem := check_syntax(job)) is not None:
        return problem
    response = await client.post(
        remote.query_url, data=_multi(remote, job), headers={"Accept": remote.accept(job)}, timeout=timeout
    )
    if response.status_code >= 400:
        status = 400 if response.status_code in (400, 406) else 502
        detail = " ".join(response.text.split())[:500] or f"HTTP {response.status_code}"
        return Outcome(status, title="Malformed query" if status == 400 else "Remote store failed", detail=detail)
    if (incomplete := incomplete_answer(response)) is not None:
        return incomplete
    body = response.content
    if remote.engine.old_json and response.headers.get("content-type", "").startswith(
        "application/sparql-results+json"
    ):
        body = normalise_json(
            body, exists_variables(job.text) if remote.engine.integer_exists else frozenset(), remote.engine.restored
        )
    return decode(response.headers.get("content-type", ""), body, job, remote.engine.restored)


def incomplete_answer(response: httpx.Response) -> Outcome | None:
    """A 503 for an answer the store cut short, which must never pass for a whole one.

    Virtuoso's "anytime" queries: past ``MaxQueryExecutionTime`` it may send the solutions found so
    far with ``200`` or ``206 Partial Content`` and says so only in ``X-SQL-State`` (``S1TAT``) and
    ``X-SQL-Message``; a client reading the body alone would take one row for the whole answer."""
    state = response.headers.get("x-sql-state")
    if response.status_code != 206 and not state:
        return None
    message = " ".join(response.headers.get("x-sql-message", "").split())[:300]
    reason = f"{state}: {message}" if state and message else state or "206 Partial Content"
    return Outcome(
        503,
        title="Query timeout",
        detail=f"The SPARQL store stopped the query at its own limit and sent an incomplete answer ({reason}); "
        "it is not passed on. Narrow the query, or raise the store's time limit.",
    )


_XSD_BOOLEAN = str(XSD.boolean)
_XSD_INTEGER = str(XSD.integer)
_RESTORED = {str(STORED_DURATION): XSD_DURATION}


def normalise_json(body: bytes, booleans: frozenset[str] = frozenset(), restored: Mapping[str, str] = {}) -> bytes:
    """Virtuoso's SPARQL JSON as SPARQL 1.1 JSON (see the module docstring); the variables *booleans*
    (bound to ``EXISTS`` by the query) get ``xsd:boolean`` for Virtuoso's ``xsd:integer`` 1/0, and each
    IRI in *restored* (as a datatype or a value) the one it stands for (:attr:`Engine.restored`)."""
    document = json.loads(body)
    head = document.get("head", {})
    rows = document.get("results", {}).get("bindings", [])
    if head.get("vars") == ["__ASK_RETVAL"]:
        value = rows[0]["__ASK_RETVAL"]["value"] if rows else "0"
        return json.dumps({"head": {}, "boolean": value in ("1", "true")}).encode()
    for row in rows:
        for name, term in row.items():
            kind = term.get("type")
            if name in booleans and term.get("datatype") == _XSD_INTEGER and term["value"] in ("0", "1"):
                term["datatype"] = _XSD_BOOLEAN
            if term.get("datatype") in restored:
                term["datatype"] = restored[term["datatype"]]
            elif kind == "uri" and term["value"] in restored:
                term["value"] = restored[term["value"]]
            if kind == "typed-literal":
                term["type"] = "literal"
                if term.get("datatype") == _XSD_BOOLEAN and term["value"] in ("0", "1"):
                    term["value"] = "true" if term["value"] == "1" else "false"
            elif kind == "uri" and term["value"].startswith("_:"):
                term["type"], term["value"] = "bnode", term["value"][2:]
            if term.get("type") == "bnode" and term["value"].startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://") :]
            if "lang" in term:
                term["xml:lang"] = term.pop("lang")
    return json.dumps({"head": {"vars": head.get("vars", [])}, "results": {"bindings": rows}}).encode()


def _multi(remote: RemoteStore, job: QueryJob) -> dict[str, Any]:
    """httpx's ``data`` takes lists for repeated parameters (several graph IRIs)."""
    grouped: dict[str, list[str]] = {}
    for key, value in remote.query_params(job):
        grouped.setdefault(key, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in grouped.items()}


def decode(content_type: str, body: bytes, job: QueryJob, restored: Mapping[str, str] = {}) -> Outcome:
    """The remote answer encoded as the local stores would; in triples, each IRI in *restored* (as a
    datatype or a term) becomes the one it stands for (:attr:`Engine.restored`)."""
    media = content_type.split(";")[0].strip().lower()
    try:
        if media in ("application/sparql-results+json", "application/json"):
            result: Any = pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON)
        elif media in ("application/n-triples", "text/plain", "text/turtle"):
            rdf_format = pyoxigraph.RdfFormat.TURTLE if media == "text/turtle" else pyoxigraph.RdfFormat.N_TRIPLES
            result = _triples(body, rdf_format, restored)
        else:
            return Outcome(502, title="Remote store failed", detail=f"unexpected result type {media!r}")
        return _encode(result, job)
    except (SyntaxError, ValueError) as exc:
        return Outcome(502, title="Remote store failed", detail=" ".join(str(exc).split())[:500])


def _triples(
    body: bytes, rdf_format: pyoxigraph.RdfFormat, restored: Mapping[str, str] = {}
) -> Iterator[pyoxigraph.Triple]:
    for quad in pyoxigraph.parse(body, format=rdf_format):
        yield _mapped(quad.triple, restored) if restored else quad.triple


def _mapped(triple: pyoxigraph.Triple, iris: Mapping[str, str], terms: bool = True) -> pyoxigraph.Triple:
    """*triple* with each IRI in *iris* -- a literal's datatype, and if *terms* a term too -- replaced by its
    value there."""
    return pyoxigraph.Triple(
        *(_mapped_term(term, iris, terms) for term in (triple.subject, triple.predicate, triple.object))
    )


def _mapped_term(term: Any, iris: Mapping[str, str], terms: bool) -> Any:
    if isinstance(term, pyoxigraph.Literal) and term.datatype.value in iris:
        return pyoxigraph.Literal(term.value, datatype=pyoxigraph.NamedNode(iris[term.datatype.value]))
    if terms and isinstance(term, pyoxigraph.NamedNode) and term.value in iris:
        return pyoxigraph.NamedNode(iris[term.value])
    return term


def stored_ntriples(engine: Engine, ntriples: bytes) -> bytes:
    """*ntriples* as *engine* must be given them: each ``xsd:duration`` literal as a canonical
    :data:`STORED_DURATION` literal where the engine would keep only its value (the module docstring).

    Only the lines that name ``xsd:duration`` are parsed (an N-Triples triple is one line): parsing and
    writing the whole graph took a quarter of the time of the Almi graph's PUT."""
    marker = f"<{XSD_DURATION}>".encode()
    if not engine.stored_durations or marker not in ntriples:
        return ntriples
    stored = {XSD_DURATION: str(STORED_DURATION)}  # datatypes only: the IRI xsd:duration itself is kept
    parts, done, found = [], 0, ntriples.find(marker)
    while found >= 0:
        start, end = ntriples.rfind(b"\n", 0, found) + 1, ntriples.find(b"\n", found)
        end = len(ntriples) if end < 0 else end
        triples = [
            _mapped(_canonical_durations(quad.triple), stored, terms=False)
            for quad in pyoxigraph.parse(ntriples[start:end], format=pyoxigraph.RdfFormat.N_TRIPLES)
        ]
        parts += [
            ntriples[done:start],
            (pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b"").rstrip(b"\n"),
        ]
        done, found = end, ntriples.find(marker, end)
    return b"".join([*parts, ntriples[done:]])


def _canonical_durations(triple: pyoxigraph.Triple) -> pyoxigraph.Triple:
    """*triple* with a duration object in the form the local stores hold (the service's loads already are)."""
    term = triple.object
    if isinstance(term, pyoxigraph.Literal) and term.datatype.value == XSD_DURATION:
        canonical = canonical_literal(str(term))
        if canonical is not None and canonical.value != term.value:
            return pyoxigraph.Triple(triple.subject, triple.predicate, canonical)
    return triple


def session(remote: RemoteStore, timeout: float = 600) -> httpx.Client:
    """One connection (kept alive) and one authentication for a series of writes: a client per
    request costs a connection and an SSL context each, and Digest authentication a challenge
    round trip each -- at 10,000 graphs, most of a load's time."""
    return httpx.Client(auth=remote.auth, timeout=timeout)


def put_graph(remote: RemoteStore, graph: str, ntriples: bytes, client: httpx.Client | None = None) -> None:
    """Replace one graph (GSP PUT) with *ntriples* in the form the engine keeps (:func:`stored_ntriples`),
    through *client* (see :func:`session`) or a client of its own; raises ``httpx.HTTPError`` on failure."""
    if client is None:
        with session(remote) as client:
            return put_graph(remote, graph, ntriples, client)
    response = client.put(
        remote.gsp_url,
        params={"graph": graph},
        content=stored_ntriples(remote.engine, ntriples),
        headers={"Content-Type": "application/n-triples"},
    )
    response.raise_for_status()


def delete_graph(remote: RemoteStore, graph: str, timeout: float = 600) -> None:
    """Remove one graph (GSP DELETE); a graph that is not there is not an error."""
    response = httpx.delete(remote.gsp_url, params={"graph": graph}, auth=remote.auth, timeout=timeout)
    if response.status_code != 404:
        response.raise_for_status()


def update(remote: RemoteStore, text: str, timeout: float = 60) -> None:
    response = httpx.post(remote.update_url, data={"update": text}, auth=remote.auth, timeout=timeout)
    response.raise_for_status()


def select(remote: RemoteStore, text: str, timeout: float = 60) -> list[dict[str, str]]:
    """Rows of a SELECT as plain strings (for the registry and graph counts)."""
    response = httpx.post(
        remote.query_url, data={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=timeout
    )
    response.raise_for_status()
    document = json.loads(normalise_json(response.content)) if remote.engine.old_json else response.json()
    return [{k: v["value"] for k, v in row.items()} for row in document["results"]["bindings"]]
