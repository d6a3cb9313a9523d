"""SHACL validation of DPV notices: the library core behind ``dpv-almi validate`` and the service.

:func:`validate` loads the data (files or a graph), merges the packaged DPV concept extract and
project vocabulary into it (``sh:class`` needs the ``rdf:type`` facts of DPV concepts, and
pyshacl's ``ont_graph`` would not copy them: design mapping §0.3), runs a SHACL engine and returns
a :class:`Report` that does not depend on the engine: typed results, messages in the chosen
language taken from the shapes themselves, file and line of each focus node where the input is
Turtle, sorted deterministically.

Engines (chosen by measurement, see ``bench/validate_bench.py``): ``turbo`` (pyshacl-turbo, a Rust
engine with SHACL Core and SHACL-SPARQL) is the default; ``pyshacl`` stays available as the
reference implementation.
"""

from __future__ import annotations

import enum
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from dpv_almi import resources
from dpv_almi.loading import RdfLoadError, expand_paths, parse_rdf
from dpv_almi.namespaces import bind_prefixes
from dpv_almi.turtle_positions import Position, file_positions

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
        return {SH.Info: cls.INFO, SH.Warning: cls.WARNING}.get(iri, cls.VIOLATION)  # type: ignore[arg-type]

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


class ShapesError(ValueError):
    """The shapes could not be used (none found, or the engine rejected them)."""


# ---- loading ---------------------------------------------------------------------------------


def default_shapes_files() -> list[Path]:
    """The packaged shapes, sorted."""
    return sorted(resources.shapes_dir().glob("*.ttl"))


def vocabulary_files() -> list[Path]:
    """Files merged into every data graph: the DPV concept extract and the project vocabulary."""
    return [p for p in (resources.concepts_path(), resources.ontology_dir() / "vocab.ttl") if p.is_file()]


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


def build_data_graph(data: Iterable[PathLike] | Graph) -> tuple[Graph, list[Path]]:
    """The graph to validate (input plus DPV concepts and vocabulary) and the input files.

    The input graph is copied, never changed.  Merging the packaged concepts always is safe: the
    extract holds only DPV's own facts, which a notice cannot contradict.
    """
    if isinstance(data, Graph):
        graph, files = bind_prefixes(Graph()), []
        graph += data
    else:
        graph, files = _load(data)
    for path in vocabulary_files():
        graph += _parse(path)
    return graph, files


# ---- engines ---------------------------------------------------------------------------------

Engine = Callable[[Graph, Graph], Graph]
"""Run SHACL: (data graph, shapes graph) -> SHACL validation report graph."""


def _run_pyshacl(data: Graph, shapes: Graph) -> Graph:
    import pyshacl

    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return report


def _run_turbo(data: Graph, shapes: Graph) -> Graph:
    import pyshacl_turbo

    _, report, _ = pyshacl_turbo.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return report


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
        except Exception:  # rdflib raises on IRIs it cannot split
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
    texts = sorted((l for l in literals if isinstance(l, Literal)), key=lambda l: (str(l.language), str(l)))
    for wanted in (lang, "en", None):
        for literal in texts:
            if literal.language == wanted:
                return str(literal)
    return str(texts[0]) if texts else None


_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


class _ReportReader:
    """Turns an engine's report graph into :class:`ValidationResult` objects."""

    def __init__(self, report: Graph, shapes: Graph, data: Graph, lang: str, locate: Callable[[Node], SourceLocation | None]) -> None:
        self.report, self.shapes, self.data, self.lang, self.locate = report, shapes, data, lang, locate
        self.rules: dict[str, Rule] = {}

    def rule(self, shape: Node | None, constraint: str) -> Rule:
        if isinstance(shape, URIRef):
            rule_id, iri = local_name(shape), str(shape)
        else:  # an anonymous shape of a user's shapes file: name it by its constraint
            rule_id, iri = constraint, ""
        label = pick_language(self.shapes.objects(shape, RDFS.label), self.lang) if shape is not None else None
        comment = pick_language(self.shapes.objects(shape, RDFS.comment), self.lang) if shape is not None else None
        rule = Rule(rule_id, iri, label or rule_id, comment or label or rule_id)
        return self.rules.setdefault(rule_id, rule)

    def message(self, node: Node, shape: Node | None, bindings: Mapping[str, str]) -> str:
        # The shapes' own messages first (language-tagged, identical for every engine); then the engine's.
        candidates: list[Node] = []
        constraint_node = self.report.value(node, SH.sourceConstraint)
        for owner in (constraint_node, shape):
            if owner is not None and not candidates:
                candidates = list(self.shapes.objects(owner, SH.message))
        text = pick_language(candidates, self.lang) if candidates else None
        if text is None:
            text = pick_language(self.report.objects(node, SH.resultMessage), self.lang) or "constraint not met"
        return _TEMPLATE.sub(lambda m: bindings.get(m.group(1), m.group(0)), text)

    def results(self) -> list[ValidationResult]:
        out: dict[tuple[object, ...], ValidationResult] = {}
        for report_node in self.report.subjects(RDF.type, SH.ValidationReport):
            for node in self.report.objects(report_node, SH.result):
                result = self.result(node)
                out.setdefault(result.sort_key(), result)
        return sorted(out.values(), key=ValidationResult.sort_key)

    def result(self, node: Node) -> ValidationResult:
        g = self.report
        focus = g.value(node, SH.focusNode)
        path = g.value(node, SH.resultPath)
        value = g.value(node, SH.value)
        shape = g.value(node, SH.sourceShape)
        component = g.value(node, SH.sourceConstraintComponent)
        constraint = local_name(component).removesuffix("ConstraintComponent") if component is not None else "Constraint"
        path_graph = g if path is not None and (path, None, None) in g else self.shapes
        focus_text = term_text(self.data, focus)
        p_text = path_text(path_graph, path)
        v_text = term_text(self.data, value) if value is not None else None
        bindings = {"this": focus_text, "path": p_text or "", "value": v_text or ""}
        return ValidationResult(
            severity=Severity.from_iri(g.value(node, SH.resultSeverity)),
            rule=self.rule(shape, constraint),
            constraint=constraint,
            focus_node=focus,  # type: ignore[arg-type]
            focus_text=focus_text,
            message=self.message(node, shape, bindings),
            path=path,
            path_text=p_text,
            path_triples=_bounded_description(path_graph, path) if path is not None else (),
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
    engine: str = DEFAULT_ENGINE,
    lang: str = "en",
) -> Report:
    """Validate DPV data against SHACL shapes and return an engine-independent :class:`Report`.

    *data*: RDF files or directories, or an rdflib graph (default: the packaged Almi model).
    *shapes*: shapes files or directories, or a graph (default: the packaged shapes).
    Raises :class:`~dpv_almi.loading.RdfLoadError` for unreadable input (with file:line:col),
    :class:`ShapesError` for unusable shapes and ``ValueError`` for an unknown engine or language.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (expected one of {', '.join(sorted(ENGINES))})")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGUAGES)})")
    shapes_graph, shapes_files = load_shapes(shapes)
    data_graph, data_files = build_data_graph(resources.default_data_files() if data is None else data)
    try:
        report_graph = ENGINES[engine](data_graph, shapes_graph)
    except RdfLoadError:
        raise
    except Exception as exc:  # engines raise their own types for malformed shapes
        raise ShapesError(f"the {engine} engine rejected the shapes: {' '.join(str(exc).split())}") from exc
    reader = _ReportReader(report_graph, shapes_graph, data_graph, lang, _locator(data_files))
    results = tuple(reader.results())
    return Report(
        results=results,
        engine=engine,
        lang=lang,
        data_files=tuple(data_files),
        shapes_files=tuple(shapes_files),
        rules=dict(sorted(reader.rules.items())),
    )
