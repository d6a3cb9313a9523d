"""The model says what the notice says: its activities, bases, categories, rights and gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from dpv_almi.namespaces import ALMI, DPV, DPV_NAMESPACES, DPVA, EU_GDPR, LOC, PD

LEGITIMATE_INTEREST = {
    ALMI.MataKundnojdhet,
    ALMI.ServiceVidKontakt,
    ALMI.Statistik,
    ALMI.DirektMarknadsforing,
    ALMI.BokaMote,
    ALMI.Telemarketing,
}
CONSENT = {ALMI.Nyhetsbrev, ALMI.AnalysAvHemsida, ALMI.Natverk, ALMI.Marknadsforing}
ACTIVITIES = LEGITIMATE_INTEREST | CONSENT
CATEGORY_TABLE = {
    "Användargenererade uppgifter",
    "Demografiska uppgifter",
    "Företagsuppgifter",
    "Identitetsuppgifter",
    "Kommunikation",
    "Kontaktuppgifter",
    "Organisatorisk information",
}


def labels(graph: Graph, subject: URIRef, lang: str) -> set[str]:
    return {str(o) for o in graph.objects(subject, SKOS.prefLabel) if isinstance(o, Literal) and o.language == lang}


def test_the_notice_has_exactly_the_ten_activities(almi_graph: Graph) -> None:
    """The ten the notice describes; every other dpv:Process is one of the seven whose information is elsewhere."""
    others = set(almi_graph.subjects(RDF.type, DPVA.OtherProcessingArea))
    assert set(almi_graph.subjects(RDF.type, DPV.Process)) == ACTIVITIES | others
    assert not ACTIVITIES & others
    assert set(almi_graph.objects(ALMI.Notice, DPV.hasProcess)) == ACTIVITIES
    for activity in ACTIVITIES:
        assert (activity, DPV.hasNotice, ALMI.Notice) in almi_graph


@pytest.mark.parametrize(
    ("activities", "basis"), [(LEGITIMATE_INTEREST, EU_GDPR["A6-1-f"]), (CONSENT, EU_GDPR["A6-1-a"])]
)
def test_each_activity_has_its_one_legal_basis(almi_graph: Graph, activities: set[URIRef], basis: URIRef) -> None:
    for activity in activities:
        assert list(almi_graph.objects(activity, DPV.hasLegalBasis)) == [basis], activity


def test_every_activity_has_what_the_notice_gives_for_it(almi_graph: Graph) -> None:
    required = [
        DPV.hasPurpose,
        DPV.hasPersonalData,
        DPV.hasDataSource,
        DPV.hasStorageCondition,
        DPV.hasJointDataControllers,
        DPV.hasDataSubject,
        DPV.hasRight,
        DPV.hasRecipient,
        DPV.hasTechnicalOrganisationalMeasure,
    ]
    for activity in ACTIVITIES:
        for prop in required:
            assert almi_graph.value(activity, prop) is not None, (activity, prop)
        assert (activity, DPV.hasStorageCondition, ALMI.LagringInomEU) in almi_graph
        assert (activity, DPV.hasRecipient, ALMI.Systemleverantorer) in almi_graph


def test_the_system_suppliers_are_recipients_not_asserted_processors(almi_graph: Graph) -> None:
    """The notice says data "kan komma att lämnas ut" to them; their role is a recorded ambiguity."""
    assert set(almi_graph.objects(ALMI.Systemleverantorer, RDF.type)) == {DPV.Recipient}
    assert not set(almi_graph.subject_objects(DPV.hasDataProcessor))
    assert (ALMI["defect-systemleverantorer-roll"], DPVA.concerns, ALMI.Systemleverantorer) in almi_graph


def test_independent_controllers_are_not_third_parties(almi_graph: Graph) -> None:
    """DPV's scope note for dpv:ThirdParty excludes controllers (and processors)."""
    controllers = set(almi_graph.subjects(RDF.type, DPV.DataController))
    assert {ALMI.Google, ALMI.Meta, ALMI.Bing, ALMI.LinkedIn} <= controllers
    assert not controllers & set(almi_graph.subjects(RDF.type, DPV.ThirdParty))


def test_cases_forwarded_to_subsidiaries_stay_within_the_joint_controllers(almi_graph: Graph) -> None:
    assert almi_graph.value(ALMI.ServiceVidKontakt, DPV.hasRecipientDataController) is None
    assert (ALMI.Almikoncernen, DPV.hasDataController, ALMI.Dotterbolagen) in almi_graph


def test_the_possible_transfer_is_modelled_once_and_linked_to_every_activity(almi_graph: Graph) -> None:
    transfer = ALMI.Tredjelandsoverforing
    assert set(almi_graph.subjects(DPV.hasProcessing, transfer)) == ACTIVITIES
    assert (transfer, SKOS.broader, DPV.CrossBorderTransfer) in almi_graph
    assert set(almi_graph.objects(transfer, DPV.hasLegalBasis)) == {EU_GDPR["A45-3"], EU_GDPR["A46-2-c"]}
    assert almi_graph.value(transfer, DPV.hasLikelihood) == ALMI.KanSke
    # The qualification is in the model, not only in the quoted passage.
    for node in (transfer, ALMI.KanSke):
        described = {str(d) for d in almi_graph.objects(node, DCTERMS.description) if isinstance(d, Literal)}
        assert any("i flera fall" in d for d in described) and any("in several cases" in d for d in described)
    (swedish,) = {d for d in almi_graph.objects(transfer, DCTERMS.description) if d.language == "sv"}
    assert "antingen" in swedish and "adekvansbeslut eller standardavtalsklausuler" in swedish
    assert (almi_graph.value(transfer, DPV.hasDataExporter), RDF.type, DPV.DataExporter) in almi_graph
    assert almi_graph.value(transfer, DPV.hasDataExporter) is not None
    assert almi_graph.value(transfer, DPV.hasDataImporter) is not None
    country = almi_graph.value(transfer, DPV.hasThirdCountry)
    assert (country, RDF.type, DPV.ThirdCountry) in almi_graph
    assert (country, DPV.hasLocation, LOC["non-EEA"]) in almi_graph


def test_no_country_is_asserted_that_the_notice_does_not_name(almi_graph: Graph) -> None:
    """The notice names no country: no loc: country may appear, only EU and 'non-EEA'."""
    used = {o for o in almi_graph.objects() if isinstance(o, URIRef) and o.startswith(str(LOC))}
    assert used == {LOC.EU, LOC["non-EEA"]}


def test_the_category_table_and_its_two_undefined_categories(almi_graph: Graph) -> None:
    defined = set(almi_graph.objects(ALMI.Notice, DPVA.definesPersonalData))
    assert {label for c in defined for label in labels(almi_graph, c, "sv")} == CATEGORY_TABLE
    used = set(almi_graph.objects(None, DPV.hasPersonalData))
    assert used - defined == {ALMI.Kompetensuppgifter, ALMI.Identifieringsuppgifter}
    for undefined in used - defined:
        defects = set(almi_graph.subjects(DPVA.concerns, undefined))
        assert any((d, DPVA.defectKind, DPVA.UndefinedTerm) in almi_graph for d in defects), undefined


def test_email_is_an_example_of_contact_data_under_pd_contact(almi_graph: Graph) -> None:
    assert (ALMI.Epost, SKOS.broader, ALMI.Kontaktuppgifter) in almi_graph
    assert (ALMI.Epost, SKOS.broader, PD.EmailAddress) in almi_graph
    assert (ALMI.Kontaktuppgifter, SKOS.broader, PD.Contact) in almi_graph


def test_google_meta_bing_linkedin_are_independent_controllers_of_the_cookie_activities(almi_graph: Graph) -> None:
    platforms = {ALMI.Google, ALMI.Meta, ALMI.Bing, ALMI.LinkedIn}
    for platform in platforms:
        assert (platform, RDF.type, DPV.DataController) in almi_graph
        assert set(almi_graph.subjects(DPV.hasRecipientDataController, platform)) == {
            ALMI.AnalysAvHemsida,
            ALMI.Marknadsforing,
        }


def test_rights_follow_the_legal_basis(almi_graph: Graph) -> None:
    for activity in CONSENT:
        rights = set(almi_graph.objects(activity, DPV.hasRight))
        assert {ALMI.RattAttAterkallaSamtycke, ALMI.RattTillDataportabilitet} <= rights
        assert ALMI.RattAttInvanda not in rights
    for activity in LEGITIMATE_INTEREST:
        rights = set(almi_graph.objects(activity, DPV.hasRight))
        assert ALMI.RattAttInvanda in rights
        assert not rights & {ALMI.RattAttAterkallaSamtycke, ALMI.RattTillDataportabilitet}
    marketing_objection = set(almi_graph.subjects(DPV.hasRight, ALMI.RattAttInvandaMotDirektMarknadsforing))
    # Marknadsföring shows Almi's offers on other sites with profiling: direct marketing (Art. 21(2)).
    assert marketing_objection - {ALMI.Notice} == {ALMI.DirektMarknadsforing, ALMI.Telemarketing, ALMI.Marknadsforing}


def test_every_right_names_its_article_and_where_it_is_exercised(almi_graph: Graph) -> None:
    articles = {}
    for right in almi_graph.objects(ALMI.Notice, DPV.hasRight):
        (article,) = almi_graph.objects(right, SKOS.broader)
        articles[right] = article
        assert almi_graph.value(right, DPV.isExercisedAt) is not None, right
    assert set(articles.values()) == {EU_GDPR[a] for a in ("A7-3", "A15", "A16", "A17", "A18", "A20", "A21", "A77")}
    assert str(almi_graph.value(almi_graph.value(ALMI.RattTillAtkomst, DPV.hasDuration), RDF.value)) == "P1M"


def test_profiling_is_on_marketing_only(almi_graph: Graph) -> None:
    assert set(almi_graph.subjects(DPV.hasProcessing, DPV.Profiling)) == {ALMI.Marknadsforing}


def test_the_notice_records_its_change_and_the_seven_other_areas(almi_graph: Graph) -> None:
    entry = almi_graph.value(ALMI.Notice, DPVA.hasChangeLogEntry)
    assert str(almi_graph.value(entry, URIRef("http://purl.org/dc/terms/date"))) == "2024-07-02"
    assert len(set(almi_graph.subjects(RDF.type, DPVA.OtherProcessingArea))) == 7


def test_the_seven_other_areas_are_processes_whose_information_is_elsewhere(almi_graph: Graph) -> None:
    """Issue #18: a plain DPV query finds them (dpv:Process); dpv:hasNotice says where their information is;
    the model gives them no purpose, data, basis or retention, and the notice does not list them."""
    others = set(almi_graph.subjects(RDF.type, DPVA.OtherProcessingArea))
    stated = (DPV.hasPurpose, DPV.hasPersonalData, DPV.hasLegalBasis, DPV.hasStorageCondition, DPV.hasRight)
    for area in others:
        assert (area, RDF.type, DPV.Process) in almi_graph
        (where,) = almi_graph.objects(area, DPV.hasNotice)
        assert (where, RDF.type, DPVA.InformationElsewhere) in almi_graph
        assert (where, RDF.type, DPV.Notice) not in almi_graph and (
            where,
            RDF.type,
            DPV.PrivacyNotice,
        ) not in almi_graph
        assert {str(t.language) for t in almi_graph.objects(where, DPVA.informationAt)} == {"sv", "en"}
        assert not [p for p in stated if (area, p, None) in almi_graph], area
        assert (ALMI.Notice, DPV.hasProcess, area) not in almi_graph


def test_every_resource_is_labelled_in_swedish_and_english(almi_graph: Graph) -> None:
    passages = set(almi_graph.subjects(RDF.type, DPVA.NoticePassage))
    subjects = {s for s in almi_graph.subjects() if isinstance(s, URIRef) and s.startswith(str(ALMI))} - passages
    unlabelled = [str(s) for s in subjects if not (labels(almi_graph, s, "sv") and labels(almi_graph, s, "en"))]
    assert unlabelled == []


def test_the_notice_s_defects_are_data(almi_graph: Graph) -> None:
    defects = set(almi_graph.subjects(RDF.type, DPVA.NoticeDefect))
    assert len(defects) >= 20
    kinds = {almi_graph.value(d, DPVA.defectKind) for d in defects}
    assert {DPVA.UndefinedTerm, DPVA.EditorialResidue, DPVA.TransparencyGap, DPVA.Misstatement} <= kinds
    provisions = " ".join(str(p) for p in almi_graph.objects(None, DPVA.gdprProvision))
    for article in ("13(1)(a)", "13(1)(d)", "13(1)(f)", "13(2)(a)", "13(2)(f)", "14(2)(f)"):
        assert article in provisions


def test_every_dpv_term_the_model_uses_exists_in_dpv_2_3(almi_graph: Graph, dpv_release_dir: Path) -> None:
    release = Graph()
    for path in sorted(dpv_release_dir.glob("*.ttl")):
        release.parse(path)
    defined = set(release.subjects())
    used = {
        term
        for triple in almi_graph
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(tuple(str(ns) for ns in DPV_NAMESPACES))
    }
    assert len(used) > 100
    assert sorted(used - defined) == []


def test_no_almi_resource_is_referred_to_without_being_described(almi_graph: Graph) -> None:
    referred = {o for o in almi_graph.objects() if isinstance(o, URIRef) and o.startswith(str(ALMI))}
    assert [str(o) for o in referred if (o, None, None) not in almi_graph] == []
