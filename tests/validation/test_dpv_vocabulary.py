"""The packaged DPV 2.3 index: current with the release, complete, and what the validator reasons with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from dpv_almi.namespaces import DPV, EU_GDPR, LOC, PD
from dpv_almi.validation.vocabularies import DPV_INDEX, TERM_STATUS, DpvIndex, Vocabulary, dpv_index

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_dpv_vocabulary.py"


def test_the_packaged_index_is_what_the_script_builds_from_the_release(dpv_release_dir: Path) -> None:
    """Fails when the index is stale (or edited by hand): rebuild with scripts/build_dpv_vocabulary.py."""
    result = subprocess.run(
        [sys.executable, SCRIPT, "--dpv", dpv_release_dir, "--out", DPV_INDEX, "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_check_reports_a_stale_index(dpv_release_dir: Path, tmp_path: Path) -> None:
    stale = tmp_path / "dpv.json"
    stale.write_text(DPV_INDEX.read_text(encoding="utf-8").replace('"pd:EmailAddress"', '"pd:EMail"'), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, SCRIPT, "--dpv", dpv_release_dir, "--out", stale, "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and "stale" in result.stderr


def test_every_module_of_the_release_is_in_the_index(dpv_release_dir: Path) -> None:
    """Each module's typed terms, checked against the module itself (not the script's reading of it)."""
    index = dpv_index()
    modules = sorted(dpv_release_dir.glob("*.ttl"))
    assert len(modules) == 66
    for module in modules:
        if module.name == "loc.ttl":  # 4 MB; its countries are checked below
            continue
        graph = Graph().parse(module)
        typed = {
            s
            for s in graph.subjects(RDF.type, None)
            if isinstance(s, URIRef) and str(s).startswith("https://w3id.org/dpv")
        }
        assert typed, module.name
        missing = sorted(str(s) for s in typed if "".join(s.split()) not in index)
        assert not missing, (module.name, missing[:5])


def test_the_index_holds_types_hierarchy_labels_and_status() -> None:
    index = dpv_index()
    assert index.version == "2.3" and "W3C" in index.licence and "document-license-2023" in index.licence
    assert (DPV_INDEX.parent / "LICENSE.md").is_file()
    assert (RDF.type, DPV.LegalBasis) in index.links(str(EU_GDPR["A6-1-b"]))
    assert (SKOS.broader, DPV.Contract) in index.links(str(EU_GDPR["A6-1-b"]))
    assert (RDF.type, DPV.Country) in index.links(str(LOC.US))
    assert (RDFS.subPropertyOf, DPV.hasRecipient) in index.links(str(DPV.hasDataImporter))
    term = index.term(str(PD.EmailAddress))
    assert term is not None and term.name == "pd:EmailAddress" and term.labels["en"] == "Email Address"
    sunset = index.term(str(DPV.DataProcessorContract))
    assert sunset is not None and sunset.status == "sunset" and sunset.replaced_by == "dpv:ControllerProcessorAgreement"
    assert index.term(str(DPV.Purpose)).status is None  # "accepted" and "modified" are not news


def test_no_hint_is_kept() -> None:
    """dcam:/schema: rangeIncludes and domainIncludes are hints, not types: the index leaves them out."""
    text = DPV_INDEX.read_text(encoding="utf-8")
    assert "rangeIncludes" not in text and "domainIncludes" not in text


def test_the_iri_written_across_two_lines_in_ieee_7012_is_mended() -> None:
    document = json.loads(DPV_INDEX.read_text(encoding="utf-8"))
    assert "ieee-7012:Tracking2PAllowed" in document["terms"]
    assert not [name for name in document["terms"] if any(ch.isspace() for ch in name)]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("https://w3id.org/dpv/pd#EmailAdress", "pd:EmailAddress"),
        ("https://w3id.org/dpv#EmailAddress", "pd:EmailAddress"),
        ("https://w3id.org/dpv/pd#emailaddress", "pd:EmailAddress"),
        ("https://w3id.org/dpv#hasPurpse", "dpv:hasPurpose"),
        ("https://w3id.org/dpv#Encrypton", "dpv:Encryption"),
    ],
)
def test_a_misspelt_term_gets_the_term_meant(typo: str, meant: str) -> None:
    assert dpv_index().suggest(typo) == meant


def test_nothing_is_suggested_for_a_name_unlike_any_term() -> None:
    assert dpv_index().suggest("https://w3id.org/dpv#Zzzqqqxx") is None


def test_the_closure_copies_what_the_data_uses_up_to_the_top() -> None:
    data = Graph()
    ex = "https://example.org/"
    data.add((URIRef(ex + "p"), DPV.hasPersonalData, PD.EmailAddress))
    data.add((URIRef(ex + "p"), DPV.hasLegalBasis, DPV.DataProcessorContract))
    closure = Vocabulary().closure([data])
    assert (PD.EmailAddress, RDF.type, DPV.PersonalData) in closure
    assert (PD.Contact, SKOS.broader, PD.Identifying) in closure or set(closure.objects(PD.Contact, SKOS.broader))
    assert (DPV.hasPersonalData, RDFS.subPropertyOf, DPV.hasData) in closure
    assert str(closure.value(DPV.DataProcessorContract, TERM_STATUS)) == "sunset"
    assert (DPV.Purpose, RDF.type, None) not in closure  # nothing the data does not reach
    assert len(closure) < 200


def test_a_user_vocabulary_extends_the_closure() -> None:
    ex = "https://example.org/"
    vocab = Graph()
    vocab.add((URIRef(ex + "Loyalty"), RDF.type, DPV.Purpose))
    vocab.add((URIRef(ex + "Loyalty"), SKOS.broader, DPV.CustomerRelationshipManagement))
    data = Graph()
    data.add((URIRef(ex + "p"), DPV.hasPurpose, URIRef(ex + "Loyalty")))
    vocabulary = Vocabulary([vocab])
    closure = vocabulary.closure([data])
    assert (URIRef(ex + "Loyalty"), SKOS.broader, DPV.CustomerRelationshipManagement) in closure
    assert (DPV.CustomerRelationshipManagement, RDF.type, DPV.Purpose) in closure
    assert vocabulary.declares(URIRef(ex + "Loyalty")) and vocabulary.declares(PD.EmailAddress)
    assert not vocabulary.declares(URIRef(ex + "p"))


def test_an_index_document_round_trips() -> None:
    document = json.loads(DPV_INDEX.read_text(encoding="utf-8"))
    index = DpvIndex(document)
    assert len(index) == len(document["terms"]) > 9000


def test_the_fast_node_reading_sees_every_node_of_the_graph() -> None:
    """graph_nodes reads rdflib's in-memory indexes; it must equal iterating the triples (and fall back elsewhere)."""
    from rdflib import BNode, Literal

    from dpv_almi.validation.vocabularies import graph_nodes

    graph = Graph()
    ex = "https://example.org/"
    graph.add((URIRef(ex + "a"), DPV.hasPurpose, BNode("b")))
    graph.add((BNode("b"), SKOS.prefLabel, Literal("x", lang="en")))
    graph.add((URIRef(ex + "a"), RDF.type, DPV.Process))
    expected = {node for triple in graph for node in triple}
    assert graph_nodes(graph) == expected
    other = Graph(store="SimpleMemory")
    for triple in graph:
        other.add(triple)
    assert graph_nodes(other) == expected
