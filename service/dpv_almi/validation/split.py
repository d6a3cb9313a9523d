"""Splitting the data graph into parts that validate independently, with the same results.

pyshacl-turbo's time per triple grows with the size of the data graph (index inserts and lookups
in larger trees): 1,000 synthetic notices cost it 11.6 s at once and about 5 s as fifty parts
of twenty notices (``bench/validate_bench.py``).  A part is a set of the input's connected
pieces plus the whole vocabulary closure; the results of all parts, duplicates removed, are the
results of the whole graph when the shapes only look at a focus node's surroundings.

Why that holds.  Call a node *anchored* when it is the subject of an input triple, and a *hub*
otherwise (a DPV concept used as a value, a literal).  Input triples are joined into pieces by
their subject and by every anchored node they name (object or predicate), so all the input
triples of an anchored node, and all those that point at it, are in its piece; the vocabulary's
facts about an anchored node go with it too.  A hub has no input triple of its own, and its
vocabulary facts are in every part.  Walking a path forwards from a focus node therefore reads
the same triples in its part as in the whole graph.  What could read elsewhere, :func:`plan`
looks for in the shapes and :func:`parts` in the data:

- a step backwards (``sh:inversePath``, or a SPARQL pattern that ends at the focus node) from a
  hub, as the input triples that point at a hub are spread over pieces.  The hubs such a step
  can start from (values of the step before it, or any node for a step from the focus node) are
  kept with every piece that names them, like anchored nodes; where the vocabulary, which is in
  every part, could lead to such a hub, the data is not split;
- a vocabulary fact leading from a hub to an anchored node: not split;
- a target that names a node (``sh:targetNode``), SPARQL targets other than the reviewed ones
  of :data:`KNOWN_TARGETS`, rules, node expressions, custom constraint components: not split;
- SPARQL constraints: only the reviewed queries of :data:`KNOWN_QUERIES` are split.

A result about a hub focus (a DPV concept targeted as the object of ``dpv:hasProcessing``) comes
from every part that uses the hub, and is the same in each: the caller keeps one.
``tests/validation/test_split.py`` compares split and whole validation on DPV's examples
together, TILT notices, synthetic notices, the Almi model and data made to reach across notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

Row = tuple[int, int, int, None]

PART_TRIPLES = 4000
"""Input triples per part (about ten synthetic notices): the engine's time per triple is lowest
on small parts, each part repeats the vocabulary closure and the per-call cost; 2,000 to 16,000
were measured on 1,000 synthetic notices, 4,000 to 6,000 were fastest."""

_START = ("start", "")
"""A descriptor: the step may start at the focus node itself, which can be any node."""

_NOT_SPLIT = tuple(
    URIRef(str(SH) + name)
    for name in ("targetNode", "rule", "js", "jsFunctionName", "values", "expression", "validator",
                 "nodeValidator", "propertyValidator", "parameter")
)  # fmt: skip
"""Shape features whose answers can depend on data far from the focus node."""

DPV = "https://w3id.org/dpv#"


def normalised(query: str) -> str:
    """A query with its whitespace collapsed: the key of :data:`KNOWN_QUERIES`."""
    return " ".join(query.split())


KNOWN_QUERIES: dict[str, tuple[str, ...]] = {
    # dpvs:KnownDpvTerm: the focus node's own triples, and the types of what they name.
    normalised(
        """SELECT DISTINCT $this ?path ?value WHERE {
        FILTER(!STRSTARTS(STR($this), "https://w3id.org/dpv#") && !STRSTARTS(STR($this), "https://w3id.org/dpv/"))
        { $this ?path ?value . FILTER(isIRI(?value)) }
        UNION
        { $this ?path ?object . BIND(?path AS ?value) }
        FILTER(STRSTARTS(STR(?value), "https://w3id.org/dpv#")
            || STRSTARTS(STR(?value), "https://w3id.org/dpv/")
            || STRSTARTS(STR(?value), "https://w3id.org/dpv-almi/vocab#"))
        FILTER NOT EXISTS { ?value rdf:type ?declared }
        }"""
    ): (),
    # dpvs:SunsetDpvTerm: the focus node's own triples, and the status of what they name.
    normalised(
        """SELECT DISTINCT $this ?path ?value WHERE {
        ?value vs:term_status ?status .
        FILTER(STR(?status) IN ("sunset", "deprecated"))
        { $this ?path ?value . } UNION { $this ?value ?object . BIND(?value AS ?path) }
        FILTER(!STRSTARTS(STR($this), "https://w3id.org/dpv#") && !STRSTARTS(STR($this), "https://w3id.org/dpv/"))
        }"""
    ): (),
    # dpvs:DefinedCategory: forwards from the focus node, except ?notice dpv:hasProcess $this.
    normalised(
        """SELECT DISTINCT $this ?path ?value WHERE {
        BIND(dpv:hasPersonalData AS ?path)
        $this dpv:hasPersonalData ?value .
        { $this dpv:hasNotice ?notice } UNION { ?notice dpv:hasProcess $this }
        FILTER EXISTS { ?notice dpva:definesPersonalData ?anything }
        FILTER NOT EXISTS { ?notice dpva:definesPersonalData ?defined . ?value skos:broader* ?defined }
        }"""
    ): (DPV + "hasProcess",),
}
"""Reviewed SPARQL constraints (whitespace-normalised query) -> predicates they follow backwards
from the focus node.  Any other query means the data is validated whole."""

KNOWN_TARGETS = {
    # dpvs:ProcessOfNotice: a node's own type, and forwards from it.
    normalised(
        """SELECT DISTINCT ?this WHERE {
            ?this a <https://w3id.org/dpv#Process> .
            FILTER NOT EXISTS {
                ?this <https://w3id.org/dpv#hasNotice>/a <https://w3id.org/dpv-almi/vocab#InformationElsewhere>
            }
        }"""
    )
}
"""Reviewed SPARQL target types (whitespace-normalised query) that select a node by its own
triples and what they lead to, as a class target does.  Any other target means the data is
validated whole."""


class _Unsupported(Exception):
    """The shapes use something whose answers may depend on data outside a focus node's piece."""


@dataclass(frozen=True)
class Plan:
    """What splitting must check in the data: each backward step's predicate and where it can start."""

    backward: tuple[tuple[URIRef, frozenset[tuple[str, str]]], ...]


def plan(shapes: Graph) -> Plan | None:
    """How *shapes* allow the data to be split, or None when they do not."""
    if any((None, feature, None) in shapes for feature in _NOT_SPLIT):
        return None
    if (None, RDF.type, SH.ConstraintComponent) in shapes:
        return None
    backward: list[tuple[URIRef, frozenset[tuple[str, str]]]] = []
    for target in shapes.objects(None, SH.target):
        queries = [query for kind in shapes.objects(target, RDF.type) for query in shapes.objects(kind, SH.select)]
        if not queries or any(normalised(str(query)) not in KNOWN_TARGETS for query in queries):
            return None
    try:
        for constraint in shapes.objects(None, SH.sparql):
            query = shapes.value(constraint, SH.select)
            if query is None or (constraint, SH.ask, None) in shapes:
                return None
            predicates = KNOWN_QUERIES.get(normalised(str(query)))
            if predicates is None:
                return None
            backward.extend((URIRef(p), frozenset({_START})) for p in predicates)
        reviewed = KNOWN_QUERIES.keys() | KNOWN_TARGETS
        if any(normalised(str(query)) not in reviewed for query in shapes.objects(None, SH.select)):
            return None  # a query used some other way (a SPARQL target, a constraint component)
        if (None, SH.ask, None) in shapes:
            return None
        for path in set(shapes.objects(None, SH.path)):
            _walk(shapes, path, frozenset({_START}), backward, 0)
    except _Unsupported:
        return None
    return Plan(tuple(backward))


def _walk(
    shapes: Graph,
    path: Node,
    starts: frozenset[tuple[str, str]],
    backward: list[tuple[URIRef, frozenset[tuple[str, str]]]],
    depth: int,
) -> frozenset[tuple[str, str]]:
    """Where *path* can end, as descriptors ("obj", p) / ("subj", p) / start; backward steps are recorded."""
    if depth > 50:
        raise _Unsupported("path nested too deep")
    if isinstance(path, URIRef):
        return frozenset({("obj", str(path))})
    if not isinstance(path, BNode):
        raise _Unsupported(f"not a path: {path!r}")
    if (path, RDF.first, None) in shapes:
        ends = starts
        for step in Collection(shapes, path):
            ends = _walk(shapes, step, ends, backward, depth + 1)
        return ends
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        if not isinstance(inverse, URIRef):
            raise _Unsupported("an inverse of a complex path")
        backward.append((inverse, starts))
        return frozenset({("subj", str(inverse))})
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        ends = frozenset[tuple[str, str]]()
        for option in Collection(shapes, alternatives):
            ends |= _walk(shapes, option, starts, backward, depth + 1)
        return ends
    inner = shapes.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return starts | _walk(shapes, inner, starts, backward, depth + 1)
    for repeat in (SH.zeroOrMorePath, SH.oneOrMorePath):
        inner = shapes.value(path, repeat)
        if inner is not None:
            reached = starts
            while True:  # descriptors are finite: the walk reaches a fixed point
                ends = _walk(shapes, inner, reached, backward, depth + 1)
                if ends <= reached:
                    break
                reached = reached | ends
            return reached if repeat == SH.zeroOrMorePath else ends
    raise _Unsupported(f"unknown path {path!r}")


def parts(
    inputs: Sequence[Row],
    vocabulary: Sequence[Row],
    terms: dict[Node, int],
    plan: Plan,
    size: int | None = None,
) -> list[list[Row]] | None:
    """The rows grouped into parts of about *size* (:data:`PART_TRIPLES`) input triples, each with
    the vocabulary rows it needs, or None if the data must stay whole.

    Rows are pyshacl-turbo's encoded triples (term ids into one table, *terms* maps a term to its
    id); *vocabulary* is the closure.  Its facts about a node of the input go with that node's
    piece (the node is a focus or a value only there); the rest go to every part."""
    anchored = {s for s, _, _, _ in inputs}
    shared: list[Row] = []
    own: list[Row] = []
    for row in vocabulary:
        if row[0] in anchored:
            own.append(row)
        elif row[2] in anchored:
            return None  # a vocabulary fact leads from a shared term to a node of one piece
        else:
            shared.append(row)
    linking = set(anchored)  # nodes whose triples and mentions are kept in one piece
    in_vocabulary = {term for s, _, o, _ in shared for term in (s, o)}
    for predicate, starts in plan.backward:
        p = terms.get(predicate)
        if p is None:
            continue
        targets = {o for _, q, o, _ in (*inputs, *own) if q == p and o not in anchored}  # hubs a step can lead back to
        if not targets:
            continue
        if _START in starts:  # from any focus node or value: keep each such hub with every piece that names it
            if not targets.isdisjoint(in_vocabulary):
                return None  # ... which the vocabulary may do in every part
            linking |= targets
            continue
        for kind, via in starts:
            q = terms.get(URIRef(via))
            if q is None:
                continue
            if kind == "obj":  # from the values of q: keep a hub with the pieces that lead to it
                if any(r == q and o in targets for _, r, o, _ in shared):
                    return None
                linking |= targets & {o for _, r, o, _ in (*inputs, *own) if r == q}
            elif any(r == q and s in targets for s, r, _, _ in shared):
                return None  # from a vocabulary term that is the subject of q
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = node
        while (up := parent.get(root, root)) != root:
            root = up
        while node != root:
            parent[node], node = root, parent.get(node, node)
        return root

    for s, p, o, _ in (*inputs, *own):
        for other in (o, p):
            if other in linking:
                a, b = find(s), find(other)
                if a != b:
                    parent[a] = b
    pieces: dict[int, list[Row]] = {}
    for row in (*inputs, *own):
        pieces.setdefault(find(row[0]), []).append(row)
    size = PART_TRIPLES if size is None else size
    out: list[list[Row]] = []
    current: list[Row] = []
    for piece in pieces.values():
        current.extend(piece)
        if len(current) >= size:
            out.append(current)
            current = []
    if current or not out:
        out.append(current)
    return [[*part, *shared] for part in out]
