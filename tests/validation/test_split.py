"""Validating the data in parts (``validation/split.py``) gives the same report as validating it whole.

Each input is validated twice, split into small parts and whole.  The inputs are many notices at
once, so that splitting happens: DPV's own examples together (they share ``ex:`` nodes), TILT
notices imported by the library, synthetic notices with faults, the Almi model beside them, and
notices made to reach across notices in each way a part could miss (a backward step from a shared
DPV concept, a process known only from a vocabulary, a vocabulary fact about a node of the input).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from dpv_almi import resources
from dpv_almi.importers import tilt
from dpv_almi.model.synthetic import generate
from dpv_almi.validation import core, split, turbo
from dpv_almi.validation.core import Report

from .test_dpv_examples import BROKEN, HEADER
from .test_turbo_report import assert_same

pytestmark = pytest.mark.skipif(not turbo.AVAILABLE, reason="this pyshacl-turbo has no reachable result records")

PREFIXES = """
@prefix dpv: <https://w3id.org/dpv#> .
@prefix pd: <https://w3id.org/dpv/pd#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://example.com/> .
"""

REACHES_BACK = (
    PREFIXES
    + """
ex:A a dpv:Process ; dpv:hasPurpose dpv:ServiceProvision ; dpv:hasLegalBasis eu-gdpr:A6-1-f ;
    dpv:hasPersonalData pd:Contact .
""",
    PREFIXES + 'ex:MyId skos:broader pd:Contact, pd:OfficialID ; skos:prefLabel "Customer number"@en .\n',
)
"""ex:A uses a DPV concept directly; another notice's ex:MyId is under it and under pd:OfficialID, so
the Art. 87 check on ex:A (which walks back from the concept to ex:MyId) depends on that notice."""


class Counted:
    """Counts the parts the engine is given."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self._parts = split.parts

    def __call__(self, *args: object, **kwargs: object) -> object:
        found = self._parts(*args, **kwargs)  # type: ignore[arg-type]
        self.calls.append(0 if found is None else len(found))
        return found


def split_and_whole(
    data: object, monkeypatch: pytest.MonkeyPatch, size: int = 300, vocab: tuple[Path, ...] = ()
) -> tuple[Report, Report, list[int]]:
    counted = Counted()
    with monkeypatch.context() as patch:
        patch.setattr(split, "PART_TRIPLES", size)
        patch.setattr(split, "parts", counted)
        parted = core.validate(data, vocab=vocab)  # type: ignore[arg-type]
        patch.setattr(core, "SPLIT", False)
        whole = core.validate(data, vocab=vocab)  # type: ignore[arg-type]
    assert_same(parted, whole)
    return parted, whole, counted.calls


def test_the_packaged_shapes_allow_splitting() -> None:
    """Every SPARQL query of the packaged shapes is a reviewed one (a changed query must be reviewed
    again in split.KNOWN_QUERIES), and no packaged shape reaches beyond a focus node's surroundings."""
    shapes, _ = core.load_shapes()
    plan = split.plan(shapes)
    assert plan is not None
    assert {str(p) for p, _ in plan.backward} == {
        split.DPV + "hasProcess",
        "http://www.w3.org/2004/02/skos/core#broader",
    }


def test_dpv_examples_together(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = repo_root.parent / "shared" / "dpv" / "examples"
    if not (examples / "E0001.ttl").is_file():
        pytest.skip(f"DPV examples not found at {examples}")
    files = []
    for source in sorted(examples.glob("E*.ttl")):
        if source.name not in BROKEN:
            files.append(tmp_path / source.name)
            files[-1].write_text(HEADER + source.read_text(encoding="utf-8"), encoding="utf-8")
    parted, _, calls = split_and_whole(files, monkeypatch, size=200)
    assert parted.results and calls and calls[0] > 1


def test_tilt_notices_together(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = repo_root.parent / "shared" / "tilt" / "corpus"
    files = sorted(corpus.glob("*.tilt.json"))[:12]
    if not files:
        pytest.skip(f"TILT corpus not found at {corpus}")
    tilt.import_files(files, tmp_path)
    _, _, calls = split_and_whole(sorted(tmp_path.glob("*.ttl")), monkeypatch)
    assert calls and calls[0] > 1


def test_synthetic_notices_with_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    data = generate(12, seed=5, faults={2: "no-purpose", 5: "two-bases", 9: "no-controller"})
    parted, _, calls = split_and_whole(data, monkeypatch)
    assert calls and calls[0] > 3
    rules = {result.rule.id for result in parted.results}
    assert {"ProcessPurpose", "ProcessArt6Basis", "A13-1-a-Controller"} <= rules


def test_almi_beside_synthetic_notices_and_a_typo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The unknown-term and sunset checks kept (their SPARQL runs in every part), the Almi model's files
    located by line."""
    from .test_shape_pruning import TRIPS

    synthetic, trips = tmp_path / "synthetic.ttl", tmp_path / "trips.ttl"
    generate(6, seed=1).serialize(synthetic, format="turtle")
    trips.write_text(TRIPS, encoding="utf-8")
    parted, _, calls = split_and_whole([*resources.default_data_files(), synthetic, trips], monkeypatch)
    assert calls and calls[0] > 1
    assert {core.UNKNOWN_TERM_RULE, core.SUNSET_TERM_RULE} <= {result.rule.id for result in parted.results}
    assert all(result.location is not None for result in parted.results if isinstance(result.focus_node, URIRef))


def test_a_step_back_from_a_shared_concept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pieces that name pd:Contact are kept together; put in parts apart (the two notices are
    the first and last files, synthetic notices between them), the Art. 87 result on ex:A is lost."""
    first, middle, last = tmp_path / "a.ttl", tmp_path / "b.ttl", tmp_path / "c.ttl"
    first.write_text(REACHES_BACK[0], encoding="utf-8")
    generate(4, seed=2).serialize(middle, format="turtle")
    last.write_text(REACHES_BACK[1], encoding="utf-8")
    parted, _, _ = split_and_whole([first, middle, last], monkeypatch, size=50)
    assert any(
        r.rule.id == "A87-NationalIdentifier" and str(r.focus_node) == "https://example.com/A" for r in parted.results
    )


def with_vocabulary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vocab_text: str, extra: str) -> list[int]:
    """Four synthetic notices plus *extra*, validated split and whole with *vocab_text* as a --vocab file."""
    vocab, data = tmp_path / "vocab.ttl", tmp_path / "data.ttl"
    vocab.write_text(PREFIXES + vocab_text, encoding="utf-8")
    graph = generate(4, seed=2)
    graph.parse(data=PREFIXES + extra, format="turtle")
    graph.serialize(data, format="turtle")
    _, _, calls = split_and_whole([data], monkeypatch, size=50, vocab=(vocab,))
    return calls


def test_a_process_known_from_a_vocabulary_keeps_the_data_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ex:Shared is a dpv:Process only in a --vocab file: a focus node in every part, and DefinedCategory
    looks back along dpv:hasProcess from it to the notices of the input."""
    calls = with_vocabulary(
        tmp_path,
        monkeypatch,
        "ex:Shared a dpv:Process ; dpv:hasPersonalData ex:Undefined .\n",
        "ex:N a dpv:Notice ; dpv:hasProcess ex:Shared ; <https://w3id.org/dpv-almi/vocab#definesPersonalData> pd:Name .\n",
    )
    assert calls == [0]


def test_a_vocabulary_fact_about_the_input_keeps_the_data_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = with_vocabulary(
        tmp_path,
        monkeypatch,
        "ex:Kind skos:broader ex:Described .\n",
        'ex:Described a dpv:Purpose ; skos:prefLabel "Described here"@en .\nex:P a dpv:Process ; dpv:hasPurpose ex:Kind .\n',
    )
    assert calls == [0]


SHAPES_HEADER = PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
BACK_FROM_FOCUS = (
    "ex:S a sh:NodeShape ; sh:targetClass dpv:Process ; "
    "sh:property [ sh:path [ sh:inversePath dpv:hasProcess ] ; sh:minCount 1 ] ."
)


@pytest.mark.parametrize(
    "shape",
    [
        "ex:S a sh:NodeShape ; sh:targetNode ex:A ; sh:property [ sh:path dpv:hasPurpose ; sh:minCount 1 ] .",
        'ex:S a sh:NodeShape ; sh:targetClass dpv:Process ; sh:sparql [ sh:select "SELECT $this WHERE { ?o dpv:hasPurpose ?p . $this dpv:hasPurpose ?p }" ] .',
        "ex:S a sh:NodeShape ; sh:targetClass dpv:Process ; sh:property [ sh:path [ sh:inversePath ( dpv:hasProcess dpv:hasPurpose ) ] ; sh:minCount 1 ] .",
    ],
)
def test_shapes_that_may_look_far_are_not_split(shape: str) -> None:
    assert split.plan(Graph().parse(data=SHAPES_HEADER + shape, format="turtle")) is None


def test_where_a_backward_step_can_start() -> None:
    """From the focus node (any node), or from the values of the step before it."""
    back = Graph().parse(data=SHAPES_HEADER + BACK_FROM_FOCUS, format="turtle")
    assert split.plan(back) == split.Plan(((URIRef(split.DPV + "hasProcess"), frozenset({split._START})),))
    after = Graph().parse(
        data=SHAPES_HEADER + "ex:S a sh:NodeShape ; sh:targetClass dpv:Process ; "
        "sh:property [ sh:path ( dpv:hasPurpose [ sh:inversePath dpv:hasPurpose ] ) ; sh:minCount 1 ] .",
        format="turtle",
    )
    purpose = split.DPV + "hasPurpose"
    assert split.plan(after) == split.Plan(((URIRef(purpose), frozenset({("obj", purpose)})),))


def test_a_backward_step_from_the_focus_node_is_checked_in_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split while every dpv:hasProcess points at a node of the input; whole once one points at a
    node the input does not describe (a DPV class here)."""
    shapes = Graph().parse(data=SHAPES_HEADER + BACK_FROM_FOCUS, format="turtle")
    data = generate(6, seed=4)
    counted = Counted()
    monkeypatch.setattr(split, "PART_TRIPLES", 300)
    monkeypatch.setattr(split, "parts", counted)
    first = core.validate(data, shapes)
    assert counted.calls[-1] > 1
    changed = data + Graph()
    changed.add((URIRef("https://example.com/N"), URIRef(split.DPV + "hasProcess"), URIRef(split.DPV + "Process")))
    second = core.validate(changed, shapes)
    assert counted.calls[-1] == 0
    monkeypatch.setattr(core, "SPLIT", False)
    assert_same(first, core.validate(data, shapes))
    assert_same(second, core.validate(changed, shapes))
