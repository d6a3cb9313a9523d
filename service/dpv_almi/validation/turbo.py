"""pyshacl-turbo without its rdflib report graph: the engine's own result records, indexed by subject.

pyshacl-turbo hands back its report as a table of terms and one index row per triple, then
decodes it into an rdflib graph; at 1,000 synthetic notices that decode took a fifth of the
validation (``bench/validate_bench.py``).  :func:`run` calls the compiled shapes the way
``pyshacl_turbo.validate`` does and returns a :class:`ReportTriples`, which answers the few
graph questions the report reader asks, with the same terms and literal policy as the decoded
graph.  The calls are internal to pyshacl-turbo (checked with 0.6.5): if they are missing,
:data:`AVAILABLE` is false and the caller decodes the full graph as before
(``tests/validation/test_turbo_report.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

try:
    import pyshacl_turbo
    from pyshacl_turbo.rdf import Input
    from pyshacl_turbo.report_decode import _description_subjects

    AVAILABLE = hasattr(pyshacl_turbo, "compile_shapes")
except ImportError:  # pragma: no cover - pyshacl-turbo is a dependency; its internals may move
    AVAILABLE = False

Triple = tuple[Node, Node, Node]


class ReportTriples:
    """The report's triples indexed by subject: the graph methods the report reader uses, nothing more."""

    def __init__(self, triples: Sequence[Triple], namespaces: Graph) -> None:
        self.namespace_manager = namespaces.namespace_manager  # the shapes' prefixes, as the decoded graph binds them
        self._by_subject: dict[Node, list[tuple[Node, Node]]] = {}
        for s, p, o in triples:
            self._by_subject.setdefault(s, []).append((p, o))

    def __len__(self) -> int:
        return sum(len(edges) for edges in self._by_subject.values())

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        s, p, o = pattern
        subjects = self._by_subject if s is None else ([s] if s in self._by_subject else [])
        for subject in subjects:
            for predicate, obj in self._by_subject[subject]:
                if (p is None or predicate == p) and (o is None or obj == o):
                    yield subject, predicate, obj

    def __contains__(self, pattern: tuple[Node | None, Node | None, Node | None]) -> bool:
        return next(self.triples(pattern), None) is not None

    def subjects(self, predicate: Node | None = None, obj: Node | None = None) -> Iterator[Node]:
        return (s for s, _, _ in self.triples((None, predicate, obj)))

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def predicate_objects(self, subject: Node) -> Iterator[tuple[Node, Node]]:
        return iter(self._by_subject.get(subject, ()))

    def items(self, node: Node) -> Iterator[Node]:
        """The members of the RDF list at *node* (as ``rdflib.Graph.items``; a cycle ends the list)."""
        seen: set[Node] = set()
        current: Node | None = node
        while current is not None and current != RDF.nil and current not in seen:
            seen.add(current)
            first = self.value(current, RDF.first)
            if first is not None:
                yield first
            current = self.value(current, RDF.rest)

    def value(self, subject: Node | None = None, predicate: Node | None = None) -> Node | None:
        return next(self.objects(subject, predicate), None)


def _triples(report: tuple[Any, Any], blank_nodes: dict[str, BNode]) -> list[Triple]:
    """The triples pyshacl-turbo's decoder would put in the report graph (its literal policy included)."""
    records, quads = report
    copied: set[int] = _description_subjects(records, quads)  # type: ignore[no-untyped-call]  # pyshacl-turbo ships no type hints
    terms: list[Node] = []
    for kind, value, datatype, language in records:
        if kind == 0:
            terms.append(URIRef(value))
        elif kind == 1:
            terms.append(blank_nodes.setdefault(value, BNode(value)))
        elif kind == 2:
            terms.append(Literal(value, language, URIRef(datatype) if datatype else None, normalize=False))
        else:
            raise ValueError("not a pyshacl-turbo term record")
    out: list[Triple] = []
    for s, p, o, _ in quads:
        value = terms[o]
        if s in copied and records[o][0] == 2:  # literals inside a copied description are normalised
            _, lexical, datatype, language = records[o]
            value = Literal(lexical, language, URIRef(datatype) if datatype else None, normalize=True)
        out.append((terms[s], terms[p], value))
    return out


def compiled(shapes: Graph, *, advanced: bool) -> Any:
    """The compiled *shapes*, to validate several inputs with; an engine failure is returned."""
    try:
        return pyshacl_turbo.compile_shapes(shapes, advanced=advanced)  # type: ignore[no-untyped-call]  # pyshacl-turbo ships no type hints
    except pyshacl_turbo.ValidationFailure as failure:
        error: Exception = failure
        return error


def run(source: Input, shapes: Graph, program: Any = None, *, advanced: bool) -> ReportTriples | Graph | Exception:
    """Validate *source* (a pyshacl-turbo input) against *shapes* (or their compiled *program*), as
    ``pyshacl_turbo.validate`` with ``inference="none", allow_warnings=True``; an engine failure is
    returned, as pyshacl-turbo does."""
    try:
        if program is None:
            program = pyshacl_turbo.compile_shapes(shapes, advanced=advanced)  # type: ignore[no-untyped-call]  # pyshacl-turbo ships no type hints
        native: Any = program._native
        _, report, _, _, warnings = native.validate(
            source.source,
            source.format,
            source.base,
            False,  # iterate_rules
            100,  # max_rule_iterations
            15,  # max_validation_depth
            False,  # inplace
            False,  # allow_infos
            True,  # allow_warnings
            False,  # abort_on_first
            [],  # focus_nodes
            [],  # use_shapes
            [(prefix, str(namespace)) for prefix, namespace in source.namespaces.items()],
        )
    except pyshacl_turbo.ValidationFailure as failure:
        error: Exception = failure
        return error
    pyshacl_turbo._emit_recursion_warnings(warnings)  # type: ignore[no-untyped-call]  # pyshacl-turbo ships no type hints
    blank_nodes = {**program._blank_nodes, **source.blank_nodes}
    if isinstance(report, str):  # N-Triples: let pyshacl-turbo decode it
        from pyshacl_turbo.rdf import decode

        decoded: Graph = decode(report, blank_nodes, preserve_ids=True, report=True, normalize=True)  # type: ignore[no-untyped-call]  # no type hints
        return decoded
    prefixes = Graph()
    for prefix, namespace in program.graph.namespaces():
        prefixes.bind(prefix, namespace)
    return ReportTriples(_triples(report, blank_nodes), prefixes)
