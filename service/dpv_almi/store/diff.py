"""The difference between two versions of one policy: activities, categories, recipients, transfers.

Only the current version of a policy is in the served store (so the union default graph never
mixes versions); earlier versions are archived source files.  A diff therefore loads the two
archived versions, with the DPV concept extract for the hierarchy walks, into a small private
store and asks the same SPARQL question of each: which items of each kind, with which
statements.  An item only in the newer version is *added*, only in the older *removed*, in both
with different statements *changed*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph

from dpv_almi import resources
from dpv_almi.loading import load_store
from dpv_almi.namespaces import PREFIXES

KINDS: dict[str, str] = {
    "activities": "?item a dpv:Process . FILTER NOT EXISTS { ?item dpv:hasNotice/rdf:type dpva:InformationElsewhere }",
    "categories": "?activity dpv:hasPersonalData ?item .",
    "recipients": "?activity ?role ?item . ?role rdfs:subPropertyOf* dpv:hasRecipient .",
    "transfers": "?activity dpv:hasProcessing ?item . ?item skos:broader* dpv:CrossBorderTransfer .",
}
"""Each kind: the pattern that finds its items in one version (a default graph of that version + DPV)."""

_A = pyoxigraph.NamedNode("urn:dpv-almi:diff:a")
_B = pyoxigraph.NamedNode("urn:dpv-almi:diff:b")


def _statements(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode, pattern: str) -> dict[str, set[tuple[str, str]]]:
    query = f"SELECT DISTINCT ?item ?p ?o WHERE {{ {pattern} GRAPH <{graph.value}> {{ ?item ?p ?o }} }}"
    dpv = pyoxigraph.NamedNode("urn:dpv-almi:diff:dpv")
    items: dict[str, set[tuple[str, str]]] = {}
    for row in store.query(query, prefixes=PREFIXES, default_graph=[graph, dpv]):  # type: ignore[union-attr]  # a SELECT query: its result is QuerySolutions
        item = row["item"]
        if isinstance(item, pyoxigraph.NamedNode):
            items.setdefault(item.value, set()).add((str(row["p"]), str(row["o"])))
    return items


def diff_files(older: Path, newer: Path) -> dict[str, Any]:
    """``{kind: {"added": [...], "removed": [...], "changed": [...]}}`` from *older* to *newer*."""
    store = pyoxigraph.Store()
    load_store([older], graph_for=lambda _p: _A, store=store)
    load_store([newer], graph_for=lambda _p: _B, store=store)
    load_store(
        [resources.concepts_path()], graph_for=lambda _p: pyoxigraph.NamedNode("urn:dpv-almi:diff:dpv"), store=store
    )
    result: dict[str, Any] = {}
    for kind, pattern in KINDS.items():
        before, after = _statements(store, _A, pattern), _statements(store, _B, pattern)
        result[kind] = {
            "added": sorted(after.keys() - before.keys()),
            "removed": sorted(before.keys() - after.keys()),
            "changed": sorted(k for k in before.keys() & after.keys() if before[k] != after[k]),
        }
    return result
