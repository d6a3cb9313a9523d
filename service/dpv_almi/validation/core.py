"""SHACL validation of DPV notices: the library core behind ``dpv-almi validate`` and the service.

:func:`validate` loads the data (files or a graph) and the vocabularies it is read with (the
packaged DPV 2.3 index, the project's ``vocab.ttl`` and any ``vocab`` files a user adds), gives
the engine the data plus the vocabulary facts above every term the data uses (``sh:class`` and
``skos:broader*`` need the ``rdf:type`` and hierarchy facts of DPV concepts:
:mod:`dpv_almi.validation.vocabularies`), runs a SHACL engine and returns a :class:`Report` that
does not depend on the engine: typed results about the data (never about a vocabulary), messages
in the chosen language taken from the shapes themselves, IRIs written with the input's own
prefixes, file and line of each focus node where the input is Turtle, sorted deterministically.

Engines (chosen by measurement, see ``bench/validate_bench.py``): ``turbo`` (pyshacl-turbo, a Rust
engine with SHACL Core and SHACL-SPARQL) is the default; ``pyshacl`` stays available as the
reference implementation.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from dpv_almi import resources
from dpv_almi.errors import InputError
from dpv_almi.loading import RdfLoadError, expand_paths, parse_rdf
from dpv_almi.namespaces import DPV, DPVA, DPVS, bind_prefixes
from dpv_almi.validation.positions import Position, file_positions
from dpv_almi.validation.turbo import ReportTriples
from dpv_almi.validation.vocabularies import TERM_STATUS, Vocabulary, dpv_index, graph_nodes, is_dpv_iri

PathLike = str | os.PathLike[str]
LANGUAGES = ("en", "sv")
Triple = tuple[Node, Node, Node]


class Severity(enum.IntEnum):
    """SHACL severities, ordered so that ``>=`` means "at least as severe"."""

    INFO = 1
    WARNING = 2
    VIOLATION = 3

    @classmethod
    def from_iri(cls, iri: Node | None) -> Severity:
        """Map ``sh:Info``/``sh:Warning``/``sh:Violation``; anything else counts as a Violation (SHACL's default)."""
        if iri == SH.Info:
            return cls.INFO
        return cls.WARNING if iri == SH.Warning else cls.VIOLATION

    @classmethod
    def parse(cls, name: str) -> Severity:
        """``"violation"``, ``"warning"`` or ``"info"`` (any case)."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r} (expected violation, warning or info)") from None

    @property
    def iri(self) -> URIRef:
        return {Severity.INFO: SH.Info, Severity.WARNING: SH.Warning, Severity.VIOLATION: SH.Violation}[self]

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class SourceLocation:
    """Where the focus node is written: a data file and, for Turtle, the line and column."""

    path: Path
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Rule:
    """A shape that produced results: its id (the IRI's local name), label and why it exists."""

    id: str
    iri: str
    label: str
    description: str


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, engine-independent; terms are rdflib terms, ``*_text`` their short forms."""

    severity: Severity
    rule: Rule
    constraint: str
    focus_node: Node
    focus_text: str
    message: str
    path: Node | None = None
    path_text: str | None = None
    path_triples: tuple[Triple, ...] = ()
    value: Node | None = None
    value_text: str | None = None
    location: SourceLocation | None = None

    def sort_key(self) -> tuple[object, ...]:
        loc = self.location
        return (
            -self.severity,
            str(loc.path) if loc else "\uffff",
            (loc.line or 0) if loc else 0,
            self.rule.id,
            self.focus_text,
            self.path_text or "",
            self.value_text or "",
            self.message,
        )


@dataclass(frozen=True)
class Report:
    """The outcome of one validation: results sorted by severity, file, line, rule, focus node."""

    results: tuple[ValidationResult, ...]
    engine: str
    lang: str
    data_files: tuple[Path, ...] = ()
    shapes_files: tuple[Path, ...] = ()
    rules: Mapping[str, Rule] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def failures(self, fail_on: Severity = Severity.VIOLATION) -> tuple[ValidationResult, ...]:
        """The results at or above *fail_on*."""
        return tuple(r for r in self.results if r.severity >= fail_on)

    def conforms(self, fail_on: Severity = Severity.VIOLATION) -> bool:
        """True when no result is at or above *fail_on*."""
        return not self.failures(fail_on)


class ShapesError(InputError, ValueError):
    """The shapes could not be used (none found, or the engine rejected them)."""


# ---- loading ---------------------------------------------------------------------------------


def default_shapes_files() -> list[Path]:
    """The packaged shapes, sorted."""
    return sorted(resources.shapes_dir().glob("*.ttl"))


def vocabulary_files() -> list[Path]:
    """The project's own terms (``ontology/vocab.ttl``): a vocabulary of every validation, as DPV is."""
    path = resources.ontology_dir() / "vocab.ttl"
    return [path] if path.is_file() else []


def _packaged_vocabularies() -> set[Path]:
    """Packaged files that are vocabulary, not a notice, wherever they are given (``ontology/`` holds them)."""
    return {path.resolve() for path in (*vocabulary_files(), resources.concepts_path())}


@functools.lru_cache(maxsize=32)
def _parse_cached(path: Path, mtime_ns: int, size: int) -> Graph:
    """Parse a file once per content version: the service and the tests validate many times."""
    return parse_rdf(path)


def _parse(path: Path) -> Graph:
    try:
        stat = path.stat()
    except OSError:
        return parse_rdf(path)  # raises the usual RdfLoadError
    return _parse_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


def _load(paths: Iterable[PathLike]) -> tuple[Graph, list[Path]]:
    files = expand_paths(paths)
    graph = bind_prefixes(Graph())
    for path in files:
        graph += _parse(path)
    return graph, files


def load_shapes(shapes: Iterable[PathLike] | Graph | None = None) -> tuple[Graph, list[Path]]:
    """The shapes graph and the files it came from (the packaged shapes by default)."""
    if isinstance(shapes, Graph):
        return shapes, []
    graph, files = _load(default_shapes_files() if shapes is None else shapes)
    if not files:
        raise ShapesError("no shapes files given")
    return graph, files


@dataclass(frozen=True)
class DataGraphs:
    """What one validation reads: the input graphs, the vocabulary, and the vocabulary facts the input needs."""

    inputs: tuple[Graph, ...]
    files: tuple[Path, ...]
    vocabulary: Vocabulary
    closure: Graph

    @property
    def graphs(self) -> EngineGraphs:
        """The engine's data graphs: their union is the data graph; the closure is the vocabulary."""
        return EngineGraphs([*self.inputs, self.closure], shared=1)

    def about_the_data(self, node: Node) -> bool:
        """True when a result about *node* concerns the input, not a vocabulary.

        A node the input describes (as a subject) is the input's; a node it only mentions is the
        input's unless a vocabulary describes it (``--vocab`` terms are not validated; DPV's own
        concepts, used as values, are)."""
        if any((node, None, None) in graph for graph in self.inputs):
            return True
        if not any((None, None, node) in graph or (None, node, None) in graph for graph in self.inputs):
            return False
        return not any((node, None, None) in graph for graph in self.vocabulary.graphs)


def data_graphs(data: Iterable[PathLike] | Graph, vocab: Iterable[PathLike] = ()) -> DataGraphs:
    """The input graphs (never copied) and what they are read with.

    The union of :attr:`DataGraphs.graphs` is the data graph (:func:`build_data_graph`); an
    engine that can read several graphs at once skips building it (at 1,000 synthetic
    organisations the copy alone took 4 s).  A packaged vocabulary file given as input
    (``ontology/`` holds the project vocabulary) is read as a vocabulary.
    """
    vocabulary_paths = [*vocabulary_files(), *expand_paths(vocab)]
    files: list[Path] = []
    if isinstance(data, Graph):
        inputs = [data]
    else:
        packaged = _packaged_vocabularies()
        for path in expand_paths(data):
            if path.resolve() not in packaged:
                files.append(path)
            # else: the project vocabulary is read already; dpv-concepts.ttl is a slice of the DPV index
        inputs = [_parse(path) for path in files]
    vocabulary = Vocabulary([_parse(path) for path in vocabulary_paths])
    closure = vocabulary.closure(inputs)
    closure += process_types([*inputs, closure])
    return DataGraphs(tuple(inputs), tuple(files), vocabulary, closure)


def process_types(graphs: Sequence[Graph]) -> Graph:
    """``rdf:type dpv:Process`` for the instances of its sub-classes (RDFS rule rdfs9, for this one class).

    The shapes' ``dpvs:ProcessOfNotice`` target asks for ``?this a dpv:Process`` only: following
    ``rdfs:subClassOf*`` in the target query made validation 40% slower (bench/validate_bench.py), and
    DPV 2.3 has no sub-class of ``dpv:Process``, so a user's own sub-class (or ``dpva:OtherProcessingArea``)
    is the only case. Stated here, as RDFS inference would state it, like the vocabulary facts above."""
    subclasses: set[Node] = set()
    todo: list[Node] = [DPV.Process]
    while todo:
        cls = todo.pop()
        for graph in graphs:
            for sub in graph.subjects(RDFS.subClassOf, cls):
                if sub not in subclasses and sub != DPV.Process:
                    subclasses.add(sub)
                    todo.append(sub)
    out = Graph()
    for cls in subclasses:
        for graph in graphs:
            for instance in graph.subjects(RDF.type, cls):
                out.add((instance, RDF.type, DPV.Process))
    return out


def _union(graphs: Iterable[Graph]) -> Graph:
    graph = bind_prefixes(Graph())
    for part in graphs:
        graph += part
    return graph


def build_data_graph(data: Iterable[PathLike] | Graph, vocab: Iterable[PathLike] = ()) -> tuple[Graph, list[Path]]:
    """The graph to validate (input plus the vocabulary facts it needs) and the input files.

    The input graph is copied, never changed.  Adding vocabulary facts is safe: they are DPV's
    own (or the user's vocabulary's) types and hierarchy, which a notice cannot contradict.
    """
    graphs = data_graphs(data, vocab)
    return _union(graphs.graphs), list(graphs.files)


# ---- engines ---------------------------------------------------------------------------------

ReportGraph = Any
"""A SHACL validation report: an rdflib graph, or anything answering the same graph questions
(:class:`dpv_almi.validation.turbo.ReportTriples`); an engine failure is returned, not raised."""

ADVANCED = True
"""SHACL Advanced Features on, in every engine: the shapes target a notice's own activities with a SPARQL
target type (``dpvs:ProcessOfNotice``, shapes/structure.ttl), which SHACL Core cannot express."""

Engine = Callable[[Sequence[Graph], Graph], ReportGraph | list[ReportGraph]]
"""Run SHACL: (data graphs, whose union is the data graph; shapes graph) -> SHACL validation report
graph, or one per part where the engine validated the data in parts (their results together are
the data graph's, a result about a shared node possibly given by several)."""


def _run_pyshacl(data: Sequence[Graph], shapes: Graph) -> Graph:
    import pyshacl

    _, report, _ = pyshacl.validate(
        _union(data), shacl_graph=shapes, inference="none", advanced=ADVANCED, allow_warnings=True
    )
    return cast(Graph, report)


class EngineGraphs(list[Graph]):
    """The engine's data graphs (their union is the data graph), the last *shared* of which are the
    vocabulary closure: an engine that splits the data (:mod:`.split`) gives those to every part."""

    def __init__(self, graphs: Iterable[Graph], shared: int = 0) -> None:
        super().__init__(graphs)
        self.shared = shared


TermRecord = tuple[int, str, str | None, str | None]
Row = tuple[int, int, int, None]


@dataclass
class _Encoded:
    """Graphs in pyshacl-turbo's transfer encoding: one table of terms, one row of term ids per triple."""

    records: list[TermRecord]
    index: dict[Node, int]
    blank_nodes: dict[str, BNode]
    rows: list[list[Row]]  # per graph


def _encode(graphs: Sequence[Graph]) -> _Encoded:
    """*graphs* in pyshacl-turbo's own transfer encoding, without an rdflib copy.

    This is what pyshacl-turbo builds from one rdflib graph (``rdf._term_input``: a table of
    terms and one index row per triple); built here from several graphs, it replaces merging them
    into a new rdflib graph first, which costs four times as much as this loop.  The engine's
    dataset is a set, so a triple in two graphs counts once, as in the merged graph.  The
    encoding is internal to pyshacl-turbo (checked with 0.6.5); if it changes, the caller falls
    back to the merged graph (``test_turbo_reads_the_graphs_without_a_copy`` notices).
    """
    records: list[TermRecord] = []
    index: dict[Node, int] = {}
    blank_nodes: dict[str, BNode] = {}

    def intern(term: Node) -> int:
        record: TermRecord
        if isinstance(term, URIRef):
            record = (0, str(term), None, None)
        elif isinstance(term, BNode):
            blank_nodes[str(term)] = term
            record = (1, str(term), None, None)
        elif isinstance(term, Literal):
            datatype = str(term.datatype) if term.datatype is not None and not term.language else None
            record = (2, str(term), datatype, term.language)
        else:
            raise TypeError(f"not an RDF term: {term!r}")
        index[term] = position = len(records)
        records.append(record)
        return position

    get = index.get
    per_graph: list[list[Row]] = []
    for graph in graphs:
        rows: list[Row] = []
        append = rows.append
        spo = _subject_index(graph)
        if spo is not None:  # the same triples, read from the store's index: a third of the time
            for s, by_predicate in spo.items():
                i = get(s)
                if i is None:
                    i = intern(s)
                for p, objects in by_predicate.items():
                    j = get(p)
                    if j is None:
                        j = intern(p)
                    for o in objects:
                        k = get(o)
                        if k is None:
                            k = intern(o)
                        append((i, j, k, None))
        else:
            for s, p, o in graph:
                i = get(s)
                if i is None:
                    i = intern(s)
                j = get(p)
                if j is None:
                    j = intern(p)
                k = get(o)
                if k is None:
                    k = intern(o)
                append((i, j, k, None))
        per_graph.append(rows)
    return _Encoded(records, index, blank_nodes, per_graph)


def _subject_index(graph: Graph) -> Mapping[Node, Mapping[Node, Iterable[Node]]] | None:
    """The subject -> predicate -> objects index of *graph*'s rdflib memory store, when the store holds
    this graph alone (a graph of a dataset shares its store), else None.  The index is internal to
    rdflib (checked with 7.x); iterating the graph gives the same triples, three times slower."""
    from rdflib.plugins.stores.memory import Memory

    store = graph.store
    if type(store) is not Memory or type(graph) is not Graph:
        return None
    spo = getattr(store, "_Memory__spo", None)
    if not isinstance(spo, dict) or store.__len__() != len(graph):
        return None
    return spo


def _input(records: list[TermRecord], rows: list[Row], blank_nodes: dict[str, BNode]) -> object:
    """A pyshacl-turbo input from encoded rows (an ImportError means pyshacl-turbo has no such input)."""
    from pyshacl_turbo.rdf import Input

    namespaces = dict(bind_prefixes(Graph()).namespaces())  # what the merged graph would carry
    return Input((records, rows), "terms", None, blank_nodes, namespaces)


def _turbo_input(graphs: Sequence[Graph]) -> object:
    """The union of *graphs* as one pyshacl-turbo input (:func:`_encode`)."""
    encoded = _encode(graphs)
    return _input(encoded.records, [row for rows in encoded.rows for row in rows], encoded.blank_nodes)


def _part_input(encoded: _Encoded, rows: Iterable[Row]) -> object:
    """One part of the data as its own pyshacl-turbo input: only the terms its rows use."""
    old = encoded.records
    local: dict[int, int] = {}
    table: list[TermRecord] = []
    out: list[Row] = []
    get = local.get
    for s, p, o, _ in rows:
        i = get(s)
        if i is None:
            i = local[s] = len(table)
            table.append(old[s])
        j = get(p)
        if j is None:
            j = local[p] = len(table)
            table.append(old[p])
        k = get(o)
        if k is None:
            k = local[o] = len(table)
            table.append(old[o])
        out.append((i, j, k, None))
    return _input(table, out, encoded.blank_nodes)


def _turbo_parts(data: Sequence[Graph], shapes: Graph) -> list[object]:
    """The data as pyshacl-turbo inputs: several that validate independently where the data is
    large and the shapes allow (:mod:`.split`), else the whole of it as one."""
    from dpv_almi.validation import split

    encoded = _encode(data)
    shared = getattr(data, "shared", 0)
    own = len(data) - shared
    if SPLIT and shared > 0 and own > 0 and sum(len(rows) for rows in encoded.rows[:own]) >= 2 * split.PART_TRIPLES:
        plan = split.plan(shapes)
        if plan is not None:
            inputs = [row for rows in encoded.rows[:own] for row in rows]
            vocabulary = [row for rows in encoded.rows[own:] for row in rows]
            parts = split.parts(inputs, vocabulary, encoded.index, plan)
            if parts is not None and len(parts) > 1:
                return [_part_input(encoded, part) for part in parts]
    return [_input(encoded.records, [row for rows in encoded.rows for row in rows], encoded.blank_nodes)]


def _run_turbo(data: Sequence[Graph], shapes: Graph) -> ReportGraph | list[ReportGraph]:
    """pyshacl-turbo, its result records read directly (:mod:`.turbo`) when its internals allow;
    large data split into parts (:mod:`.split`) when the shapes allow, one report per part."""
    from dpv_almi.validation import turbo

    try:
        if not (turbo.AVAILABLE and FAST_REPORT):
            return _run_turbo_graph(_turbo_input(data), shapes)
        sources = _turbo_parts(data, shapes)
    except ImportError:  # a pyshacl-turbo without the encoding: merge, as before
        return _run_turbo_graph(_union(data), shapes)
    if len(sources) == 1:
        return turbo.run(sources[0], shapes, advanced=ADVANCED)  # type: ignore[arg-type]  # _turbo_parts' encoded input
    program = turbo.compiled(shapes, advanced=ADVANCED)
    if isinstance(program, Exception):
        return program
    reports = [turbo.run(source, shapes, program, advanced=ADVANCED) for source in sources]  # type: ignore[arg-type]  # encoded inputs
    failure = next((report for report in reports if isinstance(report, Exception)), None)
    return failure if failure is not None else reports


def _run_turbo_graph(source: object, shapes: Graph) -> Graph:
    """pyshacl-turbo's public call: the report decoded into an rdflib graph."""
    import pyshacl_turbo

    _, report, _ = pyshacl_turbo.validate(
        source, shacl_graph=shapes, inference="none", advanced=ADVANCED, allow_warnings=True
    )
    return cast(Graph, report)


FAST_REPORT = True
"""Read pyshacl-turbo's results without building its rdflib report graph (tests switch it off to compare)."""

SPLIT = True
"""Validate large data in independent parts where the shapes allow (:mod:`.split`; tests switch it off to compare)."""


ENGINES: dict[str, Engine] = {"turbo": _run_turbo, "pyshacl": _run_pyshacl}
DEFAULT_ENGINE = "turbo"


# ---- reading the report ----------------------------------------------------------------------


def local_name(iri: Node) -> str:
    """The part of an IRI after its last ``#`` or ``/``."""
    return re.split(r"[#/]", str(iri))[-1]


def term_text(graph: Graph, term: Node | None) -> str:
    """A short, stable rendering: prefixed name, <IRI>, literal or ``[]`` for a blank node."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term) if not str(term).startswith("file:") else f"<{term}>"
        except Exception:  # rdflib raises on IRIs it cannot split  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
            return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3(graph.namespace_manager)
    return "[]"


def path_text(graph: Graph, path: Node | None) -> str | None:
    """A SHACL property path as SPARQL-like text: ``a/b``, ``(a|b)``, ``a*``, ``^a``."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return term_text(graph, path)
    if (path, RDF.first, None) in graph:
        return "/".join(path_text(graph, p) or "?" for p in Collection(graph, path))
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({path_text(graph, inner)}){suffix}"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{path_text(graph, inverse)}"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) or "?" for p in Collection(graph, alternatives)) + ")"
    return "?"


def _bounded_description(graph: Graph, node: Node) -> tuple[Triple, ...]:
    """All triples reachable from a blank node through blank nodes (a complex path's structure)."""
    if not isinstance(node, BNode):
        return ()
    seen, todo, out = {node}, [node], []
    while todo:
        for s, p, o in graph.triples((todo.pop(), None, None)):
            out.append((s, p, o))
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    return tuple(sorted(out))


def pick_language(literals: Iterable[Node], lang: str) -> str | None:
    """The literal in *lang*, else English, else one without a tag, else any (sorted for stability)."""
    texts = sorted((lit for lit in literals if isinstance(lit, Literal)), key=lambda lit: (str(lit.language), str(lit)))
    for wanted in (lang, "en", None):
        for literal in texts:
            if literal.language == wanted:
                return str(literal)
    return str(texts[0]) if texts else None


_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


class _ReportReader:
    """Turns an engine's report graph into :class:`ValidationResult` objects.

    A large report repeats a few shapes, paths and terms thousands of times: each result node is
    read in one pass and everything derived from the shapes is computed once per reader.
    """

    def __init__(
        self,
        report: ReportGraph,
        shapes: Graph,
        data: Graph,
        lang: str,
        locate: Callable[[Node], SourceLocation | None],
    ) -> None:
        self.report, self.shapes, self.data, self.lang, self.locate = report, shapes, data, lang, locate
        self.rules: dict[str, Rule] = {}
        self._rules: dict[tuple[Node | None, str], Rule] = {}
        self._templates: dict[tuple[Node | None, Node | None], str | None] = {}
        self._terms: dict[Node, str] = {}
        self._paths: dict[tuple[bool, Node], tuple[str | None, tuple[Triple, ...]]] = {}

    def rule(self, shape: Node | None, constraint: str) -> Rule:
        rule = self._rules.get((shape, constraint))
        if rule is None:
            if isinstance(shape, URIRef):
                rule_id, iri = local_name(shape), str(shape)
            else:  # an anonymous shape of a user's shapes file: name it by its constraint
                rule_id, iri = constraint, ""
            label = pick_language(self.shapes.objects(shape, RDFS.label), self.lang) if shape is not None else None
            comment = pick_language(self.shapes.objects(shape, RDFS.comment), self.lang) if shape is not None else None
            rule = self._rules[(shape, constraint)] = Rule(rule_id, iri, label or rule_id, comment or label or rule_id)
        return self.rules.setdefault(rule.id, rule)

    def template(self, constraint_node: Node | None, shape: Node | None) -> str | None:
        """The shapes' own message (language-tagged, identical for every engine), if any."""
        key = (constraint_node, shape)
        if key not in self._templates:
            candidates: list[Node] = []
            for owner in key:
                if owner is not None and not candidates:
                    candidates = list(self.shapes.objects(owner, SH.message))
            self._templates[key] = pick_language(candidates, self.lang) if candidates else None
        return self._templates[key]

    def message(
        self,
        node: Node,
        shape: Node | None,
        bindings: Mapping[str, str],
        constraint_node: Node | None = None,
        engine_messages: Iterable[Node] | None = None,
    ) -> str:
        # The shapes' own messages first; then the engine's.
        text = self.template(constraint_node, shape)
        if text is None:
            messages = self.report.objects(node, SH.resultMessage) if engine_messages is None else engine_messages
            text = pick_language(messages, self.lang) or "constraint not met"
        return _TEMPLATE.sub(lambda m: bindings.get(m.group(1), m.group(0)), text)

    def term(self, term: Node) -> str:
        text = self._terms.get(term)
        if text is None:
            text = self._terms[term] = term_text(self.data, term)
        return text

    def path(self, path: Node) -> tuple[str | None, tuple[Triple, ...]]:
        """Text and structure of a result path, from the report if it copies the path, else the shapes."""
        in_report = (path, None, None) in self.report
        key = (in_report, path)
        if key not in self._paths:
            graph = self.report if in_report else self.shapes
            self._paths[key] = (path_text(graph, path), _bounded_description(graph, path))
        return self._paths[key]

    def results(self) -> list[ValidationResult]:
        out: dict[tuple[object, ...], ValidationResult] = {}
        for report_node in self.report.subjects(RDF.type, SH.ValidationReport):
            for node in self.report.objects(report_node, SH.result):
                result = self.result(node)
                out.setdefault(result.sort_key(), result)
        return sorted(out.values(), key=ValidationResult.sort_key)

    def result(self, node: Node) -> ValidationResult:
        fields: dict[Node, Node] = {}
        engine_messages: list[Node] = []
        for predicate, obj in self.report.predicate_objects(node):
            if predicate == SH.resultMessage:
                engine_messages.append(obj)
            else:
                fields.setdefault(predicate, obj)
        focus = fields.get(SH.focusNode)
        path = fields.get(SH.resultPath)
        value = fields.get(SH.value)
        shape = fields.get(SH.sourceShape)
        component = fields.get(SH.sourceConstraintComponent)
        constraint = (
            local_name(component).removesuffix("ConstraintComponent") if component is not None else "Constraint"
        )
        focus_text = self.term(focus) if focus is not None else ""
        p_text, p_triples = self.path(path) if path is not None else (None, ())
        v_text = self.term(value) if value is not None else None
        bindings = {"this": focus_text, "path": p_text or "", "value": v_text or ""}
        return ValidationResult(
            severity=Severity.from_iri(fields.get(SH.resultSeverity)),
            rule=self.rule(shape, constraint),
            constraint=constraint,
            focus_node=focus,  # type: ignore[arg-type]  # a focus node is any rdflib term; the report types it narrowly
            focus_text=focus_text,
            message=self.message(node, shape, bindings, fields.get(SH.sourceConstraint), engine_messages),
            path=path,
            path_text=p_text,
            path_triples=p_triples,
            value=value,
            value_text=v_text,
            location=self.locate(focus) if focus is not None else None,
        )


def _locator(files: list[Path]) -> Callable[[Node], SourceLocation | None]:
    """Find a focus node in the input files: the first file that writes it as a subject wins."""
    positions: list[tuple[Path, dict[str, Position]]] = []

    def locate(node: Node) -> SourceLocation | None:
        if not isinstance(node, URIRef):
            return None
        if not positions:
            positions.extend((path, file_positions(path)) for path in files)
        for path, table in positions:
            found = table.get(str(node))
            if found is not None:
                return SourceLocation(path, found.line, found.column)
        return None

    return locate


# ---- the entry point -------------------------------------------------------------------------


def validate(
    data: Iterable[PathLike] | Graph | None = None,
    shapes: Iterable[PathLike] | Graph | None = None,
    *,
    vocab: Iterable[PathLike] = (),
    engine: str = DEFAULT_ENGINE,
    lang: str = "en",
) -> Report:
    """Validate DPV data against SHACL shapes and return an engine-independent :class:`Report`.

    *data*: RDF files or directories, or an rdflib graph (default: the packaged Almi model).
    *shapes*: shapes files or directories, or a graph (default: the packaged shapes).
    *vocab*: vocabulary files read with the data (types, hierarchy) and never reported on, like
    the packaged DPV 2.3 and project vocabulary, which are always read.
    Raises :class:`~dpv_almi.loading.RdfLoadError` for unreadable input (with file:line:col) or
    input without a triple, :class:`ShapesError` for unusable shapes and ``ValueError`` for an
    unknown engine or language.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (expected one of {', '.join(sorted(ENGINES))})")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})")
    shapes_graph, shapes_files = load_shapes(shapes)
    graphs = data_graphs(resources.default_data_files() if data is None else data, vocab)
    if not any(len(graph) for graph in graphs.inputs):
        where = ", ".join(str(path) for path in graphs.files) or "the data graph"
        raise RdfLoadError(where, None, None, "no triples to validate (an empty notice conforms to nothing)")
    try:
        report_graph = ENGINES[engine](graphs.graphs, _pruned(shapes_graph, graphs))
    except RdfLoadError:
        raise
    except Exception as exc:
        if shapes is None:  # the packaged shapes work: this is the tool's failure, not the user's
            raise
        raise ShapesError(f"the {engine} engine rejected the shapes: {' '.join(str(exc).split())}") from exc
    reports = report_graph if isinstance(report_graph, list) else [report_graph]
    # pyshacl returns (not raises) a failure, e.g. SERVICE in sh:sparql
    for report in reports:
        if not isinstance(report, (Graph, ReportTriples)):
            raise ShapesError(f"the {engine} engine rejected the shapes: {' '.join(str(report).split())}")
    prefixes, locate = _prefixes_for(graphs), _locator(list(graphs.files))
    found: dict[tuple[object, ...], ValidationResult] = {}
    rules: dict[str, Rule] = {}
    for report in reports:  # one per part of split data: a result about a shared node may come from several
        reader = _ReportReader(report, shapes_graph, prefixes, lang, locate)
        for result in reader.results():
            if graphs.about_the_data(result.focus_node):
                found.setdefault(result.sort_key(), _explained(result, reader))
        for rule_id, rule in reader.rules.items():
            rules.setdefault(rule_id, rule)
    results = tuple(sorted(found.values(), key=ValidationResult.sort_key))
    used = {result.rule.id for result in results}
    return Report(
        results=results,
        engine=engine,
        lang=lang,
        data_files=graphs.files,
        shapes_files=tuple(shapes_files),
        rules={rule_id: rule for rule_id, rule in sorted(rules.items()) if rule_id in used},
    )


def _pruned(shapes: Graph, graphs: DataGraphs) -> Graph:
    """The shapes without those that cannot report on this data (nearly always both of these):

    - the sunset check, when no term the data uses has a status.  Its SPARQL runs once per typed
      resource and cost 15% of the engine's time on 300 synthetic notices;
    - the unknown-term check, when every IRI in the namespaces it checks (:data:`_CHECKED_TERMS`)
      that the data graph holds has an ``rdf:type`` there.  Its query runs once per typed resource
      and looks for exactly such an IRI; it was 40% of the engine's time on 200 synthetic notices
      (bench/validate_bench.py).

    Each check here is a superset of its shape's condition (any position, any subject), so a
    pruned shape is one that would have reported nothing.

    And one target made cheaper: where no ``dpva:InformationElsewhere`` is in the data graph, the
    SPARQL target ``dpvs:ProcessOfNotice`` selects exactly the class target ``dpv:Process`` (the
    instances of its sub-classes are typed ``dpv:Process`` by :func:`process_types`), which the
    engine reads from its class index instead of running a query per shape (7% of the engine's time
    on 1,000 synthetic notices)."""
    for rule, needed in ((SUNSET_TERM_RULE, _may_be_sunset), (UNKNOWN_TERM_RULE, _may_be_unknown)):
        shape = URIRef(_SHAPES_NS + rule)
        if (shape, None, None) in shapes and not needed(graphs):
            shapes = _without(shapes, shape)
    if not any((None, RDF.type, DPVA.InformationElsewhere) in graph for graph in graphs.graphs):
        shapes = _class_targeted(shapes)
    return shapes


@functools.lru_cache(maxsize=8)
def _class_targeted(shapes: Graph) -> Graph:
    """*shapes* with every ``sh:target [ a dpvs:ProcessOfNotice ]`` replaced by ``sh:targetClass dpv:Process``."""
    targets = {
        (shape, target)
        for shape, target in shapes.subject_objects(SH.target)
        if (target, RDF.type, DPVS.ProcessOfNotice) in shapes
    }
    if not targets:
        return shapes
    out = Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace)
    dropped = {target for _, target in targets}
    for triple in shapes:
        if triple[0] in dropped or (triple[1] == SH.target and triple[2] in dropped):
            continue
        out.add(triple)
    for shape, _ in targets:
        out.add((shape, SH.targetClass, DPV.Process))
    return out


def _may_be_sunset(graphs: DataGraphs) -> bool:
    return (None, TERM_STATUS, None) in graphs.closure


_CHECKED_TERMS = ("https://w3id.org/dpv#", "https://w3id.org/dpv/", "https://w3id.org/dpv-almi/vocab#")
"""The namespaces whose terms ``KnownDpvTerm`` (shapes/vocabulary.ttl) demands to be declared."""


def _may_be_unknown(graphs: DataGraphs) -> bool:
    """True when the data graph holds an IRI of :data:`_CHECKED_TERMS` without an ``rdf:type``."""
    engine_graphs = graphs.graphs
    for graph in engine_graphs:
        for node in graph_nodes(graph):
            if (
                isinstance(node, URIRef)
                and str(node).startswith(_CHECKED_TERMS)
                and not any((node, RDF.type, None) in other for other in engine_graphs)
            ):
                return True
    return False


@functools.lru_cache(maxsize=8)
def _without(shapes: Graph, shape: URIRef) -> Graph:
    """*shapes* without *shape* and the blank nodes only it reaches (cached: the packaged shapes are one graph)."""
    drop: set[Node] = {shape}
    todo: list[Node] = [shape]
    while todo:
        for value in shapes.objects(todo.pop(), None):
            if isinstance(value, BNode) and value not in drop:
                drop.add(value)
                todo.append(value)
    pruned = Graph()
    for prefix, namespace in shapes.namespaces():
        pruned.bind(prefix, namespace)
    for triple in shapes:
        if triple[0] not in drop:
            pruned.add(triple)
    return pruned


# ---- DPV-literate messages -------------------------------------------------------------------

_PREFIX_DECLARATION = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>", re.MULTILINE | re.IGNORECASE
)

_HINTS = {
    "en": {"suggest": " Did you mean {term}?", "replace": " DPV says to use {term} instead."},
    "sv": {"suggest": " Menade du {term}?", "replace": " DPV anger {term} i stället."},
}

_SHAPES_NS = str(DPVS)
UNKNOWN_TERM_RULE = "KnownDpvTerm"
SUNSET_TERM_RULE = "SunsetDpvTerm"


def declared_prefixes(path: Path) -> dict[str, str]:
    """The prefixes a Turtle, TriG or N3 file declares (``@prefix`` or ``PREFIX``), in order."""
    if path.suffix.lower() not in {".ttl", ".trig", ".n3"}:
        return {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return {name or "": iri for name, iri in _PREFIX_DECLARATION.findall(text)}


def _prefixes_for(graphs: DataGraphs) -> Graph:
    """A graph whose prefixes render the report: the project's, DPV's, then the input's own (which win)."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    bound = {str(iri) for _, iri in graph.namespaces()}
    for name, iri in dpv_index().prefixes.items():
        if iri not in bound and name not in dict(graph.namespaces()):
            graph.bind(name, iri)
    for path in graphs.files:
        for name, iri in declared_prefixes(path).items():
            if name:
                graph.bind(name, iri, override=True, replace=True)
    return graph


def _explained(result: ValidationResult, reader: _ReportReader) -> ValidationResult:
    """Add what DPV knows to a result about a DPV term: the term probably meant, or its replacement."""
    value = result.value
    if not isinstance(value, URIRef) or not is_dpv_iri(value):
        return result
    hint = None
    if result.rule.id == UNKNOWN_TERM_RULE:
        meant = dpv_index().suggest(str(value))
        if meant is not None:
            hint = _HINTS[reader.lang]["suggest"].format(term=reader.term(URIRef(dpv_index().expand(meant))))
    elif result.rule.id == SUNSET_TERM_RULE:
        term = dpv_index().term(str(value))
        if term is not None and term.replaced_by:
            hint = _HINTS[reader.lang]["replace"].format(term=reader.term(URIRef(dpv_index().expand(term.replaced_by))))
    return dataclasses.replace(result, message=result.message + hint) if hint else result
