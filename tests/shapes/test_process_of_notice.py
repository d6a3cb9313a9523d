"""Which processes the activity shapes check (issue #18): ``dpvs:ProcessOfNotice``, a SHACL-AF SPARQL target.

A process whose information is given elsewhere (``dpv:hasNotice`` a ``dpva:InformationElsewhere``,
as Almi's seven other processing areas) is named, not described, so the shapes that require a purpose,
data, a basis ... must not report it as incomplete; everything else that is a ``dpv:Process`` must stay
checked exactly as the class target checked it -- a process with no notice, one linked to the notice
one way only, one of another notice in the data, an instance of a sub-class -- and kind checks still
reach the process that points elsewhere. Each case is added to the minimal notice (which conforms with
no result) and run in both engines; the pyshacl run uses the Core-and-target files (its SHACL-SPARQL
in vocabulary.ttl takes seconds).
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from dpv_almi.validation.core import default_shapes_files, validate

EX = "https://example.org/notice/"
PREFIXES = """
@prefix ex:   <https://example.org/notice/> .
@prefix dpv:  <https://w3id.org/dpv#> .
@prefix dpva: <https://w3id.org/dpv-almi/vocab#> .
@prefix pd:   <https://w3id.org/dpv/pd#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
ELSEWHERE = """
ex:Careers a dpv:Process ; dpv:hasNotice ex:CareersSite .
ex:CareersSite a dpva:InformationElsewhere ; dpva:informationAt "On our careers site."@en .
"""
REQUIRED = {"ProcessPurpose", "ProcessPersonalData", "ProcessArt6Basis", "ProcessDataSource", "ProcessRetention"}
"""What an activity must state (shapes/structure.ttl): reported on a process that states none of it."""

ENGINES = ("turbo", "pyshacl")


def shapes_for(engine: str) -> list:
    files = default_shapes_files()
    return files if engine == "turbo" else [p for p in files if p.name != "vocabulary.ttl"]


def rules_by_focus(minimal_graph: Graph, extra: str, engine: str) -> dict[str, set[str]]:
    graph = Graph()
    graph += minimal_graph
    graph.parse(data=PREFIXES + extra, format="turtle")
    found: dict[str, set[str]] = {}
    for result in validate(graph, shapes_for(engine), engine=engine).results:
        found.setdefault(str(result.focus_node).removeprefix(EX), set()).add(result.rule.id)
    return found


@pytest.mark.parametrize("engine", ENGINES)
def test_a_process_whose_information_is_elsewhere_is_not_reported_incomplete(minimal_graph: Graph, engine: str) -> None:
    assert rules_by_focus(minimal_graph, ELSEWHERE, engine) == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_explicit_statement_wins_even_for_a_listed_process(minimal_graph: Graph, engine: str) -> None:
    """One rule, simple enough for every store the API runs on: a process that says its information is
    elsewhere is not checked as the notice's activity, listed or not (the author said so explicitly)."""
    listed = ELSEWHERE + "ex:Notice dpv:hasProcess ex:Careers ."
    assert rules_by_focus(minimal_graph, listed, engine) == {}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "extra",
    [
        "ex:Careers a dpv:Process .",  # stand-alone: no notice at all
        "ex:Careers a dpv:Process ; dpv:hasNotice ex:Notice .",  # the notice's, linked one way only
        "ex:Notice dpv:hasProcess ex:Careers . ex:Careers a dpv:Process .",  # listed by the notice
        "ex:Careers a ex:Hiring . ex:Hiring rdfs:subClassOf dpv:Process .",  # a sub-class, as sh:targetClass
        # information elsewhere that is not typed as such: not taken out
        "ex:Careers a dpv:Process ; dpv:hasNotice ex:CareersSite . ex:CareersSite dpva:informationAt 'site'@en .",
    ],
    ids=["stand-alone", "one-way", "listed", "sub-class", "untyped-elsewhere"],
)
def test_every_other_process_is_still_checked_as_an_activity(minimal_graph: Graph, extra: str, engine: str) -> None:
    found = rules_by_focus(minimal_graph, extra, engine)
    assert found.get("Careers", set()) >= REQUIRED, found


def test_an_untyped_or_other_notice_does_not_take_a_process_out(minimal_graph: Graph) -> None:
    """Only the project's explicit dpva:InformationElsewhere does: a process pointing to a notice that is
    untyped or another dpv:Notice is checked (nothing passes by a missing type)."""
    for extra in (
        "ex:Careers a dpv:Process ; dpv:hasNotice ex:Untyped .",
        "ex:Careers a dpv:Process ; dpv:hasNotice ex:Other . ex:Other a dpv:PrivacyNotice .",
    ):
        assert rules_by_focus(minimal_graph, extra, "turbo").get("Careers", set()) >= REQUIRED, extra


@pytest.mark.parametrize("engine", ENGINES)
def test_kind_checks_still_reach_a_process_whose_information_is_elsewhere(minimal_graph: Graph, engine: str) -> None:
    found = rules_by_focus(minimal_graph, ELSEWHERE + "ex:Careers dpv:hasPurpose pd:EmailAddress .", engine)
    assert found == {"Careers": {"PurposeKind"}}


def test_the_information_elsewhere_is_not_checked_as_a_notice(minimal_graph: Graph) -> None:
    """It is no notice the data gives (not a dpv:Notice): no notice shape reports it missing a controller."""
    found = rules_by_focus(minimal_graph, ELSEWHERE, "turbo")
    assert "CareersSite" not in found
