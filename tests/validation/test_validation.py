"""The validation library on the real Almi model: its gaps as warnings, and mutations caught."""

from __future__ import annotations

import pytest
from rdflib import Graph

from dpv_almi import loading, resources
from dpv_almi.namespaces import ALMI, DPV, EU_GDPR
from dpv_almi.validation.core import Severity, ValidationResult, validate

# What the shipped model must report: the notice's real gaps, each justified in its shape's comment.
EXPECTED_WARNINGS = {
    "A13-1-a-ControllerContact": 1,
    "A13-1-a-JointControllers": 1,
    "A13-1-d-LegitimateInterest": 6,
    "A13-1-f-TransferCountry": 1,
    "A13-1-f-SafeguardCopy": 1,
    "A13-2-a-RetentionPeriod": 8,
    "A13-2-e-ProvisionRequirement": 5,
    "A13-2-f-ProfilingLogic": 1,
    "A14-2-f-SourceNamed": 2,
    "ConsentRetention": 2,
    "DefinedCategory": 2,
}
EXPECTED_INFO = {
    "A13-1-e-RecipientNamed": 2,
    "A13-1-e-RecipientLocation": 4,
    "CookieConsentLaw": 2,
    "A87-NationalIdentifier": 5,
}


@pytest.fixture(scope="module")
def model() -> Graph:
    return loading.load_graph(resources.default_data_files())


def by_rule(results: tuple[ValidationResult, ...], severity: Severity) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        if r.severity == severity:
            counts[r.rule.id] = counts.get(r.rule.id, 0) + 1
    return counts


def test_shipped_model_has_no_violation_and_its_gaps_as_warnings() -> None:
    report = validate()
    assert report.conforms()
    assert by_rule(report.results, Severity.VIOLATION) == {}
    assert by_rule(report.results, Severity.WARNING) == EXPECTED_WARNINGS
    assert by_rule(report.results, Severity.INFO) == EXPECTED_INFO
    assert not report.conforms(Severity.WARNING)


def test_undefined_categories_are_reported() -> None:
    found = {(r.focus_node, r.value) for r in validate().results if r.rule.id == "DefinedCategory"}
    assert found == {(ALMI.Natverk, ALMI.Kompetensuppgifter), (ALMI.AnalysAvHemsida, ALMI.Identifieringsuppgifter)}


def test_results_point_at_the_model_file_and_line() -> None:
    report = validate()
    lines = resources.model_path().read_text(encoding="utf-8").splitlines()
    for r in report.results:
        assert r.location is not None and r.location.path.name == "dpv-almi.ttl", r
        assert lines[r.location.line - 1].startswith(r.focus_text), r  # the subject's own statement


def test_order_is_deterministic_and_engine_independent(model: Graph) -> None:
    first, second = validate(), validate()
    assert [r.sort_key() for r in first.results] == [r.sort_key() for r in second.results]
    assert list(first.results) == sorted(first.results, key=ValidationResult.sort_key)
    from_graph = validate(model, engine="turbo")  # a graph has no file positions; same results
    assert {r.sort_key()[3:] for r in from_graph.results} == {r.sort_key()[3:] for r in first.results}


def mutant(model: Graph, remove: list[tuple], add: list[tuple]) -> Graph:
    graph = Graph()
    graph += model
    for triple in remove:
        graph.remove(triple)
    for triple in add:
        graph.add(triple)
    return graph


MUTATIONS = {
    "activity without purpose": ([(ALMI.Statistik, DPV.hasPurpose, None)], [], "ProcessPurpose", Severity.VIOLATION),
    "activity without legal basis": (
        [(ALMI.Statistik, DPV.hasLegalBasis, None)],
        [],
        "ProcessArt6Basis",
        Severity.VIOLATION,
    ),
    "two Art. 6 bases": (
        [],
        [(ALMI.Statistik, DPV.hasLegalBasis, EU_GDPR["A6-1-a"])],
        "ProcessArt6Basis",
        Severity.VIOLATION,
    ),
    "transfer without safeguard": (
        [
            (ALMI.Tredjelandsoverforing, DPV.hasLegalBasis, None),
            (ALMI.Tredjelandsoverforing, DPV.hasOrganisationalMeasure, None),
        ],
        [],
        "TransferBasisOrSafeguard",
        Severity.VIOLATION,
    ),
    "unknown DPV term": (
        [(ALMI.Statistik, DPV.hasPurpose, None)],
        [(ALMI.Statistik, DPV.hasPurpse, ALMI.SyfteStatistik)],
        "KnownDpvTerm",
        Severity.VIOLATION,  # every DPV 2.3 term is known: an undeclared one is a typo
    ),
    "unknown DPV concept as a value": (
        [],
        [(ALMI.Statistik, DPV.hasPurpose, DPV.DirectMarketting)],
        "PurposeKind",
        Severity.VIOLATION,
    ),
    "consent activity without withdrawal right": (
        [(ALMI.Nyhetsbrev, DPV.hasRight, ALMI.RattAttAterkallaSamtycke)],
        [],
        "A13-2-c-WithdrawConsent",
        Severity.VIOLATION,
    ),
    "portability on a legitimate-interest activity": (
        [],
        [(ALMI.Statistik, DPV.hasRight, ALMI.RattTillDataportabilitet)],
        "A13-2-b-PortabilityScope",
        Severity.VIOLATION,
    ),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_mutation_is_caught_with_the_right_severity(name: str, model: Graph) -> None:
    remove, add, rule, severity = MUTATIONS[name]
    report = validate(mutant(model, remove, add))
    hits = [r for r in report.results if r.rule.id == rule]
    assert hits and {r.severity for r in hits} == {severity}, [r.rule.id for r in report.failures()]
    assert all(r.message and r.location is None for r in hits)  # a graph has no file
    assert not report.conforms(), "every mutation must fail at the default level"


def test_swedish_messages() -> None:
    report = validate(lang="sv")
    assert any("intresseavvägning" in r.message for r in report.results)


def test_unknown_engine_and_language_are_value_errors() -> None:
    with pytest.raises(ValueError, match="engine"):
        validate(engine="nope")
    with pytest.raises(ValueError, match="language"):
        validate(lang="de")


def test_messages_fill_in_the_value() -> None:
    hit = next(r for r in validate().results if r.rule.id == "DefinedCategory")
    assert hit.message.startswith("almi:")


def test_turbo_reads_the_graphs_without_a_copy(model: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default engine gets the input and the DPV concepts as they are: merging them into a new
    rdflib graph took 4 of 17 s at 1,000 synthetic organisations (bench/validate_bench.py)."""
    from dpv_almi.validation import core as validation

    expected = [r.sort_key() for r in validate(model).results]

    def no_copy(graphs: object) -> Graph:
        raise AssertionError("the turbo engine merged the data graphs into a copy")

    monkeypatch.setattr(validation, "_union", no_copy)
    assert [r.sort_key() for r in validate(model).results] == expected


def test_the_engine_input_holds_each_graphs_triples(model: Graph) -> None:
    """Read from the memory store's index where the store holds the graph alone, by iterating the
    graph where it is one graph of a dataset (whose store holds the other graphs too)."""
    from rdflib import Dataset, Literal, URIRef

    from dpv_almi.validation.core import _encode, _subject_index

    dataset = Dataset()
    named = dataset.graph(URIRef("https://example.com/graph"))
    named += model
    dataset.graph(URIRef("https://example.com/other")).add((ALMI.Other, DPV.hasName, Literal("not in the graph")))
    assert _subject_index(model) is not None and _subject_index(named) is None
    encoded = _encode([model, named])
    terms = {position: term for term, position in encoded.index.items()}
    for graph, rows in zip((model, named), encoded.rows, strict=True):
        assert {(terms[s], terms[p], terms[o]) for s, p, o, _ in rows} == set(graph)
        assert len(rows) == len(graph)


def test_a_triple_in_two_data_graphs_counts_once(model: Graph) -> None:
    """The engine input is the union of the graphs: a triple given twice is one triple."""
    from dpv_almi.validation.core import _run_turbo, load_shapes

    shapes, _ = load_shapes()
    twice = mutant(model, [], [(ALMI.Statistik, DPV.hasLegalBasis, EU_GDPR["A6-1-a"])])
    once = _run_turbo([twice], shapes)
    doubled = _run_turbo([twice, twice], shapes)
    assert len(doubled) == len(once) and len(once) > 0
