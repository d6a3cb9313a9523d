"""A runner for the W3C SPARQL 1.0 and 1.1 query-evaluation and syntax suites over HTTP.

Any SPARQL 1.1 Protocol endpoint can be measured: ``dpv-almi serve`` and, beside it, Oxigraph server
(the engine underneath), so a test the service loses is told apart from one the engine loses.

How a test's dataset reaches the endpoint: every data file of every test is loaded once, as a named
graph called by the file's own IRI (``file:///…/data.ttl``), into one N-Quads file both servers
serve (the service with ``--dataset standard``).  A test then names its dataset with the protocol's
``default-graph-uri`` (its ``qt:data``) and ``named-graph-uri`` (its ``qt:graphData``), or, when the
query has ``FROM``/``FROM NAMED`` of its own, lets the query name it; the query gets ``BASE <its
file>`` first so that relative IRIs (``FROM <data.ttl>``) resolve as the suite means them.  One
load, one server per endpoint, the whole suite in a few minutes.

Results are compared as the suites define: solutions as a multiset (as a sequence when the query
orders them), blank nodes up to a consistent renaming, graphs up to isomorphism.

    python -m tests.support.w3c --write-docs   # regenerate docs/w3c-suites.md from both servers
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

SUITES = Path(__file__).resolve().parents[3] / "shared" / "w3c-sparql-tests"
ROOTS = (
    "sparql10/manifest-evaluation.ttl",
    "sparql10/manifest-syntax.ttl",
    "sparql11/manifest-sparql11-query.ttl",
    "sparql11/csv-tsv-res/manifest.ttl",
    "sparql11/json-res/manifest.ttl",
)
"""Where the query suites start (protocol and service description are tests/web/test_w3c_conformance.py)."""

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")

EVALUATION = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}
POSITIVE = {MF.PositiveSyntaxTest, MF.PositiveSyntaxTest11}
NEGATIVE = {MF.NegativeSyntaxTest, MF.NegativeSyntaxTest11}
EMPTY_GRAPH = "urn:w3c-suite:empty"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class W3CTest:
    """One test of a manifest: its kind (``evaluation``, ``positive``, ``negative``) and files."""

    iri: str
    name: str
    kind: str
    query: Path
    data: tuple[Path, ...] = ()
    graph_data: tuple[tuple[Path, str], ...] = ()
    """(file, graph name): the name is the file's IRI unless the manifest gives one (``rdfs:label``)."""
    result: Path | None = None

    @property
    def id(self) -> str:
        """A short stable id: the test's folder in the suites and its local name."""
        local = re.split(r"[#/]", self.iri)[-1]
        return f"{self.query.parent.relative_to(SUITES).as_posix()}/{local}"


@dataclass
class Outcome:
    passed: bool
    reason: str = ""


def _path(node: Any) -> Path:
    return Path(str(node).removeprefix("file://"))


def load_tests(roots: Sequence[str] = ROOTS) -> list[W3CTest]:
    """Every evaluation and syntax test reachable from *roots* (``mf:include``), withdrawn ones left out."""
    tests: dict[str, W3CTest] = {}
    todo = [SUITES / root for root in roots]
    seen: set[Path] = set()
    while todo:
        manifest = todo.pop(0)
        if manifest in seen or not manifest.is_file():
            continue
        seen.add(manifest)
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for head in graph.objects(None, MF.include):
            todo += [_path(item) for item in Collection(graph, head)]
        for head in graph.objects(None, MF.entries):
            for entry in Collection(graph, head):
                test = _test(graph, entry)
                if test is not None:
                    tests[test.iri] = test
    return sorted(tests.values(), key=lambda t: t.id)


def _test(graph: Graph, entry: Any) -> W3CTest | None:
    kinds = set(graph.objects(entry, RDF.type))
    if (entry, DAWGT.approval, DAWGT.Withdrawn) in graph:
        return None
    name = str(graph.value(entry, MF.name) or entry)
    action = graph.value(entry, MF.action)
    if kinds & (POSITIVE | NEGATIVE):
        kind = "positive" if kinds & POSITIVE else "negative"
        return W3CTest(str(entry), name, kind, _path(action))
    if not kinds & EVALUATION or action is None:
        return None
    query = graph.value(action, QT.query)
    if query is None:
        return None
    result = graph.value(entry, MF.result)
    return W3CTest(
        str(entry),
        name,
        "evaluation",
        _path(query),
        tuple(sorted(_path(d) for d in graph.objects(action, QT.data))),
        tuple(sorted(_named(graph, d) for d in graph.objects(action, QT.graphData))),
        None if result is None else _path(result),
    )


def _named(graph: Graph, node: Any) -> tuple[Path, str]:
    """A ``qt:graphData`` value: a file (named by its IRI) or ``[ qt:graph <file> ; rdfs:label "name" ]``."""
    from rdflib import RDFS

    file = graph.value(node, QT.graph)
    if file is None:
        return _path(node), str(node)
    return _path(file), str(graph.value(node, RDFS.label) or file)


# --- the dataset -----------------------------------------------------------------

_RDF_FORMATS = {
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".n3": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".rdf": pyoxigraph.RdfFormat.RDF_XML,
}


_FROM = re.compile(r"\bFROM\s+(?:NAMED\s+)?<([^>]*)>", re.IGNORECASE)


def named_in_query(test: W3CTest) -> set[Path]:
    """Local files a query names in FROM / FROM NAMED (relative to the query's own folder)."""
    if test.kind != "evaluation":
        return set()
    found = set()
    for iri in _FROM.findall(test.query.read_text(encoding="utf-8")):
        path = _path(iri) if iri.startswith("file:") else (test.query.parent / iri).resolve()
        if ":" not in iri.split("/")[0] or iri.startswith("file:"):
            found.add(path)
    return {p for p in found if p.is_file()}


def write_dataset(tests: Iterable[W3CTest], out: Path) -> set[Path]:
    """Every data file of *tests* (those a query names in FROM too) as a named graph called by its file
    IRI, into one N-Quads file *out*; returns the files that could not be parsed (their tests cannot run)."""
    graphs = sorted(
        {(p, p.as_uri()) for t in tests for p in (*t.data, *named_in_query(t))}
        | {pair for t in tests for pair in t.graph_data}
    )
    bad: set[Path] = set()
    with out.open("wb") as handle:
        for path, name in graphs:
            graph = pyoxigraph.NamedNode(name)
            try:
                triples = list(
                    pyoxigraph.parse(path=path, format=_RDF_FORMATS[path.suffix.lower()], base_iri=path.as_uri())
                )
            except (SyntaxError, ValueError, OSError, KeyError):
                bad.add(path)
                continue
            fresh: dict[str, pyoxigraph.BlankNode] = {}  # a file's blank nodes are its own (an RDF merge)

            def own(term: Any, fresh: dict[str, pyoxigraph.BlankNode] = fresh) -> Any:
                if isinstance(term, pyoxigraph.BlankNode):
                    return fresh.setdefault(term.value, pyoxigraph.BlankNode())
                return term

            quads = [pyoxigraph.Quad(own(t.subject), t.predicate, own(t.object), graph) for t in triples]
            handle.write(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b"")
    return bad


# --- running ---------------------------------------------------------------------


def has_dataset_clause(text: str) -> bool:
    """The query names its own dataset (FROM / FROM NAMED; the service's own lexer tells)."""
    from dpv_almi.sparql import lexer

    return lexer.has_dataset_clause(text)


def request_for(test: W3CTest) -> list[tuple[str, str]]:
    """The form parameters of *test*'s protocol request."""
    text = test.query.read_text(encoding="utf-8")
    if test.kind != "evaluation":  # whether it parses must not depend on what the server holds
        if has_dataset_clause(text):
            return [("query", text)]
        return [("query", text), ("default-graph-uri", EMPTY_GRAPH), ("named-graph-uri", EMPTY_GRAPH)]
    params = [("query", f"BASE <{test.query.as_uri()}>\n{text}")]
    if not has_dataset_clause(text):
        params += [("default-graph-uri", p.as_uri()) for p in test.data] or [("default-graph-uri", EMPTY_GRAPH)]
        params += [("named-graph-uri", name) for _, name in test.graph_data] or [("named-graph-uri", EMPTY_GRAPH)]
    return params


def run_test(client: httpx.Client, endpoint: str, test: W3CTest, bad_data: set[Path]) -> Outcome:
    """Ask *endpoint* and judge the answer; every failure says why in one line."""
    if bad_data & {*test.data, *(path for path, _ in test.graph_data)}:
        return Outcome(False, "its data does not parse")
    accept = ACCEPT
    if test.result is not None and test.result.suffix == ".csv":
        accept = "text/csv"
    elif test.result is not None and test.result.suffix == ".tsv":
        accept = "text/tab-separated-values"
    try:
        form: dict[str, list[str]] = {}
        for name, value in request_for(test):
            form.setdefault(name, []).append(value)
        response = client.post(endpoint, data=form, headers={"Accept": accept})
    except httpx.HTTPError as exc:
        return Outcome(False, f"no answer: {type(exc).__name__}")
    if test.kind == "positive":
        return Outcome(response.status_code == 200, f"HTTP {response.status_code}: {_detail(response)}")
    if test.kind == "negative":
        return Outcome(400 <= response.status_code < 500, f"accepted (HTTP {response.status_code})")
    if response.status_code != 200:
        return Outcome(False, f"HTTP {response.status_code}: {_detail(response)}")
    try:
        return _judge(test, response)
    except Exception as exc:  # noqa: BLE001 - a runner reports any failure to compare as the test's failure
        return Outcome(False, f"cannot compare: {type(exc).__name__}: {' '.join(str(exc).split())[:120]}")


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("detail") or body.get("title") or "")[:160]
    except ValueError:
        return " ".join(response.text.split())[:160]


def _judge(test: W3CTest, response: httpx.Response) -> Outcome:
    assert test.result is not None
    media = response.headers.get("content-type", "").split(";")[0].strip()
    suffix = test.result.suffix.lower()
    if suffix == ".csv":
        ok = _same_rows(_csv_rows(test.result.read_bytes()), _csv_rows(response.content), ordered=False)
        return Outcome(ok, "CSV rows differ")
    ordered = bool(re.search(r"\bORDER\s+BY\b", test.query.read_text(encoding="utf-8"), re.IGNORECASE))
    expected, in_order = _expected(test.result)
    ordered = ordered and in_order
    if isinstance(expected, Graph):
        if media not in ("application/n-triples", "text/plain", "text/turtle"):
            return Outcome(False, f"expected a graph, got {media}")
        actual = Graph().parse(data=response.content.decode(), format="nt" if "turtle" not in media else "turtle")
        return Outcome(isomorphic(expected, actual), f"graphs differ ({len(actual)} triples, {len(expected)} expected)")
    actual_rows = _actual_rows(response.content, media)
    if isinstance(expected, bool) or isinstance(actual_rows, bool):
        return Outcome(expected == actual_rows, f"ASK gave {actual_rows}, expected {expected}")
    ok = _same_rows(expected, actual_rows, ordered)
    return Outcome(ok, f"solutions differ ({len(actual_rows)} rows, {len(expected)} expected)")


Row = tuple[tuple[str, tuple[str, ...]], ...]


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    _XSD + name
    for name in [
        "integer",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
    ]
}


def _canonical(value: str, datatype: str) -> str:
    """The canonical form of a numeric or boolean literal's lexical value (Oxigraph stores literals of
    these types canonically, ``"+1"^^xsd:integer`` as ``"1"``, and so compares its own test suite);
    other values as they are, and a value not valid for its type as it is."""
    from decimal import Decimal, InvalidOperation

    text = value.strip()
    try:
        if datatype in _INTEGERS:
            return str(int(text))
        if datatype == _XSD + "decimal":
            number = Decimal(text)
            return format(number.normalize(), "f") if number == number.to_integral() else str(number.normalize())
        if datatype in (_XSD + "double", _XSD + "float"):
            return repr(float(text.replace("INF", "inf")))
        if datatype == _XSD + "boolean":
            return {"1": "true", "0": "false"}.get(text, text)
    except (ValueError, InvalidOperation):
        return value
    return value


def _literal_key(value: str, language: str | None, datatype: str | None) -> tuple[str, ...]:
    if language:
        return ("l", value, "@" + language.lower())
    datatype = "" if datatype in (None, _XSD_STRING) else datatype
    return ("l", _canonical(value, datatype), datatype)


def _key(term: Any) -> tuple[str, ...]:
    """A term as a comparable tuple; ``("b", label)`` for blank nodes."""
    if isinstance(term, pyoxigraph.NamedNode):
        return ("u", term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return ("b", term.value)
    if isinstance(term, pyoxigraph.Literal):
        return _literal_key(term.value, term.language, term.datatype.value)
    raise TypeError(f"unexpected term {term!r}")


def _rdflib_key(term: Any) -> tuple[str, ...]:
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        return ("b", str(term))
    if isinstance(term, Literal):
        return _literal_key(str(term), term.language, str(term.datatype) if term.datatype else None)
    return ("u", str(term))


def _rows_of(solutions: Any) -> list[Row] | bool:
    if isinstance(solutions, pyoxigraph.QueryBoolean):
        return bool(solutions)
    names = [v.value for v in solutions.variables]
    return [tuple(sorted((n, _key(s[n])) for n in names if s[n] is not None)) for s in solutions]


_RESULT_FORMATS = {
    ".srx": pyoxigraph.QueryResultsFormat.XML,
    ".srj": pyoxigraph.QueryResultsFormat.JSON,
    ".tsv": pyoxigraph.QueryResultsFormat.TSV,
}


def _expected(path: Path) -> tuple[list[Row] | bool | Graph, bool]:
    """The expected answer, and whether it gives an order (a results document does; an ``rs:`` result
    set only with ``rs:index``)."""
    suffix = path.suffix.lower()
    if suffix in _RESULT_FORMATS:
        return _rows_of(pyoxigraph.parse_query_results(path=path, format=_RESULT_FORMATS[suffix])), True
    graph = Graph().parse(path, format={".rdf": "xml", ".nt": "nt"}.get(suffix, "turtle"), publicID=path.as_uri())
    result_set = graph.value(None, RDF.type, RS.ResultSet)
    if result_set is None:
        return graph, False
    boolean = graph.value(result_set, RS.boolean)
    if boolean is not None:
        return bool(boolean.toPython()), False
    solutions = list(graph.objects(result_set, RS.solution))
    indexed = [(graph.value(s, RS.index), s) for s in solutions]
    in_order = bool(indexed) and all(i is not None for i, _ in indexed)
    if in_order:
        solutions = [s for _, s in sorted(indexed, key=lambda pair: int(pair[0]))]
    rows: list[Row] = []
    for solution in solutions:
        cells = [
            (str(graph.value(b, RS.variable)), _rdflib_key(graph.value(b, RS.value)))
            for b in graph.objects(solution, RS.binding)
        ]
        rows.append(tuple(sorted(cells)))
    return rows, in_order


def _actual_rows(body: bytes, media: str) -> list[Row] | bool:
    formats = {
        "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
        "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
        "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
    }
    if media not in formats:
        raise ValueError(f"results in {media!r}")
    if media == "application/sparql-results+json":
        document = json.loads(body)
        document.pop("truncated", None), document.pop("warning", None)
        body = json.dumps(document).encode()
    return _rows_of(pyoxigraph.parse_query_results(body, format=formats[media]))


def _csv_rows(body: bytes) -> list[Row]:
    """CSV rows as rows of plain strings (CSV keeps no types); ``_:`` values are blank nodes."""
    reader = csv.reader(io.StringIO(body.decode("utf-8")))
    header = next(reader, [])
    rows: list[Row] = []
    for record in reader:
        cells = []
        for name, value in zip(header, record, strict=False):
            if value != "":
                cells.append((name, ("b", value[2:]) if value.startswith("_:") else ("v", value)))
        rows.append(tuple(sorted(cells)))
    return rows


def _same_rows(expected: list[Row], actual: list[Row], ordered: bool) -> bool:
    """Equal as multisets (as sequences when *ordered*), blank nodes up to one consistent renaming."""
    if len(expected) != len(actual):
        return False
    has_blank = any(term[0] == "b" for row in (*expected, *actual) for _, term in row)
    if not has_blank:
        return expected == actual if ordered else Counter(expected) == Counter(actual)
    return _match(list(expected), list(actual), 0, {}, {}, ordered)


def _bind(row: Row, other: Row, forward: dict[str, str], backward: dict[str, str]) -> tuple[dict, dict] | None:
    if [n for n, _ in row] != [n for n, _ in other]:
        return None
    forward, backward = dict(forward), dict(backward)
    for (_, a), (_, b) in zip(row, other, strict=True):
        if a[0] == "b" and b[0] == "b":
            if forward.setdefault(a[1], b[1]) != b[1] or backward.setdefault(b[1], a[1]) != a[1]:
                return None
        elif a != b:
            return None
    return forward, backward


def _match(
    expected: list[Row], actual: list[Row], at: int, forward: dict[str, str], backward: dict[str, str], ordered: bool
) -> bool:
    if at == len(expected):
        return True
    candidates = [at] if ordered else range(len(actual))
    for index in candidates:
        other = actual[index]
        if other is None:  # type: ignore[comparison-overlap]
            continue
        bound = _bind(expected[at], other, forward, backward)
        if bound is None:
            continue
        if not ordered:
            actual[index] = None  # type: ignore[call-overload]
        if _match(expected, actual, at + 1, *bound, ordered):
            return True
        if not ordered:
            actual[index] = other
    return False


# --- servers and the whole run -----------------------------------------------------


@dataclass
class Results:
    """Outcomes of one endpoint, by test id."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def passed(self) -> set[str]:
        return {name for name, outcome in self.outcomes.items() if outcome.passed}


def run_all(endpoint: str, tests: Sequence[W3CTest], bad_data: set[Path], threads: int = 4) -> Results:
    """Every test against *endpoint*, *threads* at a time."""
    results = Results()
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(threads) as pool:
        outcomes = pool.map(lambda t: run_test(client, endpoint, t, bad_data), tests)
        for test, outcome in zip(tests, outcomes, strict=True):
            results.outcomes[test.id] = outcome
    return results


@contextmanager
def oxigraph_server(dataset: Path, log_dir: Path) -> Iterator[str]:
    """``oxigraph serve`` in memory holding *dataset*; yields its query endpoint."""
    from tests.support.local_service import free_port, stop_process

    program = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(program).exists():
        raise FileNotFoundError("the Oxigraph server (PyPI package oxigraph) is not installed")
    port = free_port()
    with (log_dir / "oxigraph.log").open("wb") as log:
        process = subprocess.Popen(
            [program, "serve", "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        response = httpx.post(
            f"{base}/store",
            content=dataset.read_bytes(),
            headers={"Content-Type": "application/n-quads"},
            timeout=120,
        )
        response.raise_for_status()
        yield f"{base}/query"
    finally:
        stop_process(process)


@contextmanager
def service(dataset: Path, log_dir: Path, layout: str = "standard") -> Iterator[str]:
    """``dpv-almi serve --dataset LAYOUT`` holding *dataset*; yields its SPARQL endpoint.  The runner
    names every test's dataset, so the policy layout (registry, merged default graph) must answer alike."""
    from tests.support.local_service import running_service

    args = ["--dataset", layout, "--data", str(dataset), "--workers", "2", "--query-timeout", "20"]
    with running_service(log_dir, args, env={"DPV_ALMI_RESULT_CACHE": "0"}) as running:
        yield f"{running.url}/sparql"


# --- the documented table -----------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "w3c-suites.md"
_ROW = re.compile(r"^\| `([^`]+)` \|")


def documented_failures(path: Path = DOCS) -> set[str]:
    """The test ids listed as failing in the docs' table (rows ``| `id` | …``)."""
    if not path.is_file():
        return set()
    return {m.group(1) for line in path.read_text().splitlines() if (m := _ROW.match(line))}


KNOWN_CAUSES: dict[str, str] = {
    "sparql10/distinct/distinct-": "Oxigraph stores numbers canonically: `01.0` and `1.0` become one term",
    "sparql10/expr-builtin/sameTerm-": "Oxigraph stores numbers canonically (sameTerm of `1` and `01` is true)",
    "sparql10/expr-builtin/dawg-str-": "Oxigraph stores numbers canonically: STR gives `1`, not the file's `1.0`",
    "sparql10/expr-equals/eq-graph-": "Oxigraph stores numbers canonically, so two terms the test keeps apart are one",
    "sparql10/open-world/": "Oxigraph stores numbers and dates canonically (open-world equality of unknown forms)",
    "sparql10/reduced/reduced-": "Oxigraph stores numbers canonically; REDUCED then removes more than the test expects",
    "sparql10/expr-builtin/case-insensitive-booleans": "Oxigraph's parser takes `true`/`false` in lower case only",
    "sparql10/syntax-sparql3/syn-bad-26": "Oxigraph's parser accepts this invalid query",
    "sparql10/syntax-sparql1/syntax-expr-05": "calls an extension function Oxigraph does not have: 400 Unsupported query",
    "sparql10/syntax-sparql1/syntax-order-0": "calls an extension function Oxigraph does not have: 400 Unsupported query",
    "sparql10/syntax-sparql2/syntax-function-0": "calls an extension function Oxigraph does not have: 400 Unsupported "
    "query",
    "sparql11/syntax-query/test_4": "calls an extension function Oxigraph does not have: 400 Unsupported query",
    "sparql11/property-path/zero_or_": "the runner names an empty file as the default graph; Oxigraph answers a zero-length "
    "path over a graph absent from the store with nothing",
    "sparql10/graph/graph-": "Oxigraph binds the GRAPH variable inside its pattern (variable scope)",
    "sparql11/negation/graph-minus": "Oxigraph shares the GRAPH variable with the MINUS side",
    "sparql11/bindings/graph": "Oxigraph joins VALUES inside GRAPH with the graph variable early",
    "sparql11/aggregates/agg-empty-group-count-graph": "Oxigraph gives no group for a graph with no match",
}
"""Why a test fails on Oxigraph server too, as far as read (test id prefix -> cause); others say only
what differed."""


def known_cause(name: str) -> str:
    return next((cause for prefix, cause in KNOWN_CAUSES.items() if name.startswith(prefix)), "")


def markdown(tests: Sequence[W3CTest], ours: Results, oxigraph: Results) -> str:
    """The docs page: counts by kind and suite, and each test the service fails with its cause."""
    by_kind = Counter(t.kind for t in tests)
    lines = [
        "# The W3C SPARQL query suites",
        "",
        "Generated by `python -m tests.support.w3c --write-docs`; `tests/w3c/test_w3c_suites.py` runs the",
        "same suites in `make test` and fails when a test that Oxigraph server passes fails through the",
        "service, or when this table is out of date.",
        "",
        "Data: `../shared/w3c-sparql-tests` (W3C rdf-tests; SPARQL 1.0 evaluation and syntax, SPARQL 1.1",
        "query evaluation, syntax, CSV/TSV and JSON results; withdrawn tests left out). Each test's data is",
        "named as its dataset through the protocol (`default-graph-uri` / `named-graph-uri`), the service",
        "running with `--dataset standard` (see `tests/support/w3c.py` for how the runner works).",
        "",
        "| tests | count | pass through dpv-almi | pass on Oxigraph server |",
        "|---|---:|---:|---:|",
    ]
    for kind in ("evaluation", "positive", "negative"):
        names = {t.id for t in tests if t.kind == kind}
        lines.append(
            f"| {kind} {'syntax' if kind != 'evaluation' else ''} | {by_kind[kind]} | "
            f"{len(names & ours.passed)} | {len(names & oxigraph.passed)} |".replace("  |", " |")
        )
    lines.append(f"| **all** | {len(tests)} | **{len(ours.passed)}** | {len(oxigraph.passed)} |")
    lost = sorted(oxigraph.passed - ours.passed)
    lines += [
        "",
        f"Tests Oxigraph server passes and the service fails: **{len(lost)}**.",
        "",
        "## Tests the service does not pass, and why",
        "",
        "| test | kind | Oxigraph server | cause |",
        "|---|---|---|---|",
    ]
    kinds = {t.id: t.kind for t in tests}
    for name in sorted(set(ours.outcomes) - ours.passed):
        engine = "passes" if name in oxigraph.passed else "fails too"
        observed = ours.outcomes[name].reason
        cause = (f"{known_cause(name)} ({observed})" if known_cause(name) else observed).replace("|", "\\|")
        lines.append(f"| `{name}` | {kinds[name]} | {engine} | {cause} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS.relative_to(DOCS.parents[1])}")
    args = parser.parse_args(argv)
    import tempfile

    tests = load_tests()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        dataset = work / "w3c.nq"
        bad = write_dataset(tests, dataset)
        with service(dataset, work) as endpoint:
            ours = run_all(endpoint, tests, bad)
        with oxigraph_server(dataset, work) as endpoint:
            theirs = run_all(endpoint, tests, bad)
    page = markdown(tests, ours, theirs)
    if args.write_docs:
        DOCS.write_text(page)
    print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
