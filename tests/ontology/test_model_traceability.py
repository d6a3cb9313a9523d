"""Every statement of the model can be traced to a verbatim passage of the notice."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from dpv_almi.namespaces import ALMI, DPV, DPVA


def _almi_subjects(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(ALMI))}


def test_every_quote_stands_verbatim_in_the_notice(
    almi_graph: Graph, notice_text: str, fold: Callable[[str], str]
) -> None:
    quotes = list(almi_graph.subject_objects(DPVA.quote))
    assert len(quotes) >= 50
    missing = [str(p) for p, quote in quotes if fold(str(quote)) not in notice_text]
    assert missing == []


def test_every_section_heading_stands_verbatim_in_the_notice(almi_graph: Graph, notice_text: str) -> None:
    headings = set(almi_graph.objects(None, DPVA.section))
    assert len(headings) >= 15
    assert [str(h) for h in headings if str(h) not in notice_text] == []


def test_every_passage_has_one_quote_and_one_section(almi_graph: Graph) -> None:
    for passage in almi_graph.subjects(RDF.type, DPVA.NoticePassage):
        assert len(list(almi_graph.objects(passage, DPVA.quote))) == 1, passage
        assert len(list(almi_graph.objects(passage, DPVA.section))) == 1, passage
        assert (passage, DCTERMS.isPartOf, ALMI.Notice) in almi_graph


def test_every_resource_of_the_notice_points_to_its_passage(almi_graph: Graph) -> None:
    """Activities, categories, rights, the transfer and everything else but the passages themselves."""
    passages = set(almi_graph.subjects(RDF.type, DPVA.NoticePassage))
    untraced = []
    for subject in _almi_subjects(almi_graph) - passages:
        sources = set(almi_graph.objects(subject, DCTERMS.source))
        if not sources or not sources <= passages:
            untraced.append(str(subject))
    assert untraced == []


def test_the_passages_are_all_used(almi_graph: Graph) -> None:
    passages = set(almi_graph.subjects(RDF.type, DPVA.NoticePassage))
    used = set(almi_graph.objects(None, DCTERMS.source))
    assert passages - used == set()


def test_the_transfer_carries_the_passage_on_third_countries(almi_graph: Graph) -> None:
    quote = almi_graph.value(ALMI["passage-tredjeland"], DPVA.quote)
    assert (ALMI.Tredjelandsoverforing, DCTERMS.source, ALMI["passage-tredjeland"]) in almi_graph
    assert "adekvansbeslut eller standardavtalsklausuler" in str(quote)


def test_activities_quote_their_table_row_and_section(almi_graph: Graph) -> None:
    for activity in almi_graph.objects(ALMI.Notice, DPV.hasProcess):
        label = str(almi_graph.value(activity, SKOS.prefLabel) or "")
        sections = {str(almi_graph.value(p, DPVA.section)) for p in almi_graph.objects(activity, DCTERMS.source)}
        assert sections & {
            "Almis hantering av personuppgifter",
            "Behandlingar där personuppgifter samlas in med samtycke som rättslig grund",
        }, (activity, label)
