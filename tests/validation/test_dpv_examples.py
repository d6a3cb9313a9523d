"""DPV's own 88 examples, written by nobody here: no result may call a real DPV 2.3 term unknown or of the wrong kind.

The examples are Turtle fragments without prefix lines; the standard DPV prefixes and ``ex:`` are
added before parsing.  Whether a value really is of the kind a rule asks for is decided here from
the release itself (rdflib over all 66 modules), not from the validator's index.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from dpv_almi.errors import InputError
from dpv_almi.namespaces import DPV
from dpv_almi.validation.core import Report, validate

PREFIXES = {
    "ex": "https://example.com/",
    "": "https://example.com/",
    "exA": "https://example.com/A/",
    "exB": "https://example.com/B/",
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "tech": "https://w3id.org/dpv/tech#",
    "risk": "https://w3id.org/dpv/risk#",
    "justifications": "https://w3id.org/dpv/justifications#",
    "loc": "https://w3id.org/dpv/loc#",
    "legal-eu": "https://w3id.org/dpv/legal/eu#",
    "legal-ie": "https://w3id.org/dpv/legal/ie#",
    "eu-gdpr": "https://w3id.org/dpv/legal/eu/gdpr#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
}
HEADER = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in PREFIXES.items())

BROKEN = {"E0030.ttl", "E0059.ttl", "E0061.ttl"}
"""Examples that are not Turtle as published (a missing ';', an unclosed '['): they must be refused with exit 2."""

KINDS = {
    "PurposeKind": DPV.Purpose,
    "PersonalDataKind": DPV.PersonalData,
    "LegalBasisKind": DPV.LegalBasis,
    "DataSourceKind": DPV.DataSource,
    "ProcessingKind": DPV.Processing,
    "RightKind": DPV.Right,
    "DataSubjectKind": DPV.HumanSubject,
    "StorageConditionKind": DPV.StorageCondition,
    "JointControllersKind": DPV.JointDataControllers,
    "RecipientRole": DPV.LegalEntity,
    "ProcessorRole": DPV.LegalEntity,
    "RecipientControllerRole": DPV.LegalEntity,
    "RecipientThirdPartyRole": DPV.LegalEntity,
    "ImporterRole": DPV.LegalEntity,
    "ExporterRole": DPV.LegalEntity,
}


@pytest.fixture(scope="module")
def examples_dir(repo_root: Path) -> Path:
    directory = repo_root.parent / "shared" / "dpv" / "examples"
    if not (directory / "E0001.ttl").is_file():
        pytest.skip(f"DPV examples not found at {directory}")
    return directory


@pytest.fixture(scope="module")
def release(dpv_release_dir: Path) -> Graph:
    graph = Graph()
    for module in sorted(dpv_release_dir.glob("*.ttl")):
        graph.parse(module)
    return graph


@pytest.fixture(scope="module")
def reports(examples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report | InputError]:
    out = tmp_path_factory.mktemp("dpv-examples")
    reports: dict[str, Report | InputError] = {}
    examples = sorted(examples_dir.glob("E*.ttl"))
    assert len(examples) == 88
    for example in examples:
        path = out / example.name
        path.write_text(HEADER + example.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            reports[example.name] = validate([path])
        except InputError as error:
            reports[example.name] = error
    return reports


def is_dpv_term(node: Node, release: Graph) -> bool:
    return (
        isinstance(node, URIRef) and str(node).startswith("https://w3id.org/dpv") and (node, RDF.type, None) in release
    )


def above(node: Node, graphs: tuple[Graph, ...]) -> Iterator[Node]:
    """Everything reachable from *node* through rdf:type, rdfs:subClassOf and skos:broader."""
    seen, todo = {node}, [node]
    while todo:
        current = todo.pop()
        yield current
        for graph in graphs:
            for predicate in (RDF.type, RDFS.subClassOf, SKOS.broader):
                for value in graph.objects(current, predicate):
                    if value not in seen:
                        seen.add(value)
                        todo.append(value)


def test_only_the_broken_examples_are_refused(reports: dict[str, Report | InputError]) -> None:
    refused = {name for name, report in reports.items() if isinstance(report, InputError)}
    assert refused == BROKEN
    assert all(":" in str(reports[name]) and "Traceback" not in str(reports[name]) for name in BROKEN)


def test_no_real_dpv_term_is_called_unknown(reports: dict[str, Report | InputError], release: Graph) -> None:
    wrong = [
        (name, result.value_text)
        for name, report in reports.items()
        if isinstance(report, Report)
        for result in report.results
        if result.rule.id == "KnownDpvTerm" and result.value is not None and is_dpv_term(result.value, release)
    ]
    assert wrong == []


def test_no_value_of_the_right_kind_is_called_the_wrong_kind(
    reports: dict[str, Report | InputError], release: Graph, examples_dir: Path
) -> None:
    """A kind result about a DPV term (or a node typed with one) must be right by the release's own hierarchy."""
    checked, wrong = 0, []
    for name, report in reports.items():
        if not isinstance(report, Report):
            continue
        example = Graph().parse(data=HEADER + (examples_dir / name).read_text(encoding="utf-8"), format="turtle")
        for result in report.results:
            kind = KINDS.get(result.rule.id)
            if kind is None or result.value is None:
                continue
            value = result.value
            types = set(example.objects(value, RDF.type)) if isinstance(value, (URIRef, BNode)) else set()
            if not (is_dpv_term(value, release) or any(is_dpv_term(t, release) for t in types)):
                continue  # an example's own untyped or undeclared node: not a DPV term
            checked += 1
            if kind in set(above(value, (example, release))):
                wrong.append((name, result.rule.id, result.focus_text, result.value_text))
    assert wrong == []
    assert checked >= 3  # the examples do misuse some real terms (dpv:Location as personal data ...)
