"""Vocabularies: what the validator reasons with and never reports on.

Every DPV 2.3 term is known out of the box from a packaged index (``dpv/dpv-2.3.json``, built
from the whole release by ``scripts/build_dpv_vocabulary.py``); the project's own terms
(``ontology/vocab.ttl``) and a user's extensions (``--vocab FILE``) are added to it.

Merging all of DPV into the data graph would make its 9,700 terms focus nodes of every shape
that targets "subjects of rdf:type" and multiply the engine's work.  Instead, :meth:`Vocabulary.closure`
copies only what the data needs: for each IRI the data uses, its types, ``skos:broader``,
``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` links, followed upwards to the top, and its status
where DPV marks it sunset.  ``sh:class`` and ``skos:broader*`` walks then see the same facts as
with the whole vocabulary merged, at the cost of a few hundred triples.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

DPV_INDEX = Path(__file__).resolve().parent / "dpv" / "dpv-2.3.json"
TERM_STATUS = URIRef("http://www.w3.org/2003/06/sw-vocab-status/ns#term_status")
DPV_BASE = "https://w3id.org/dpv"

LINKS: dict[str, URIRef] = {
    "type": RDF.type,
    "broader": SKOS.broader,
    "subClassOf": RDFS.subClassOf,
    "subPropertyOf": RDFS.subPropertyOf,
}
"""The links a closure follows upwards (the keys are the index's)."""
LINK_PREDICATES = frozenset(LINKS.values())

Links = tuple[tuple[URIRef, Node], ...]


def is_dpv_iri(node: Node) -> bool:
    """True for an IRI in a DPV namespace (``https://w3id.org/dpv#``, ``https://w3id.org/dpv/…``)."""
    return isinstance(node, URIRef) and (node.startswith(DPV_BASE + "#") or node.startswith(DPV_BASE + "/"))


@dataclass(frozen=True)
class DpvTerm:
    """One DPV term as the index describes it."""

    iri: str
    name: str
    """``prefix:local`` with DPV's own prefix."""
    labels: Mapping[str, str] = field(default_factory=dict)
    status: str | None = None
    replaced_by: str | None = None
    """The term DPV's definition says to use instead (a ``prefix:local`` name), if any."""


class DpvIndex:
    """The packaged index of every DPV term: links, labels, status; nearest names for typos."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version = str(document["dpv"])
        self.licence = str(document["licence"])
        self.prefixes: dict[str, str] = dict(document["prefixes"])
        self._entries: dict[str, dict[str, Any]] = document["terms"]
        self._names = {self.expand(name): name for name in self._entries}
        self._links: dict[str, Links] = {}

    @classmethod
    def load(cls, path: Path = DPV_INDEX) -> DpvIndex:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def expand(self, name: str) -> str:
        """``dpv:Purpose`` -> its IRI; ``<iri>`` -> iri."""
        if name.startswith("<"):
            return name[1:-1]
        prefix, _, local = name.partition(":")
        return self.prefixes[prefix] + local

    def __contains__(self, iri: object) -> bool:
        return str(iri) in self._names

    def __len__(self) -> int:
        return len(self._names)

    def iris(self) -> Iterable[str]:
        return self._names.keys()

    def links(self, iri: str) -> Links:
        """The term's upward links as rdflib terms (empty for an IRI that is no DPV term)."""
        found = self._links.get(iri)
        if found is None:
            name = self._names.get(iri)
            if name is None:
                return ()
            entry = self._entries[name]
            found = tuple(
                (predicate, URIRef(self.expand(value)))
                for key, predicate in LINKS.items()
                for value in entry.get(key, ())
            )
            self._links[iri] = found
        return found

    def status(self, iri: str) -> str | None:
        """``sunset`` or another status a user should hear about; None for accepted terms."""
        name = self._names.get(iri)
        return self._entries[name].get("status") if name is not None else None

    def term(self, iri: str) -> DpvTerm | None:
        name = self._names.get(iri)
        if name is None:
            return None
        entry = self._entries[name]
        return DpvTerm(iri, name, dict(entry.get("label", {})), entry.get("status"), entry.get("replacedBy"))

    def suggest(self, iri: str) -> str | None:
        """The real term a misspelt DPV IRI most probably meant, as ``prefix:local``, or None.

        In order: the same name in another DPV namespace (``dpv:EmailAddress`` -> ``pd:EmailAddress``),
        the same name in another case, then the closest name in the same namespace, then anywhere.
        """
        namespace, local = _split(iri)
        if not local:
            return None
        by_local = self._by_local()
        same_name = [name for name in by_local.get(local, ()) if self.expand(name) != iri]
        if same_name:
            return sorted(same_name, key=lambda n: (not n.startswith(("dpv:", "pd:")), n))[0]
        folded = self._by_folded().get(local.casefold())
        if folded:
            return sorted(folded)[0]
        in_namespace = self._by_namespace().get(namespace, {})
        for candidates in (in_namespace, by_local):
            close = difflib.get_close_matches(local, list(candidates), n=1, cutoff=0.8)
            if close:
                return sorted(candidates[close[0]])[0]
        return None

    @functools.cache  # noqa: B019 -- one index per process
    def _by_local(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for iri, name in self._names.items():
            out.setdefault(_split(iri)[1], []).append(name)
        return out

    @functools.cache  # noqa: B019
    def _by_folded(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for local, names in self._by_local().items():
            out.setdefault(local.casefold(), []).extend(names)
        return out

    @functools.cache  # noqa: B019
    def _by_namespace(self) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for iri, name in self._names.items():
            namespace, local = _split(iri)
            out.setdefault(namespace, {}).setdefault(local, []).append(name)
        return out


def graph_nodes(graph: Graph) -> set[Node]:
    """Every node of *graph* in any position.

    rdflib's default in-memory store keeps one dict per index, keyed by subject, predicate and
    object: their keys are the answer, read at C speed (iterating the triples cost 1 s at 1,000
    synthetic notices).  Another store, or a store shared with other graphs (a superset, harmless
    here), falls back to iterating.
    """
    store = graph.store
    indexes = [getattr(store, f"_Memory__{name}", None) for name in ("spo", "pos", "osp")]
    if type(store).__name__ == "Memory" and all(isinstance(index, dict) for index in indexes):
        out: set[Node] = set()
        for index in indexes:
            out.update(index)  # type: ignore[arg-type]  # rdflib's private index dicts are untyped; their keys are Nodes
        return out
    nodes: set[Node] = set()
    for s, p, o in graph:
        nodes.update((s, p, o))
    return nodes


def _split(iri: str) -> tuple[str, str]:
    """Namespace (through the last ``#`` or ``/``) and local name."""
    match = re.match(r"(.*[#/])([^#/]*)$", iri)
    return (match.group(1), match.group(2)) if match else (iri, "")


@functools.cache
def dpv_index() -> DpvIndex:
    """The packaged DPV index, read once per process (about 20 ms)."""
    return DpvIndex.load()


class Vocabulary:
    """The packaged DPV plus vocabulary graphs (project terms, ``--vocab`` files).

    A vocabulary graph contributes its upward links (types, broader, sub-class/property) and
    its term statuses; everything else in it is ignored, and nothing in it is validated.
    """

    def __init__(self, graphs: Sequence[Graph] = (), dpv: DpvIndex | None = None) -> None:
        self.dpv = dpv if dpv is not None else dpv_index()
        self.graphs = tuple(graphs)
        self._links: dict[Node, list[tuple[URIRef, Node]]] = {}
        self._status: dict[Node, Node] = {}
        for graph in self.graphs:
            for s, p, o in graph:
                if p in LINK_PREDICATES:
                    self._links.setdefault(s, []).append((p, o))  # type: ignore[arg-type]  # rdflib's Node: URIRefs from a DPV file
                elif p == TERM_STATUS:
                    self._status[s] = o

    def subjects(self) -> set[Node]:
        """Every node a vocabulary graph describes (results about them are not the data's)."""
        return {s for graph in self.graphs for s in graph.subjects(unique=True)}

    def declares(self, iri: Node) -> bool:
        """True when DPV or a vocabulary graph gives *iri* a type."""
        return iri in self.dpv or any(p == RDF.type for p, _ in self._links.get(iri, ()))

    def closure(self, data: Iterable[Graph]) -> Graph:
        """The vocabulary facts above every IRI used in *data* (in any position)."""
        seeds: set[Node] = set()
        for graph in data:
            seeds |= graph_nodes(graph)
        out = Graph()
        todo = [node for node in seeds if isinstance(node, URIRef)]
        seen = set(todo)
        dpv, extra, status = self.dpv, self._links, self._status
        while todo:
            node = todo.pop()
            links: Iterable[tuple[URIRef, Node]] = dpv.links(str(node))
            more = extra.get(node)
            if more:
                links = (*links, *more)
            for predicate, value in links:
                out.add((node, predicate, value))
                if value not in seen and isinstance(value, URIRef):
                    seen.add(value)
                    todo.append(value)
            known_status = dpv.status(str(node))
            if known_status:
                out.add((node, TERM_STATUS, Literal(known_status)))
            if node in status:
                out.add((node, TERM_STATUS, status[node]))
        return out
