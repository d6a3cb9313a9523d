"""Build ``ontology/dpv-concepts.ttl``: the slice of DPV that the model uses.

The service walks DPV hierarchies (e.g. "is this personal data a kind of
contact data?") but loading all of DPV would cost seconds and hundreds of
thousands of triples.  This module copies only the structural triples
(types, hierarchy, labels) of the DPV concepts the model mentions, plus
everything above them, from a DPV release.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from dpv_almi import resources
from dpv_almi.loading import PathLike, RdfLoadError, load_graph
from dpv_almi.namespaces import DPV_NAMESPACES, bind_prefixes

DPV_VERSION = "2.3"

COPIED_PREDICATES: tuple[URIRef, ...] = (
    RDF.type,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    SKOS.broader,
    SKOS.prefLabel,
)
"""What is copied per concept; definitions, notes, examples and provenance are deliberately left out."""

HIERARCHY_PREDICATES: frozenset[URIRef] = frozenset({RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, SKOS.broader})
"""Links followed upwards to close the extract."""

HEADER = f"""\
# GENERATED FILE - DO NOT EDIT BY HAND.
# DPV {DPV_VERSION} concepts used by the DPV-ALMI model, with their types,
# hierarchy (skos:broader, rdfs:subClassOf, rdfs:subPropertyOf) and labels.
# Regenerate with: python scripts/build_dpv_concepts.py
# Source: Data Privacy Vocabulary (DPV) {DPV_VERSION}, https://w3id.org/dpv,
# (c) W3C Data Privacy Vocabularies and Controls Community Group,
# W3C Document License: https://www.w3.org/copyright/document-license/

"""


def is_dpv_iri(node: Node) -> bool:
    """True for an IRI inside one of the DPV namespaces (but not a namespace IRI itself)."""
    if not isinstance(node, URIRef):
        return False
    iri = str(node)  # rdflib's Identifier.startswith ignores tuples and start/end, so use plain str
    return any(iri.startswith(ns) and len(iri) > len(ns) for ns in DPV_NAMESPACES)


def used_dpv_iris(graph: Graph) -> set[URIRef]:
    """Every DPV IRI appearing in any position of *graph*."""
    return {node for triple in graph for node in triple if is_dpv_iri(node)}  # type: ignore[misc]  # rdflib types a triple's nodes as a union mypy cannot narrow in a comprehension


def extract_concepts(used: Iterable[URIRef], release_graph: Graph) -> Graph:
    """Copy the structural triples of *used* and of every DPV concept above them."""
    extract = bind_prefixes(Graph())
    pending = sorted(set(used))
    seen: set[URIRef] = set(pending)
    while pending:
        concept = pending.pop()
        for predicate in COPIED_PREDICATES:
            for value in release_graph.objects(concept, predicate):
                if isinstance(value, URIRef) or predicate == SKOS.prefLabel:
                    extract.add((concept, predicate, value))
                if predicate in HIERARCHY_PREDICATES and is_dpv_iri(value) and value not in seen:
                    seen.add(value)  # type: ignore[arg-type]  # rdflib's Node: a URIRef here, checked by is_dpv_iri
                    pending.append(value)  # type: ignore[arg-type]  # rdflib's Node: a URIRef here, checked by is_dpv_iri
    return extract


def release_files(release_dir: PathLike) -> list[Path]:
    """The Turtle files of a DPV release directory (other serialisations duplicate them)."""
    directory = Path(release_dir)
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise RdfLoadError(directory, None, None, "no DPV release Turtle files (*.ttl) found here")
    return files


def build(model_paths: Iterable[PathLike], release_dir: PathLike) -> Graph:
    """Build the concept extract for the model files from the release in *release_dir*."""
    used = used_dpv_iris(load_graph(model_paths))
    return extract_concepts(used, load_graph(release_files(release_dir)))


def serialize(graph: Graph) -> str:
    """Deterministic Turtle with the generated-file header."""
    return HEADER + graph.serialize(format="turtle")


def default_model_paths() -> list[Path]:
    """All ontology Turtle files except the concept extract itself."""
    generated = resources.concepts_path()
    return [path for path in resources.default_data_files() if path != generated]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options shared by ``python -m dpv_almi.model.concepts`` and ``dpv-almi concepts``."""
    parser.add_argument("--dpv", required=True, type=Path, metavar="DIR", help="DPV release directory (Turtle files)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="output file (default: ontology/dpv-concepts.ttl)")
    parser.add_argument("--model", nargs="+", type=Path, metavar="FILE", help="model files (default: ontology/*.ttl)")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if FILE is not what would be generated; write nothing"
    )


def run(args: argparse.Namespace) -> int:
    """Generate or check the extract; 0 ok, 1 stale (``--check``), 2 unreadable input."""
    try:
        out = args.out or resources.concepts_path()
        generated = build(args.model or default_model_paths(), args.dpv)
        if args.check:
            return _check(out, generated)
        out.write_text(serialize(generated), encoding="utf-8")
    except (RdfLoadError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({len(generated)} triples)")
    return 0


def _check(out: Path, generated: Graph) -> int:
    if not out.exists():
        print(f"stale: {out} does not exist; run scripts/build_dpv_concepts.py", file=sys.stderr)
        return 1
    if not isomorphic(load_graph([out]), generated):
        print(f"stale: {out} differs from the generated extract; run scripts/build_dpv_concepts.py", file=sys.stderr)
        return 1
    print(f"{out} is up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m dpv_almi.model.concepts``."""
    parser = argparse.ArgumentParser(
        prog="python -m dpv_almi.model.concepts", description="Build the DPV concept extract used by the model."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
