#!/usr/bin/env python3
"""Build the packaged DPV vocabulary index from a whole DPV release (all its Turtle modules).

The validator has to know every DPV 2.3 term (is ``eu-gdpr:A6-1-b`` a legal basis? is
``pd:EmailAdress`` a term at all?) without parsing 7 MB of Turtle (5-6 s) on each run.  This
script reads the release once and writes, for every typed IRI in a DPV namespace, only what
reasoning and messages need: its types, ``skos:broader``, ``rdfs:subClassOf``,
``rdfs:subPropertyOf``, its labels, and its status where DPV marks it sunset or deprecated (the
many "modified" terms are not news to a user).  Definitions, notes, examples, provenance and the
``*Includes`` hints are left out.

The output is JSON, one term per line (reviewable as a diff, loads in tens of milliseconds), with
IRIs written as ``prefix:local`` using the release's own prefixes.  ``--check`` exits 1 when the
file differs from what would be written (the packaging tests run it).

Usage: ``python scripts/build_dpv_vocabulary.py [--dpv DIR] [--out FILE] [--check]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RELEASE = REPO_ROOT.parent / "shared" / "dpv" / "2.3"
DEFAULT_OUT = REPO_ROOT / "service" / "dpv_almi" / "validation" / "dpv" / "dpv-2.3.json"

DPV_VERSION = "2.3"
DPV_BASE = "https://w3id.org/dpv"
TERM_STATUS = URIRef("http://www.w3.org/2003/06/sw-vocab-status/ns#term_status")
REPORTED_STATUSES = frozenset({"sunset", "deprecated", "unstable", "archaic"})
"""Statuses a user should hear about; "accepted" and "modified" are not news."""

LINKS: dict[str, URIRef] = {
    "type": RDF.type,
    "broader": SKOS.broader,
    "subClassOf": RDFS.subClassOf,
    "subPropertyOf": RDFS.subPropertyOf,
}
"""What is kept per term, by the key it has in the index."""

EXTRA_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
}

LICENCE = (
    "Derived from the W3C Data Privacy Vocabulary (DPV) 2.3: types, skos:broader, rdfs:subClassOf, "
    "rdfs:subPropertyOf, labels and term status of every term of all 66 modules. "
    "Copyright \u00a9 2026 World Wide Web Consortium (W3C Data Privacy Vocabularies and Controls "
    "Community Group). https://www.w3.org/copyright/document-license-2023/ . "
    "Original documents: https://w3id.org/dpv/2.3 (source https://github.com/w3c/dpv/tree/dpv-2.3/2.3). "
    "Status: published DPVCG release 2.3, a W3C Community Group work, not a W3C Standard."
)

_PREFIX_LINE = re.compile(r"^@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>\s*\.", re.MULTILINE)
_REPLACEMENT = re.compile(r"\buse ([a-z][\w-]*:[A-Za-z][\w-]*)")


def clean_iri(node: object) -> object:
    """An IRI with stray whitespace removed (ieee-7012.ttl writes one IRI across two lines)."""
    if isinstance(node, URIRef) and any(ch.isspace() for ch in node):
        return URIRef("".join(str(node).split()))
    return node


def release_files(release: Path) -> list[Path]:
    files = sorted(release.glob("*.ttl"))
    if not files:
        raise SystemExit(f"error: no Turtle files in {release}")
    return files


def read_release(files: Iterable[Path]) -> tuple[Graph, dict[str, str]]:
    """The union of the release files and the prefixes they declare for DPV namespaces."""
    graph = Graph()
    prefixes: dict[str, str] = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for name, iri in _PREFIX_LINE.findall(text):
            if name and iri.startswith(DPV_BASE) and iri[-1] in "#/":
                prefixes.setdefault(name, iri)
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    return graph, prefixes


class Compactor:
    """IRIs as ``prefix:local`` where a prefix fits (longest namespace first), else ``<iri>``."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.namespaces = sorted(((iri, name) for name, iri in prefixes.items()), key=lambda p: -len(p[0]))

    def __call__(self, iri: str) -> str:
        for namespace, name in self.namespaces:
            if iri.startswith(namespace) and re.fullmatch(r"[\w.-]*", iri[len(namespace) :]):
                return f"{name}:{iri[len(namespace) :]}"
        return f"<{iri}>"


def is_dpv_term(node: object) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(DPV_BASE)


def build_index(graph: Graph, prefixes: dict[str, str]) -> dict[str, object]:
    """The index: metadata, prefixes, and one entry per typed DPV IRI."""
    compact = Compactor({**EXTRA_PREFIXES, **prefixes})
    terms: dict[str, dict[str, object]] = {}
    subjects = sorted({clean_iri(s) for s in graph.subjects(RDF.type, None) if is_dpv_term(s)}, key=str)
    for subject in subjects:
        entry: dict[str, object] = {}
        for key, predicate in LINKS.items():
            values = sorted(
                {compact(str(clean_iri(o))) for o in graph.objects(subject, predicate) if isinstance(o, URIRef)}
            )
            if values:
                entry[key] = values
        labels = {
            lit.language or "": str(lit)
            for lit in sorted(graph.objects(subject, SKOS.prefLabel))
            if isinstance(lit, Literal)
        }
        if labels:
            entry["label"] = dict(sorted(labels.items()))
        statuses = {str(s) for s in graph.objects(subject, TERM_STATUS)} & REPORTED_STATUSES
        if statuses:
            entry["status"] = min(statuses)
            for definition in graph.objects(subject, SKOS.definition):
                found = _REPLACEMENT.search(str(definition))
                if found:
                    entry["replacedBy"] = found.group(1)
        terms[compact(str(subject))] = entry
    return {
        "format": 1,
        "dpv": DPV_VERSION,
        "licence": LICENCE,
        "prefixes": dict(sorted({**EXTRA_PREFIXES, **prefixes}.items())),
        "terms": terms,
    }


def serialise(index: dict[str, object]) -> str:
    """Deterministic JSON with one term per line."""
    head = {key: value for key, value in index.items() if key != "terms"}
    lines = ["{"]
    lines += [f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in head.items()]
    lines.append('"terms": {')
    terms: dict[str, object] = index["terms"]  # type: ignore[assignment]
    body = [
        f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}"
        for key, value in terms.items()
    ]
    lines.append(",\n".join(body))
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dpv", type=Path, default=DEFAULT_RELEASE, metavar="DIR", help="DPV release directory (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="FILE", help="output (default: %(default)s)")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if FILE is not what would be written; write nothing"
    )
    args = parser.parse_args(argv)
    files = release_files(args.dpv)
    text = serialise(build_index(*read_release(files)))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != text:
            print(
                f"stale: {args.out} differs from what {len(files)} modules in {args.dpv} give; "
                "run scripts/build_dpv_vocabulary.py",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out} is up to date ({len(files)} modules)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} from {len(files)} modules ({text.count(chr(10))} lines, {len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
