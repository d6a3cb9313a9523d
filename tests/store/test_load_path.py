"""The load path at scale: each file parsed and hashed once, records in one pass, replaces that
really replace (a policy that came from a TriG file too), and the spawn fallback's worker spec."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
import pytest

from dpv_almi import resources
from dpv_almi.model import synthetic
from dpv_almi.namespaces import GRAPH
from dpv_almi.store import registry
from dpv_almi.store.backends import DiskBackend, MemoryBackend, load_recorded
from dpv_almi.store.registry import PolicyRecord

SMALL_POLICY = b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n"


@pytest.fixture(scope="module")
def trig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trig") / "policies.trig"
    synthetic.write_policies(5, path, seed=3)
    return path


def _graph_size(backend: MemoryBackend | DiskBackend, policy: str) -> int:
    return backend.info().graphs.get(str(GRAPH[policy]), 0)


def test_records_of_a_trig_file_share_its_one_hash(trig: Path) -> None:
    backend = MemoryBackend([*resources.default_data_files(), trig])
    try:
        records = {r.id: r for r in backend.info().records}
        assert {f"org-0000{i}" for i in range(1, 6)} <= set(records)
        digest = registry.sha256(trig.read_bytes())
        assert {records[f"org-0000{i}"].sha256 for i in range(1, 6)} == {digest}
        assert records["org-00003"].source == "policies.trig#org-00003"
        assert records["almi"].sha256 == registry.sha256(resources.model_path().read_bytes())
        # the same records a remote store's load computes (it parses into a local store first)
        assert {(r.id, r.sha256, r.source) for r in load_recorded(pyoxigraph.Store(), [trig])} == {
            (r.id, r.sha256, r.source) for r in records.values() if r.id.startswith("org-")
        }
    finally:
        backend.close()


def test_memory_replace_of_a_policy_from_a_trig_file_drops_its_old_triples(trig: Path) -> None:
    backend = MemoryBackend([*resources.default_data_files(), trig])
    try:
        before = _graph_size(backend, "org-00002")
        assert before > 1
        backend.replace_policy("org-00002", SMALL_POLICY, ".ttl", "2")
        assert _graph_size(backend, "org-00002") == 1, "the TriG file's triples must not stay in the graph"
        assert _graph_size(backend, "org-00001") > 1
        backend.replace_policy("org-00001", SMALL_POLICY, ".ttl", "2")  # a second replace keeps the first
        assert _graph_size(backend, "org-00002") == 1 and _graph_size(backend, "org-00001") == 1
        current = registry.current(backend.info().records)
        assert current["org-00002"].version == "2" and current["org-00001"].version == "2"
    finally:
        backend.close()


def test_the_spawn_fallback_spec_rebuilds_the_same_store(trig: Path) -> None:
    backend = MemoryBackend([*resources.default_data_files(), trig])
    try:
        backend.replace_policy("org-00004", SMALL_POLICY, ".ttl", "x")
        spec = backend.worker_spec()
        assert spec.fork and spec.open() is backend.data  # forked workers use the parent's store itself
        copy = pickle.loads(pickle.dumps(spec))  # what a spawned worker gets: no store, the recipe  # noqa: S301 - pickles cross pipes between our own processes only
        assert not copy.fork
        rebuilt = copy.open()
        assert rebuilt is not backend.data
        assert dict(rebuilt.graphs) == backend.info().graphs
        assert rebuilt.version == backend.info().version
    finally:
        backend.close()


def test_disk_load_of_a_dataset_replaces_the_graphs_it_gives(tmp_path: Path) -> None:
    first, second = tmp_path / "a.trig", tmp_path / "b.trig"
    synthetic.write_policies(3, first, seed=1)
    synthetic.write_policies(2, second, seed=2)  # org-00001, org-00002 again, other content
    sizes = {policy: len(graph) for policy, graph in synthetic.generate_policies(2, seed=2)}
    backend = DiskBackend(tmp_path / "store")
    backend.load_files([first])
    old_third = _graph_size(backend, "org-00003")
    backend.load_files([second])
    assert _graph_size(backend, "org-00001") == sizes["org-00001"]
    assert _graph_size(backend, "org-00002") == sizes["org-00002"]
    assert _graph_size(backend, "org-00003") == old_third  # not in the second file: kept
    current = registry.current(backend.info().records)
    assert current["org-00001"].sha256 == registry.sha256(second.read_bytes())
    assert current["org-00003"].sha256 == registry.sha256(first.read_bytes())
    # the store restarted: the same, without loading anything
    assert DiskBackend(tmp_path / "store").info() == backend.info()


def test_a_bad_file_is_one_load_error_and_the_disk_store_keeps_serving(tmp_path: Path) -> None:
    from dpv_almi.loading import RdfLoadError

    good, bad = tmp_path / "good.trig", tmp_path / "bad.trig"
    synthetic.write_policies(2, good, seed=1)
    bad.write_text("<https://w3id.org/dpv-almi/graph/x> { <a> <b> ")
    backend = DiskBackend(tmp_path / "store")
    backend.load_files([good])
    info = backend.info()
    with pytest.raises(RdfLoadError) as error:
        backend.load_files([bad])
    assert "bad.trig" in str(error.value)
    assert backend.info() == info and DiskBackend(tmp_path / "store").info() == info
    assert pyoxigraph.Store.read_only(str(backend.live())).contains_named_graph(
        pyoxigraph.NamedNode(str(GRAPH["org-00002"]))
    )


def test_replace_current_many_is_replace_current_in_turn() -> None:
    rng = random.Random(1)
    when = datetime(2024, 1, 1, tzinfo=UTC)

    def record() -> PolicyRecord:
        return PolicyRecord(rng.choice("abc"), rng.choice("123"), "s", "h", when, rng.random() < 0.5)

    for _ in range(500):
        base = [record() for _ in range(rng.randint(0, 5))]
        new = [record() for _ in range(rng.randint(0, 5))]
        expected = list(base)
        for one in new:
            expected = [
                *(
                    replace(r, current=False) if r.id == one.id else r
                    for r in expected
                    if (r.id, r.version) != (one.id, one.version)
                ),
                one,
            ]
        assert registry.replace_current_many(base, new) == expected


def test_cli_bulk_loads_a_dataset_file_into_a_disk_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dpv_almi.cli.main import main

    trig, bad = tmp_path / "many.trig", tmp_path / "bad.trig"
    synthetic.write_policies(4, trig, seed=9)
    bad.write_text("<https://w3id.org/dpv-almi/graph/org-00001> { <a> <b> ")
    store = tmp_path / "store"
    assert main(["load", str(trig), "--store", str(store)]) == 0
    assert "loaded 4 graphs" in capsys.readouterr().out
    info = DiskBackend(store).info()
    assert {f"org-0000{i}" for i in range(1, 5)} <= set(info.policies)
    assert main(["load", str(bad), "--store", str(store)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"dpv-almi load: error: {bad}") and "\n" not in error and "Traceback" not in error
    assert DiskBackend(store).info() == info  # nothing of the bad file is served


def test_registry_statements_are_terms_whatever_a_record_holds() -> None:
    """A file name (or any record field) with quotes and newlines stays one literal: the registry is
    built from RDF terms, never by splicing text into N-Triples."""
    import dataclasses

    import pyoxigraph

    record = registry.new_record("acme", b"x", "acme.ttl", "1")
    hostile = dataclasses.replace(record, source='evil" .\n<http://x> <http://y> "z" .\r\nfile.ttl')
    triples = list(
        pyoxigraph.parse(registry.registry_ntriples([record, hostile]).encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    )
    assert len(triples) == 16 and {t.subject.value for t in triples} == {record.iri}
    sources = {t.object.value for t in triples if t.predicate.value.endswith("#sourceFile")}
    assert sources == {"acme.ttl", hostile.source}
