"""Leaving out the shapes that cannot report on the data (``core._pruned``) changes no answer.

Each input is validated twice: as ``validate`` does it (the unknown-term and sunset checks left
out when the data gives them nothing to find) and with every packaged shape.  The inputs are
data nobody here wrote (DPV's own examples, TILT notices imported by the library), synthetic
notices, the Almi model, and notices made to trip each left-out check, so the pruning is seen
both skipping a shape and keeping it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from dpv_almi.importers import tilt
from dpv_almi.model.synthetic import generate
from dpv_almi.validation import core
from tests.validation.test_dpv_examples import HEADER

TRIPS = """
@prefix dpv: <https://w3id.org/dpv#> .
@prefix ex: <https://example.com/> .
ex:Notice a dpv:Process ; dpv:hasPurpose dpv:ServiceProvison ; dpv:hasLegalBasis dpv:DataProcessorContract .
"""
"""A misspelt DPV term (KnownDpvTerm must fire) and a sunset one (SunsetDpvTerm must fire)."""


def answers(data: object) -> list[tuple[object, ...]]:
    report = core.validate(data)  # type: ignore[arg-type]
    return [(*result.sort_key(), result.message, result.constraint) for result in report.results]


def same_with_every_shape(data: object, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    pruned = answers(data)
    with monkeypatch.context() as patch:
        patch.setattr(core, "_pruned", lambda shapes, graphs: shapes)
        full = answers(data)
    assert pruned == full
    return pruned


def test_dpv_examples(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = repo_root.parent / "shared" / "dpv" / "examples"
    if not (examples / "E0001.ttl").is_file():
        pytest.skip(f"DPV examples not found at {examples}")
    for name in ("E0001.ttl", "E0011.ttl", "E0024.ttl", "E0040.ttl", "E0070.ttl", "E0088.ttl"):
        path = tmp_path / name
        path.write_text(HEADER + (examples / name).read_text(encoding="utf-8"), encoding="utf-8")
        same_with_every_shape([path], monkeypatch)


def test_tilt_notices(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = repo_root.parent / "shared" / "tilt" / "corpus"
    files = sorted(corpus.glob("*.tilt.json"))[:3]
    if not files:
        pytest.skip(f"TILT corpus not found at {corpus}")
    tilt.import_files(files, tmp_path)
    notices = sorted(tmp_path.glob("*.ttl"))
    assert len(notices) == 3
    for notice in notices:
        same_with_every_shape([notice], monkeypatch)


def test_synthetic_notices_and_almi(monkeypatch: pytest.MonkeyPatch) -> None:
    same_with_every_shape(generate(5, seed=3), monkeypatch)
    same_with_every_shape(None, monkeypatch)


def test_the_checks_are_kept_when_they_can_fire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "trips.ttl"
    path.write_text(TRIPS, encoding="utf-8")
    rules = {row[3] for row in same_with_every_shape([path], monkeypatch)}
    assert {core.UNKNOWN_TERM_RULE, core.SUNSET_TERM_RULE} <= rules


SUBCLASS = """
@prefix dpv: <https://w3id.org/dpv#> .
@prefix ex: <https://example.com/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Hiring rdfs:subClassOf dpv:Process .
ex:Careers a ex:Hiring ; dpv:hasPurpose dpv:ServiceProvision .
ex:Orders a dpv:Process .
"""
"""Instances of dpv:Process and of a sub-class, no information elsewhere: the class target stands in."""


def test_the_process_target_is_a_class_target_where_nothing_points_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "subclass.ttl"
    path.write_text(SUBCLASS, encoding="utf-8")
    found = same_with_every_shape([path], monkeypatch)
    assert {(row[3], row[4]) for row in found} >= {
        ("ProcessPersonalData", "ex:Careers"),
        ("ProcessPurpose", "ex:Orders"),
    }
    shapes, _ = core.load_shapes()
    swapped = core._pruned(shapes, core.data_graphs([path]))
    assert (None, core.SH.target, None) not in swapped and (None, core.SH.target, None) in shapes
    kept = core._pruned(shapes, core.data_graphs(core.resources.default_data_files()))  # Almi: seven point elsewhere
    assert (None, core.SH.target, None) in kept


def test_the_checks_are_left_out_when_they_cannot() -> None:
    graphs = core.data_graphs(generate(3, seed=0))
    shapes, _ = core.load_shapes()
    pruned = core._pruned(shapes, graphs)
    for rule in (core.UNKNOWN_TERM_RULE, core.SUNSET_TERM_RULE):
        assert (core.URIRef(core._SHAPES_NS + rule), None, None) in shapes
        assert (core.URIRef(core._SHAPES_NS + rule), None, None) not in pruned
    assert isinstance(pruned, Graph)
