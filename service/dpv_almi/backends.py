"""Store backends behind one interface: in memory (from files), on disk (Oxigraph), remote (SPARQL).

The runner and the web layer only see :class:`Backend`: ``info()`` (what is served, for ETags,
``/readyz``, the service description and ``/v1/policies``), ``worker_spec()`` (how a query worker
opens its read-only store; None for a remote store, which is queried over HTTP) and
``replace_policy()`` (add or replace one policy's graph).

How a replace stays atomic for readers, and how workers see it
--------------------------------------------------------------
Query workers never see a store change under them.  A write builds the new data *beside* the
old, then the runner swaps its whole worker pool (:meth:`QueryRunner.reload`): a query runs
entirely in the old pool (old version) or the new one (new version), never a mix.

* memory -- the policy's file is archived and replaces the old one in the file list; the new
  pool loads the new list.
* disk -- ``PATH/CURRENT`` names the live generation (``gen-000001`` …, each an Oxigraph
  database).  A write backs up the live generation (hard links, cheap), replaces the graph
  in the copy in one transaction, then renames ``CURRENT`` atomically; workers open
  generations read-only, so no process ever reads a database another one writes.
  A restart opens ``CURRENT`` without reloading anything.
* remote -- Graph Store Protocol ``PUT`` (atomic on Oxigraph server; see :mod:`dpv_almi.engines`).

Earlier versions are archived source files (``Archive``), described in the registry graph.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from dpv_almi import engines, registry
from dpv_almi.loading import FORMATS, RdfLoadError, _to_load_error, expand_paths, load_store
from dpv_almi.registry import REGISTRY_GRAPH, PolicyRecord
from dpv_almi.store import DataStore, graph_for, graph_id_for

_DATASET_SUFFIXES = (".trig", ".nq")


# --- what a worker opens ---------------------------------------------------------


@dataclass(frozen=True)
class MemorySpec:
    """Load these files (and the registry graph) into a fresh in-memory store."""

    files: tuple[str, ...]
    registry: str

    def open(self) -> DataStore:
        return DataStore(self.files, registry=self.registry)


@dataclass(frozen=True)
class DiskSpec:
    """Open this Oxigraph database read-only."""

    path: str

    def open(self) -> DataStore:
        return DataStore(store=pyoxigraph.Store.read_only(self.path))


WorkerSpec = MemorySpec | DiskSpec


@dataclass(frozen=True)
class StoreInfo:
    """What is served, as of the last write: the registry, graph sizes and the ETag base."""

    version: str
    last_modified: datetime
    graphs: dict[str, int]
    records: tuple[PolicyRecord, ...]

    def __len__(self) -> int:
        """Triples of the data (the registry graph is about the data, not part of it)."""
        return sum(n for g, n in self.graphs.items() if g != REGISTRY_GRAPH)

    @property
    def policies(self) -> list[str]:
        from dpv_almi.store import policy_id

        return [pid for g in self.graphs if (pid := policy_id(g))]

    @classmethod
    def of(cls, data: DataStore) -> StoreInfo:
        return cls(data.version, data.last_modified, dict(data.graphs), data.records)


# --- version archive ------------------------------------------------------------


class Archive:
    """Source files of every version loaded, ``DIR/<id>/<version>/<id><suffix>``: what a diff reads
    (the file name keeps the policy id, which is how the memory backend names its graph)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, record: PolicyRecord, data: bytes, suffix: str) -> Path:
        folder = self.root / record.id / _safe(record.version)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        path = folder / f"{record.id}{suffix}"
        path.write_bytes(data)
        return path

    def find(self, graph_id: str, version: str) -> Path | None:
        folder = self.root / graph_id / _safe(version)
        matches = sorted(folder.glob(f"{graph_id}.*")) if folder.is_dir() else []
        return matches[0] if matches else None


def _safe(version: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in version)


def check_rdf(data: bytes, suffix: str, name: str) -> None:
    """Parse *data* before anything is stored: :class:`RdfLoadError` (file:line:col) if it is not RDF."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_bytes(data)
        load_store([path])


def validate_policy_id(policy: str) -> None:
    if not policy or not all(c.isalnum() or c in "-_." for c in policy) or policy in registry.NON_POLICY_IDS:
        raise ValueError(f"invalid policy id {policy!r}: letters, digits, '-', '_', '.' only; not dpv/vocab/registry")


# --- backends -------------------------------------------------------------------


class Backend(ABC):
    """One kind of store; see the module docstring."""

    kind: str
    archive: Archive

    @abstractmethod
    def info(self) -> StoreInfo: ...

    def worker_spec(self) -> WorkerSpec | None:
        return None

    @abstractmethod
    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str,
                      records: list[PolicyRecord]) -> None: ...

    def replace_policy(self, policy: str, data: bytes, suffix: str = ".ttl", version: str | None = None,
                       source: str | None = None) -> PolicyRecord:
        """Check, archive and store one policy version as the current one (blocking; no reader sees a mix)."""
        validate_policy_id(policy)
        if suffix not in FORMATS or suffix in _DATASET_SUFFIXES:
            raise RdfLoadError(source or policy, None, None, f"a policy is one graph: use one of "
                               f"{', '.join(s for s in FORMATS if s not in _DATASET_SUFFIXES)}")
        check_rdf(data, suffix, policy)
        record = registry.new_record(policy, data, source or f"{policy}{suffix}", version)
        self.archive.put(record, data, suffix)
        self._store_policy(record, data, suffix, registry.replace_current(self.info().records, record))
        return record

    def versions(self, policy: str) -> list[PolicyRecord]:
        return [r for r in self.info().records if r.id == policy]

    def close(self) -> None:
        """Release what the parent holds open."""


def records_for_files(files: list[Path]) -> list[PolicyRecord]:
    """A record per graph a file gives (TriG/N-Quads: per named graph under ``GRAPH``)."""
    records = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:  # the same one-line error as a parse failure
            raise _to_load_error(path, exc) from exc
        loaded = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        if path.suffix.lower() in _DATASET_SUFFIXES:
            store = load_store([path], graph_for=graph_for)
            from dpv_almi.store import policy_id

            for graph in sorted(g.value for g in store.named_graphs()):
                if (pid := policy_id(graph)) is not None:
                    records.append(registry.new_record(pid, data, f"{path.name}#{pid}", None, loaded))
        else:
            records.append(registry.new_record(graph_id_for(path), data, path.name, None, loaded))
    return records


class MemoryBackend(Backend):
    """Today's default: files loaded into memory by every worker; writes swap the file list."""

    kind = "memory"

    def __init__(self, paths: list[Path], archive: Path | None = None) -> None:
        self.files = expand_paths(paths)
        self._tmp = None if archive else tempfile.TemporaryDirectory(prefix="dpv-almi-versions-")
        self.archive = Archive(archive or Path(self._tmp.name))  # type: ignore[union-attr]
        self.records = records_for_files(self.files)
        self._current = DataStore(self.files, registry=registry.registry_ntriples(self.records))
        self._info = StoreInfo.of(self._current)

    @property
    def data(self) -> DataStore:
        return self._current

    def info(self) -> StoreInfo:
        return self._info

    def worker_spec(self) -> MemorySpec:
        return MemorySpec(tuple(str(f) for f in self.files), registry.registry_ntriples(self.records))

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        path = self.archive.find(record.id, record.version)
        assert path is not None
        files = [f for f in self.files if graph_id_for(f) != record.id] + [path]
        current = DataStore(files, registry=registry.registry_ntriples(records))
        self.files, self.records, self._current = files, records, current
        self._info = StoreInfo.of(current)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


class DiskBackend(Backend):
    """An Oxigraph database directory with generations (see the module docstring)."""

    kind = "disk"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = Archive(path / "versions")
        if not (path / "CURRENT").exists():
            path.mkdir(parents=True, exist_ok=True)
            store = pyoxigraph.Store(str(path / "gen-000001"))
            store.flush()
            del store
            gc.collect()
            (path / "CURRENT").write_text("gen-000001\n")
        self._info = self._read_info()

    def live(self) -> Path:
        return self.path / (self.path / "CURRENT").read_text().strip()

    def _read_info(self) -> StoreInfo:
        data = DataStore(store=pyoxigraph.Store.read_only(str(self.live())))
        info = StoreInfo.of(data)
        del data
        gc.collect()
        return info

    def info(self) -> StoreInfo:
        return self._info

    def worker_spec(self) -> DiskSpec:
        return DiskSpec(str(self.live()))

    def load_files(self, files: list[Path]) -> list[PolicyRecord]:
        """Bulk-load data files as a new generation (``dpv-almi load``/``serve --data … --store PATH``)."""
        records = records_for_files(expand_paths(files))
        existing = {(r.id, r.version) for r in self._info.records}
        merged = list(self._info.records)
        for record in records:
            if (record.id, record.version) not in existing:
                merged = registry.replace_current(merged, record)

        def write(store: pyoxigraph.Store) -> None:
            for record in records:
                store.remove_graph(pyoxigraph.NamedNode(record.graph)) if store.contains_named_graph(
                    pyoxigraph.NamedNode(record.graph)) else None
            load_store(expand_paths(files), graph_for=graph_for, store=store)
            _write_registry(store, merged)

        self._new_generation(write)
        return records

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        path = self.archive.find(record.id, record.version)
        assert path is not None

        def write(store: pyoxigraph.Store) -> None:
            graph = pyoxigraph.NamedNode(record.graph)
            fresh = load_store([path], graph_for=lambda _p: graph)
            store.update(f"DROP SILENT GRAPH <{record.graph}>")
            store.extend(fresh.quads_for_pattern(None, None, None, graph))
            _write_registry(store, records)

        self._new_generation(write)

    def _new_generation(self, write: object) -> None:
        live = self.live()
        number = int(live.name.removeprefix("gen-")) + 1
        target = self.path / f"gen-{number:06d}"
        if target.exists():
            shutil.rmtree(target)
        source = pyoxigraph.Store.read_only(str(live))
        source.backup(str(target))
        del source
        store = pyoxigraph.Store(str(target))
        write(store)  # type: ignore[operator]
        store.flush()
        del store
        gc.collect()
        pointer = self.path / "CURRENT.tmp"
        pointer.write_text(f"{target.name}\n")
        os.replace(pointer, self.path / "CURRENT")
        self._info = self._read_info()
        self._prune(keep={live.name, target.name})

    def _prune(self, keep: set[str]) -> None:
        """Remove generations older than the previous one (its workers may still be finishing)."""
        for old in self.path.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _write_registry(store: pyoxigraph.Store, records: list[PolicyRecord]) -> None:
    graph = pyoxigraph.NamedNode(REGISTRY_GRAPH)
    store.remove_graph(graph) if store.contains_named_graph(graph) else None
    store.load(registry.registry_ntriples(records).encode(), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph)


class RemoteBackend(Backend):
    """An existing SPARQL database; the service keeps only its version archive locally."""

    kind = "remote"

    def __init__(self, spec: str, archive: Path | None = None) -> None:
        self.remote = engines.RemoteStore.parse(spec)
        self._tmp = None if archive else tempfile.TemporaryDirectory(prefix="dpv-almi-versions-")
        self.archive = Archive(archive or Path(self._tmp.name))  # type: ignore[union-attr]
        self._info = self._read_info()

    def _read_info(self) -> StoreInfo:
        records = tuple(registry.records_from_rows(engines.select(self.remote, registry.RECORDS_QUERY)))
        rows = engines.select(self.remote, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        system = set(self.remote.engine.system_graphs)  # the engine's own graphs are not the data
        graphs = {r["g"]: int(r["n"]) for r in sorted(rows, key=lambda r: r["g"]) if r["g"] not in system}
        loaded = max((r.loaded_at for r in records), default=datetime.fromtimestamp(0, UTC))
        version = registry.data_version(records, "".join(f"{g}{n}" for g, n in graphs.items()))
        return StoreInfo(version, loaded, graphs, records)

    def info(self) -> StoreInfo:
        return self._info

    def refresh(self) -> StoreInfo:
        self._info = self._read_info()
        return self._info

    def load_files(self, files: list[Path]) -> list[PolicyRecord]:
        """Put each graph of *files* into the remote store (one GSP PUT per graph), then the registry."""
        records = records_for_files(expand_paths(files))
        store = load_store(expand_paths(files), graph_for=graph_for)
        for graph in store.named_graphs():
            engines.put_graph(self.remote, graph.value, _ntriples(store, graph))
        merged = list(self._info.records)
        for record in records:
            merged = registry.replace_current(merged, record)
        engines.put_graph(self.remote, REGISTRY_GRAPH, registry.registry_ntriples(merged).encode())
        self.refresh()
        return records

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        path = self.archive.find(record.id, record.version)
        assert path is not None
        engines.put_graph(self.remote, record.graph, _ntriples(load_store([path]), pyoxigraph.DefaultGraph()))
        engines.put_graph(self.remote, REGISTRY_GRAPH, registry.registry_ntriples(records).encode())
        self.refresh()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _ntriples(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph) -> bytes:
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, graph))
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def open_backend(store: str | None, files: list[Path], archive: Path | None = None) -> Backend:
    """The backend for ``--store`` (None: memory, ``sparql+http…``: remote, else an on-disk path)."""
    if engines.is_remote(store):
        return RemoteBackend(str(store), archive)
    if store:
        backend = DiskBackend(Path(store))
        if files and not backend.info().graphs:
            backend.load_files(files)  # a new database starts with the given (or packaged) data
        return backend
    return MemoryBackend(files, archive)
