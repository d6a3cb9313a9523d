from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal
from rdflib.compare import isomorphic

from dpv_almi import resources
from dpv_almi.loading import load_graph
from dpv_almi.model import concepts
from dpv_almi.namespaces import ALMI, DPV, PD

TINY_RELEASE = """\
@prefix dpv: <https://w3id.org/dpv#> .
@prefix pd: <https://w3id.org/dpv/pd#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
pd:EmailAddress a rdfs:Class, dpv:PersonalData ; skos:broader pd:Contact ;
    skos:prefLabel "Email Address"@en ; skos:definition "Information about email address"@en .
pd:Contact skos:broader dpv:PersonalData ; skos:prefLabel "Contact"@en .
dpv:PersonalData a rdfs:Class ; skos:prefLabel "Personal Data"@en ; skos:scopeNote "not copied"@en .
pd:Unused skos:broader pd:Contact .
"""


@pytest.fixture
def tiny_model() -> Graph:
    graph = Graph()
    graph.add((ALMI.websiteVisit, DPV.hasPersonalData, PD.EmailAddress))
    return graph


@pytest.fixture(scope="module")
def release_graph(dpv_release_dir: Path) -> Graph:
    return load_graph(concepts.release_files(dpv_release_dir))


def broader_closure(graph: Graph, concept) -> set:
    return set(graph.transitive_objects(concept, SKOS.broader))


def test_used_dpv_iris_finds_every_position(tiny_model: Graph) -> None:
    tiny_model.add((PD.Contact, SKOS.broader, DPV.PersonalData))
    tiny_model.add((ALMI.x, SKOS.inScheme, DPV.term("")))  # the namespace IRI itself is no concept
    assert concepts.used_dpv_iris(tiny_model) == {DPV.hasPersonalData, PD.EmailAddress, PD.Contact, DPV.PersonalData}


def test_extract_follows_the_hierarchy_up_to_the_top(tiny_model: Graph, release_graph: Graph) -> None:
    extract = concepts.extract_concepts(concepts.used_dpv_iris(tiny_model), release_graph)
    above = broader_closure(extract, PD.EmailAddress)
    assert {PD.Contact, PD.Tracking}.issubset(above)
    assert (PD.EmailAddress, RDF.type, DPV.PersonalData) in extract
    assert (DPV.hasPersonalData, RDFS.subPropertyOf, DPV.hasData) in extract
    top = [c for c in above if not set(release_graph.objects(c, SKOS.broader))]
    assert top, "the chain must reach a concept with no broader concept"
    assert all(set(release_graph.objects(c, SKOS.broader)) <= set(extract.objects(c, SKOS.broader)) for c in above)


def test_extract_keeps_labels_and_nothing_else(tiny_model: Graph, release_graph: Graph) -> None:
    extract = concepts.extract_concepts(concepts.used_dpv_iris(tiny_model), release_graph)
    assert (PD.EmailAddress, SKOS.prefLabel, Literal("Email Address", lang="en")) in extract
    assert set(extract.predicates()) <= set(concepts.COPIED_PREDICATES)
    assert not list(extract.triples((None, SKOS.definition, None)))


def test_extract_on_a_tiny_release_is_exact(tmp_path: Path, tiny_model: Graph) -> None:
    (tmp_path / "tiny.ttl").write_text(TINY_RELEASE)
    release = load_graph(concepts.release_files(tmp_path))
    extract = concepts.extract_concepts(concepts.used_dpv_iris(tiny_model), release)
    assert set(extract.subjects()) == {PD.EmailAddress, PD.Contact, DPV.PersonalData}
    assert len(extract) == 8


def test_serialisation_is_deterministic_and_has_the_header(tiny_model: Graph, tmp_path: Path) -> None:
    (tmp_path / "tiny.ttl").write_text(TINY_RELEASE)
    extract = concepts.extract_concepts(concepts.used_dpv_iris(tiny_model), load_graph([tmp_path]))
    text = concepts.serialize(extract)
    assert text == concepts.serialize(extract)
    assert text.startswith("# GENERATED FILE - DO NOT EDIT BY HAND.")
    assert "W3C Document License" in text
    assert isomorphic(Graph().parse(data=text, format="turtle"), extract)


def test_check_mode_detects_a_stale_file(tmp_path: Path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    (release / "tiny.ttl").write_text(TINY_RELEASE)
    model = tmp_path / "model.ttl"
    model.write_text(f"<{ALMI.x}> <{DPV.hasPersonalData}> <{PD.EmailAddress}> .\n")
    out = tmp_path / "concepts.ttl"
    args = ["--dpv", str(release), "--model", str(model), "--out", str(out)]
    assert concepts.main([*args, "--check"]) == 1  # missing
    assert concepts.main(args) == 0
    assert concepts.main([*args, "--check"]) == 0
    out.write_text(out.read_text() + "<https://w3id.org/dpv#X> a <https://w3id.org/dpv#Y> .\n")
    assert concepts.main([*args, "--check"]) == 1


def test_unreadable_release_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.ttl"
    model.write_text("")
    assert (
        concepts.main(["--dpv", str(tmp_path / "nowhere"), "--model", str(model), "--out", str(tmp_path / "o.ttl")])
        == 2
    )
    assert "no DPV release" in capsys.readouterr().err


def test_committed_concepts_file_is_fresh(repo_root: Path, dpv_release_dir: Path) -> None:
    if not (repo_root / "ontology" / "dpv-almi.ttl").is_file():
        pytest.skip("ontology/dpv-almi.ttl does not exist yet")
    committed = resources.concepts_path()
    assert committed.is_file(), "run `make concepts` to create ontology/dpv-concepts.ttl"
    generated = concepts.build(concepts.default_model_paths(), dpv_release_dir)
    assert isomorphic(load_graph([committed]), generated), "ontology/dpv-concepts.ttl is stale: run `make concepts`"


def test_every_dpv_iri_of_the_model_is_in_the_extract(model_graph: Graph) -> None:
    """Catches typos: a DPV IRI that DPV 2.3 does not define gets no triples in the extract."""
    extract = load_graph([resources.concepts_path()])
    described = set(extract.subjects())
    model_only = load_graph(concepts.default_model_paths())
    undescribed = sorted(concepts.used_dpv_iris(model_only) - described)
    assert undescribed == [], "not defined in DPV 2.3, or dpv-concepts.ttl is stale (run `make concepts`)"
