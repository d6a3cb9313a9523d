"""Every shape: a minimal conforming fixture, a minimal failing one, and the exact results expected.

``fixtures/minimal.ttl`` conforms to every shape with no result at all; each case applies a
one-change SPARQL Update to it and names the results the shape must report (focus node, path as
the report renders it, severity).  A second, independent engine (pyrudof) must reach the same
verdicts on every fixture: the shapes are portable SHACL Core plus SHACL-SPARQL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS, SH

from dpv_almi.validation.core import (
    Report,
    _class_targeted,
    build_data_graph,
    default_shapes_files,
    load_shapes,
    validate,
)

PROLOGUE = """
PREFIX ex:      <https://example.org/notice/>
PREFIX dpv:     <https://w3id.org/dpv#>
PREFIX pd:      <https://w3id.org/dpv/pd#>
PREFIX eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#>
PREFIX loc:     <https://w3id.org/dpv/loc#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX dct:     <http://purl.org/dc/terms/>
"""
EX = "https://example.org/notice/"


@dataclass(frozen=True)
class Case:
    rule: str
    update: str
    expected: tuple[tuple[str, str | None], ...]  # (focus local name, path text or None)
    severity: str


def delete(triples: str) -> str:
    return f"DELETE DATA {{ {triples} }}"


def insert(triples: str) -> str:
    return f"INSERT DATA {{ {triples} }}"


def replace(old: str, new: str) -> str:
    return f"DELETE DATA {{ {old} }} ; INSERT DATA {{ {new} }}"


V, W, INFO = "violation", "warning", "info"
RIGHTS_PATH = "(dpv:hasRight|dpv:hasNotice/dpv:hasRight)/(skos:broader)*"

CASES: tuple[Case, ...] = (
    # ---- structure
    Case(
        "ProcessPurpose", delete("ex:Support dpv:hasPurpose ex:SupportPurpose ."), (("Support", "dpv:hasPurpose"),), V
    ),
    Case(
        "ProcessPersonalData",
        delete("ex:Support dpv:hasPersonalData ex:ContactData ."),
        (("Support", "dpv:hasPersonalData"),),
        V,
    ),
    Case(
        "ProcessArt6Basis",
        insert("ex:Newsletter dpv:hasLegalBasis eu-gdpr:A6-1-f ."),
        (("Newsletter", "dpv:hasLegalBasis"),),
        V,
    ),
    Case(
        "ProcessDataSource",
        delete("ex:Newsletter dpv:hasDataSource ex:FromYou ."),
        (("Newsletter", "dpv:hasDataSource"),),
        V,
    ),
    Case(
        "ProcessRetention",
        delete("ex:Support dpv:hasStorageCondition ex:OneYear ."),
        (("Support", "dpv:hasStorageCondition"),),
        V,
    ),
    Case(
        "ConsentRetention",
        replace(
            "ex:Newsletter dpv:hasStorageCondition ex:UntilUnsubscribed .",
            "ex:Newsletter dpv:hasStorageCondition ex:OneYear .",
        ),
        (("Newsletter", None),),
        W,
    ),
    Case("TransferDestination", delete("ex:Transfer dpv:hasThirdCountry loc:US ."), (("Transfer", None),), V),
    Case(
        "TransferBasisOrSafeguard",
        delete(
            "ex:Transfer dpv:hasLegalBasis eu-gdpr:A46-2-c ; dpv:hasOrganisationalMeasure eu-gdpr:SCCByCommission ."
        ),
        (("Transfer", None),),
        V,
    ),
    Case("PurposeKind", insert("ex:Support dpv:hasPurpose ex:Untyped ."), (("Support", "dpv:hasPurpose"),), V),
    Case(
        "PersonalDataKind",
        insert("ex:Support dpv:hasPersonalData ex:Untyped ."),
        (("Support", "dpv:hasPersonalData"),),
        V,
    ),
    Case("LegalBasisKind", insert("ex:Support dpv:hasLegalBasis ex:Untyped ."), (("Support", "dpv:hasLegalBasis"),), V),
    Case("DataSourceKind", insert("ex:Support dpv:hasDataSource ex:Untyped ."), (("Support", "dpv:hasDataSource"),), V),
    Case("ProcessingKind", insert("ex:Support dpv:hasProcessing ex:Untyped ."), (("Support", "dpv:hasProcessing"),), V),
    Case("RightKind", insert("ex:Support dpv:hasRight ex:Untyped ."), (("Support", "dpv:hasRight"),), V),
    Case(
        "DataSubjectKind", insert("ex:Support dpv:hasDataSubject ex:Untyped ."), (("Support", "dpv:hasDataSubject"),), V
    ),
    Case(
        "StorageConditionKind",
        insert("ex:Support dpv:hasStorageCondition ex:Untyped ."),
        (("Support", "dpv:hasStorageCondition"),),
        V,
    ),
    Case("RecipientRole", insert("ex:Support dpv:hasRecipient ex:Untyped ."), (("Support", "dpv:hasRecipient"),), V),
    Case(
        "ProcessorRole",
        insert("ex:Support dpv:hasDataProcessor ex:Untyped ."),
        (("Support", "dpv:hasDataProcessor"),),
        V,
    ),
    Case(
        "RecipientControllerRole",
        insert("ex:Support dpv:hasRecipientDataController ex:Untyped ."),
        (("Support", "dpv:hasRecipientDataController"),),
        V,
    ),
    Case(
        "RecipientThirdPartyRole",
        insert("ex:Support dpv:hasRecipientThirdParty ex:Untyped ."),
        (("Support", "dpv:hasRecipientThirdParty"),),
        V,
    ),
    Case(
        "ImporterRole",
        insert("ex:Transfer dpv:hasDataImporter ex:Untyped ."),
        (("Transfer", "dpv:hasDataImporter"),),
        V,
    ),
    Case(
        "ExporterRole",
        insert("ex:Transfer dpv:hasDataExporter ex:Untyped ."),
        (("Transfer", "dpv:hasDataExporter"),),
        V,
    ),
    Case(
        "JointControllersKind",
        insert("ex:Newsletter dpv:hasJointDataControllers ex:Acme ."),
        (("Newsletter", "dpv:hasJointDataControllers"),),
        V,
    ),
    # ---- GDPR Art. 13 / 14
    Case("A13-1-a-Controller", delete('ex:Acme dpv:hasName "Acme AB" .'), (("Notice", "dpv:hasDataController"),), V),
    Case(
        "A13-1-a-ControllerContact",
        delete('ex:Acme dpv:hasContact "mailto:info@acme.example" .'),
        (("Notice", "dpv:hasDataController"),),
        W,
    ),
    Case(
        "A13-1-a-JointControllers",
        delete('ex:Partner dpv:hasName "Partner AB" .'),
        (("Group", "dpv:hasDataController"),),
        W,
    ),
    Case("A13-1-b-DPOContact", delete('ex:DPO dpv:hasContact "mailto:dpo@acme.example" .'), (("DPO", None),), V),
    Case(
        "A13-1-b-DPOStated",
        delete("ex:Notice dpv:hasDataProtectionOfficer ex:DPO ."),
        (("Notice", "(dpv:hasDataProtectionOfficer|dpv:hasDataController/dpv:hasDataProtectionOfficer)"),),
        INFO,
    ),
    Case(
        "A13-1-c-PurposeDescribed",
        delete('ex:SupportPurpose skos:prefLabel "Answer questions"@en .'),
        (("Support", "dpv:hasPurpose"),),
        V,
    ),
    Case(
        "A13-1-d-LegitimateInterest",
        delete(
            'ex:InterestInSupport dct:description "Our interest in answering the questions customers send us."@en .'
        ),
        (("Support", None),),
        W,
    ),
    Case("A13-1-e-RecipientNamed", delete('ex:Hosting dpv:hasName "Hosting Ltd" .'), (("Hosting", None),), INFO),
    Case(
        "A13-1-e-RecipientLocation",
        delete("ex:AdPlatform dpv:hasLocation loc:US ."),
        (("AdPlatform", "(dpv:hasLocation|dpv:hasCountry|dpv:hasThirdCountry)"),),
        INFO,
    ),
    Case(
        "A13-1-f-TransferCountry",
        replace(
            "ex:Transfer dpv:hasThirdCountry loc:US .",
            "ex:Transfer dpv:hasThirdCountry ex:Abroad . ex:Abroad a dpv:ThirdCountry .",
        ),
        (("Transfer", None),),
        W,
    ),
    Case(
        "A13-1-f-SafeguardCopy",
        delete("ex:Transfer dct:references <https://acme.example/scc> ."),
        (("Transfer", None),),
        W,
    ),
    Case(
        "A13-2-a-RetentionPeriod",
        replace(
            "ex:Support dpv:hasStorageCondition ex:OneYear .",
            "ex:Support dpv:hasStorageCondition ex:UntilUnsubscribed .",
        ),
        (("Support", None),),
        W,
    ),
    Case(
        "A13-2-b-Access",
        delete("ex:Notice dpv:hasRight ex:Access ."),
        (("Newsletter", RIGHTS_PATH), ("Support", RIGHTS_PATH)),
        V,
    ),
    Case(
        "A13-2-b-Rectification",
        delete("ex:Notice dpv:hasRight ex:Rectification ."),
        (("Newsletter", RIGHTS_PATH), ("Support", RIGHTS_PATH)),
        V,
    ),
    Case(
        "A13-2-b-Erasure",
        delete("ex:Notice dpv:hasRight ex:Erasure ."),
        (("Newsletter", RIGHTS_PATH), ("Support", RIGHTS_PATH)),
        V,
    ),
    Case(
        "A13-2-b-Restriction",
        delete("ex:Notice dpv:hasRight ex:Restriction ."),
        (("Newsletter", RIGHTS_PATH), ("Support", RIGHTS_PATH)),
        V,
    ),
    Case("A13-2-b-Objection", delete("ex:Support dpv:hasRight ex:Objection ."), (("Support", None),), V),
    Case("A13-2-b-Portability", delete("ex:Newsletter dpv:hasRight ex:Portability ."), (("Newsletter", None),), V),
    Case("A13-2-b-PortabilityScope", insert("ex:Support dpv:hasRight ex:Portability ."), (("Support", None),), V),
    Case("A13-2-c-WithdrawConsent", delete("ex:Newsletter dpv:hasRight ex:Withdraw ."), (("Newsletter", None),), V),
    Case(
        "A13-2-d-Complaint",
        delete("ex:Notice dpv:hasRight ex:Complaint ."),
        (("Newsletter", RIGHTS_PATH), ("Support", RIGHTS_PATH)),
        V,
    ),
    Case(
        "A13-2-e-ProvisionRequirement", delete("ex:Support dpv:hasConsequence ex:Voluntary ."), (("Support", None),), W
    ),
    Case(
        "CookieConsentLaw", delete("ex:Newsletter dpv:hasApplicableLaw ex:CookieAct ."), (("Newsletter", None),), INFO
    ),
    Case(
        "A87-NationalIdentifier",
        insert("ex:Passport a dpv:PersonalData ; skos:broader ex:ContactData, pd:Passport ."),
        (("Support", None),),
        INFO,
    ),
    Case(
        "A13-2-f-ProfilingLogic",
        delete(
            'ex:Segmentation dct:description "Groups subscribers by the topics they open; no decisions are made about them."@en .'
        ),
        (("Newsletter", None),),
        W,
    ),
    Case("A14-1-d-Categories", delete('ex:ContactData skos:prefLabel "Contact data"@en .'), (("Support", None),), V),
    Case(
        "A14-2-f-SourceNamed",
        delete('ex:Register dpv:hasName "The Swedish companies register" .'),
        (("Support", "dpv:hasDataSource"),),
        W,
    ),
    Case(
        "NoticeDated",
        delete('ex:Notice dct:modified "2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .'),
        (("Notice", "(dct:modified|dct:issued|dct:created)"),),
        INFO,
    ),
    Case(
        "ProcessDataSubjects",
        delete("ex:Newsletter dpv:hasDataSubject ex:Customer ."),
        (("Newsletter", "dpv:hasDataSubject"),),
        INFO,
    ),
    # ---- vocabulary
    Case("KnownDpvTerm", insert("ex:Support dpv:hasPurpse ex:SupportPurpose ."), (("Support", "dpv:hasPurpse"),), V),
    Case(
        "SunsetDpvTerm",
        insert("ex:Support dpv:hasOrganisationalMeasure dpv:ContractualTerms ."),
        (("Support", "dpv:hasOrganisationalMeasure"),),
        W,
    ),
    Case(
        "DefinedCategory",
        insert(
            "ex:Support dpv:hasPersonalData ex:Undefined . ex:Undefined a dpv:PersonalData ; skos:broader pd:Contact ."
        ),
        (("Support", "dpv:hasPersonalData"),),
        W,
    ),
)


def mutate(base: Graph, update: str) -> Graph:
    """A copy of *base* with a SPARQL Update applied (the base is never changed)."""
    graph = Graph()
    graph += base
    graph.update(PROLOGUE + update)
    return graph


def found(report: Report, rule: str) -> list[tuple[str, str | None, str]]:
    return sorted(
        (str(r.focus_node).removeprefix(EX), r.path_text, r.severity.label) for r in report.results if r.rule.id == rule
    )


def test_minimal_fixture_conforms_with_no_result(minimal_graph: Graph) -> None:
    report = validate(minimal_graph)
    assert [(r.rule.id, r.focus_text) for r in report.results] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_shape_reports_its_failing_fixture(case: Case, minimal_graph: Graph) -> None:
    report = validate(mutate(minimal_graph, case.update))
    expected = sorted((focus, path, case.severity) for focus, path in case.expected)
    assert found(report, case.rule) == expected
    assert all(r.message for r in report.results)


def reporting_shapes() -> set[str]:
    """Shapes with a target: the ones that can report."""
    shapes, _ = load_shapes()
    targets = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)
    return {str(s).split("#")[-1] for t in targets for s in shapes.subjects(t, None)}


def test_every_shape_has_a_case() -> None:
    assert reporting_shapes() == {c.rule for c in CASES}


def test_every_shape_has_label_comment_severity_and_messages_in_both_languages() -> None:
    shapes, _ = load_shapes()
    targets = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)
    for shape in {s for t in targets for s in shapes.subjects(t, None)}:
        assert shapes.value(shape, RDFS.label) and shapes.value(shape, RDFS.comment), shape
        assert shapes.value(shape, SH.severity) is not None, shape
        owners = [shape, *shapes.objects(shape, SH.sparql)]
        languages = {m.language for o in owners for m in shapes.objects(o, SH.message)}
        assert languages == {"en", "sv"}, shape


def test_messages_follow_the_chosen_language(minimal_graph: Graph) -> None:
    graph = mutate(minimal_graph, CASES[0].update)
    english = [r.message for r in validate(graph, lang="en").results]
    swedish = [r.message for r in validate(graph, lang="sv").results]
    assert english and swedish and english != swedish
    assert any("ändamål" in m for m in swedish)


# ---- portability: a second, independent engine --------------------------------------------

import pyrudof  # noqa: E402  (a test dependency: the second engine must run, not skip)


@functools.cache
def shapes_turtle() -> str:
    """The shapes as pyrudof reads them. pyrudof has no SHACL-AF, so it would give the shapes targeting
    ``dpvs:ProcessOfNotice`` (a SPARQL target type) no focus node; they get the class target
    ``dpv:Process`` instead, which selects the same nodes on these fixtures: none of their processes
    points elsewhere (``test_process_of_notice.py`` checks that target itself in both engines)."""
    return _class_targeted(load_shapes()[0]).serialize(format="turtle")


def rudof_verdicts(graph: Graph) -> list[tuple[str, str, str]]:
    """(shape, focus node, severity) of every result pyrudof reports, on the same data graph."""
    data, _ = build_data_graph(graph)
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes_turtle())
    report = rudof.validate_shacl()
    return sorted({(e.source_shape.split("#")[-1], e.focus_node, e.severity.lower()) for e in report.violations})


def default_verdicts(graph: Graph) -> list[tuple[str, str, str]]:
    return sorted({(r.rule.id, str(r.focus_node), r.severity.label) for r in validate(graph).results})


@pytest.mark.parametrize("case", (None, *CASES), ids=lambda c: c.rule if c else "minimal")
def test_second_engine_reaches_the_same_verdicts(case: Case | None, minimal_graph: Graph) -> None:
    graph = minimal_graph if case is None else mutate(minimal_graph, case.update)
    assert rudof_verdicts(graph) == default_verdicts(graph)


def test_reference_engine_pyshacl_reaches_the_same_verdicts(minimal_graph: Graph) -> None:
    """pyshacl stays available. Checked on the Core shapes: its SHACL-SPARQL re-parses each query
    per focus node, seconds per run (figures in bench/validate_bench.py); pyrudof covers SPARQL."""
    core = [p for p in default_shapes_files() if p.name != "vocabulary.ttl"]
    for case in CASES[:3]:
        graph = mutate(minimal_graph, case.update)
        verdicts = {
            engine: sorted(
                {(r.rule.id, str(r.focus_node), r.severity.label) for r in validate(graph, core, engine=engine).results}
            )
            for engine in ("pyshacl", "turbo")
        }
        assert verdicts["pyshacl"] == verdicts["turbo"] and verdicts["turbo"], case.rule
