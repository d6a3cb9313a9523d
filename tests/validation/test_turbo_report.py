"""The fast report path (pyshacl-turbo's records read directly) gives the same reports as its rdflib report graph.

Compared on data nobody here wrote (DPV's examples, the TILT corpus imported), the Almi model and
synthetic notices; a difference in any result, message, path structure or rule fails.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic
from rdflib.term import Node

from dpv_almi.errors import InputError
from dpv_almi.importers import tilt
from dpv_almi.model.synthetic import generate
from dpv_almi.validation import core, turbo
from dpv_almi.validation.core import Report, ValidationResult, validate

from .test_dpv_examples import BROKEN, HEADER

pytestmark = pytest.mark.skipif(not turbo.AVAILABLE, reason="this pyshacl-turbo has no reachable result records")


def both(monkeypatch: pytest.MonkeyPatch, data: object, lang: str = "en") -> tuple[Report, Report]:
    fast = validate(data, lang=lang)  # type: ignore[arg-type]
    monkeypatch.setattr(core, "FAST_REPORT", False)
    try:
        full = validate(data, lang=lang)  # type: ignore[arg-type]
    finally:
        monkeypatch.setattr(core, "FAST_REPORT", True)
    return fast, full


def assert_same(fast: Report, full: Report) -> None:
    """Equal reports; a path's blank nodes are compared up to renaming (the engine copies them afresh each run)."""
    assert [without_path_nodes(r) for r in fast.results] == [without_path_nodes(r) for r in full.results]
    for mine, theirs in zip(fast.results, full.results, strict=True):
        assert isomorphic(graph_of(mine.path_triples), graph_of(theirs.path_triples))
        assert isinstance(mine.focus_node, BNode) == isinstance(theirs.focus_node, BNode)
    assert fast.rules == full.rules


def without_path_nodes(result: ValidationResult) -> ValidationResult:
    """A result without blank node identities: the engine names path copies afresh each run, and of
    results that print the same (an anonymous focus node shows as ``[]``) the report keeps the first."""
    path = None if isinstance(result.path, BNode) else result.path
    focus = BNode("_") if isinstance(result.focus_node, BNode) else result.focus_node
    value = BNode("_") if isinstance(result.value, BNode) else result.value
    return dataclasses.replace(result, focus_node=focus, path=path, path_triples=(), value=value)


def graph_of(triples: tuple[tuple[Node, Node, Node], ...]) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def test_fast_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = turbo.run
    monkeypatch.setattr(turbo, "run", lambda *args, **kwargs: seen.append(original(*args, **kwargs)) or seen[-1])
    validate(generate(2, seed=3))
    assert len(seen) == 1 and isinstance(seen[0], turbo.ReportTriples)


def test_almi_model_and_synthetic_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    for data, lang in ((None, "en"), (None, "sv"), (generate(40, seed=5), "en")):
        fast, full = both(monkeypatch, data, lang)
        assert fast.results, "the comparison needs results to compare"
        assert_same(fast, full)


def test_dpv_examples(monkeypatch: pytest.MonkeyPatch, repo_root: Path, tmp_path: Path) -> None:
    directory = repo_root.parent / "shared" / "dpv" / "examples"
    if not (directory / "E0001.ttl").is_file():
        pytest.skip(f"DPV examples not found at {directory}")
    compared = 0
    for example in sorted(directory.glob("E*.ttl")):
        if example.name in BROKEN:
            continue
        path = tmp_path / example.name
        path.write_text(HEADER + example.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            fast, full = both(monkeypatch, [path])
        except InputError:
            continue
        assert_same(fast, full)
        compared += 1
    assert compared >= 80


def test_tilt_imported_notices(monkeypatch: pytest.MonkeyPatch, repo_root: Path, tmp_path: Path) -> None:
    corpus = repo_root.parent / "shared" / "tilt" / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"TILT corpus not found at {corpus}")
    tilt.import_files([corpus], tmp_path)
    notices = sorted(tmp_path.rglob("*.ttl"))
    assert notices
    fast, full = both(monkeypatch, notices)
    assert fast.results
    assert_same(fast, full)
