"""The synthetic notices follow the Almi model's patterns and stay within its DPV extract."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS

from dpv_almi import loading, resources
from dpv_almi.model.synthetic import CONSENT, LEGITIMATE_INTEREST, generate, organisation_namespace
from dpv_almi.namespaces import DPV, DPV_NAMESPACES


def test_the_same_seed_gives_the_same_notices_and_another_seed_others() -> None:
    assert isomorphic(generate(3, seed=7), generate(3, seed=7))
    assert not isomorphic(generate(3, seed=7), generate(3, seed=8))


def test_each_organisation_has_its_own_notice_and_namespace() -> None:
    graph = generate(4)
    notices = set(graph.subjects(RDF.type, DPV.PrivacyNotice))
    assert notices == {organisation_namespace(i).Notice for i in range(1, 5)}
    for activity in graph.subjects(RDF.type, DPV.Process):
        (notice,) = graph.objects(activity, DPV.hasNotice)
        assert str(activity).startswith(str(notice).rsplit("/", 1)[0])


def test_every_activity_has_one_art_6_basis_and_the_rights_it_implies() -> None:
    graph = generate(20, seed=1)
    activities = set(graph.subjects(RDF.type, DPV.Process))
    assert len(activities) >= 60
    for activity in activities:
        (basis,) = graph.objects(activity, DPV.hasLegalBasis)
        articles = {graph.value(right, SKOS.broader) for right in graph.objects(activity, DPV.hasRight)}
        if basis == CONSENT:
            assert URIRef("https://w3id.org/dpv/legal/eu/gdpr#A7-3") in articles
        else:
            assert basis == LEGITIMATE_INTEREST
            assert URIRef("https://w3id.org/dpv/legal/eu/gdpr#A21") in articles
        for prop in (DPV.hasPurpose, DPV.hasPersonalData, DPV.hasDataSource, DPV.hasStorageCondition):
            assert graph.value(activity, prop) is not None


def test_every_dpv_term_generated_is_in_the_packaged_dpv_extract() -> None:
    extract = loading.load_graph([resources.concepts_path()])
    known = set(extract.subjects())
    namespaces = tuple(str(ns) for ns in DPV_NAMESPACES)
    used = {
        t for triple in generate(30, seed=3) for t in triple if isinstance(t, URIRef) and str(t).startswith(namespaces)
    }
    assert sorted(used - known) == []


def test_the_third_country_question_works_on_generated_notices() -> None:
    graph = generate(25, seed=2) + loading.load_graph([resources.concepts_path()])
    query = """
        PREFIX dpv: <https://w3id.org/dpv#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?activity WHERE {
          ?activity dpv:hasProcessing ?t . ?t skos:broader* dpv:CrossBorderTransfer ; dpv:hasThirdCountry ?c .
        }"""
    found = {row.activity for row in graph.query(query)}
    with_transfer = {
        a
        for a in graph.subjects(RDF.type, DPV.Process)
        if any(graph.value(op, SKOS.broader) == DPV.CrossBorderTransfer for op in graph.objects(a, DPV.hasProcessing))
    }
    assert found == with_transfer and found


def test_generated_notices_have_no_violations_of_the_shapes() -> None:
    from dpv_almi.validation.core import Severity, validate

    report = validate(generate(10, seed=4))
    violations = [(r.rule.id, r.focus_text) for r in report.results if r.severity is Severity.VIOLATION]
    assert violations == []
    assert report.results, "the synthetic notices have the usual gaps, reported as warnings"
