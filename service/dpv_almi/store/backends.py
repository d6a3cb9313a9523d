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

* memory -- the parent parses the files once into an in-memory store; workers are forked from
  it and share that store copy-on-write: the start costs one parse and one copy, not one per
  worker, and a replaced worker is up at once.  (Oxigraph's in-memory reads write to the pages
  they visit -- measured: a worker's private memory grows to the store's size after a full scan --
  so a worker's pages become its own as its queries reach them; see ``docs/deployment.md``, *Scale*.)  A write archives the policy's file,
  builds a *new* store (the files, with each replaced policy's current version over its graph)
  and a new pool forked from it takes over; the old pool keeps its own snapshot until it is done.
* disk -- ``PATH/CURRENT`` names the live generation (``gen-000001`` …, each an Oxigraph
  database).  A write backs up the live generation (hard links, cheap), replaces the graph
  in the copy in one transaction, then renames ``CURRENT`` atomically; workers open
  generations read-only, so no process ever reads a database another one writes.
  A restart opens ``CURRENT`` without reloading anything.
* remote -- Graph Store Protocol ``PUT`` (atomic on Oxigraph server; see :mod:`dpv_almi.store.remote`).

Earlier versions are archived source files (``Archive``), described in the registry graph.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph

from dpv_almi.errors import DpvAlmiError, InputError
from dpv_almi.identifiers import check_policy_id, check_version
from dpv_almi.loading import FORMATS, RdfLoadError, _to_load_error, expand_paths, input_chunks, load_store
from dpv_almi.namespaces import GRAPH
from dpv_almi.store import leases, registry, remote
from dpv_almi.store.dataset import (
    POLICIES,
    STANDARD,
    DataStore,
    default_graph_copy,
    graph_for,
    graph_id_for,
    merge_default_graph,
    merged_default_graph_query,
    needs_merge,
    policy_id,
)
from dpv_almi.store.registry import REGISTRY_GRAPH, PolicyRecord

_DATASET_SUFFIXES = (".trig", ".nq")


# --- what a worker opens ---------------------------------------------------------


@dataclass(frozen=True)
class MemorySpec:
    """The parent's in-memory store (*shared*), which forked workers inherit instead of loading it.

    Pickled (a ``spawn`` platform without ``fork``) it drops *shared*, and the worker builds the
    same store from *files*, *overrides* and *registry* itself."""

    files: tuple[str, ...]
    registry: str
    overrides: tuple[tuple[str, str], ...] = ()
    """(policy id, file) of every policy replaced since the start: its current version."""
    shared: DataStore | None = field(default=None, compare=False, repr=False)
    layout: str = POLICIES

    @property
    def fork(self) -> bool:
        """True when workers must be forked from this process to inherit the store."""
        return self.shared is not None

    def open(self) -> DataStore:
        if self.shared is not None:
            return self.shared
        if self.layout == STANDARD:
            return DataStore(self.files, layout=STANDARD)
        store = memory_store([Path(f) for f in self.files], {k: Path(v) for k, v in self.overrides})[0]
        return DataStore(store=store, registry=self.registry, default_only=default_graph_copy(store))

    def release(self, successor: object) -> bool:
        """No worker uses this spec any more: let its store go, unless *successor* serves the same one."""
        if self.shared is None or self.shared is getattr(successor, "shared", None):
            return False
        self.shared.store = pyoxigraph.Store()  # the old data's only references: freed now
        self.shared.default_only = None
        return True

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "shared": None}  # a store cannot be pickled; the worker rebuilds it


@dataclass(frozen=True)
class DiskSpec:
    """Open this Oxigraph database read-only."""

    path: str
    fork = False

    def open(self) -> DataStore:
        held = leases.lease(Path(self.path))  # before opening: the generation cannot go meanwhile
        if not Path(self.path).is_dir():
            held.release()
            raise FileNotFoundError(f"store generation {self.path} is gone")
        data = DataStore(store=pyoxigraph.Store.read_only(self.path))
        data.lease = held  # type: ignore[attr-defined]  # held as long as this worker serves it
        return data


WorkerSpec = MemorySpec | DiskSpec


@dataclass(frozen=True)
class StoreInfo:
    """What is served, as of the last write: the registry, graph sizes and the ETag base."""

    version: str
    last_modified: datetime
    graphs: dict[str, int]
    records: tuple[PolicyRecord, ...]
    default_triples: int = 0
    """Triples in the default graph (in the policy layout, the merge: a triple in two graphs once)."""
    layout: str = POLICIES

    def __len__(self) -> int:
        """Triples of the data (the registry graph is about the data, not part of it)."""
        return sum(n for g, n in self.graphs.items() if g != REGISTRY_GRAPH)

    @property
    def policies(self) -> list[str]:
        return [pid for g in self.graphs if (pid := policy_id(g))]

    @classmethod
    def of(cls, data: DataStore) -> StoreInfo:
        return cls(data.version, data.last_modified, dict(data.graphs), data.records, data.default_triples, data.layout)


# --- version archive ------------------------------------------------------------


class Archive:
    """Source files of every version loaded, ``DIR/<id>/<version>/<id><suffix>``: what a diff reads
    (the file name keeps the policy id, which is how the memory backend names its graph)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, graph_id: str, version: str) -> Path:
        """``ROOT/<id>/<version>``, after checking both and that the path stays under the root
        (InputError otherwise): nothing outside the archive is ever written or removed."""
        check_policy_id(graph_id)
        check_version(version)
        root = self.root.resolve()
        folder = (root / graph_id / version).resolve()
        if not folder.is_relative_to(root) or folder.parent.parent != root:
            raise InputError(f"version folder {graph_id}/{version} would leave the archive", "Invalid version")
        return folder

    def put(self, record: PolicyRecord, data: bytes, suffix: str) -> Path:
        folder = self.folder(record.id, record.version)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        path = folder / f"{record.id}{suffix}"
        path.write_bytes(data)
        return path

    def find(self, graph_id: str, version: str) -> Path | None:
        try:
            folder = self.folder(graph_id, version)
        except InputError:
            return None
        matches = sorted(folder.glob(f"{graph_id}.*")) if folder.is_dir() else []
        return matches[0] if matches else None


def _archive(folder: Path | None) -> tuple[tempfile.TemporaryDirectory[str] | None, Archive]:
    """The version archive in *folder*, or in a temporary folder (returned too: removed on close)."""
    if folder is not None:
        return None, Archive(folder)
    temporary = tempfile.TemporaryDirectory(prefix="dpv-almi-versions-")
    return temporary, Archive(Path(temporary.name))


def check_rdf(data: bytes, suffix: str, name: str) -> None:
    """Parse *data* before anything is stored: :class:`RdfLoadError` (``<name><suffix>``:line:col, never
    the temporary path) if it is not RDF or holds no triple (an empty policy is a mistake, not a version)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_bytes(data)
        try:
            empty = len(load_store([path], local_files=False)) == 0  # sent data: no local @context
        except RdfLoadError as exc:
            raise RdfLoadError(path.name, exc.line, exc.column, exc.message.replace(folder + os.sep, "")) from exc
    if empty:
        raise RdfLoadError(path.name, None, None, "no triples: a policy cannot be empty")


def validate_policy_id(policy: str) -> None:
    check_policy_id(policy)


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
    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None: ...

    def replace_policy(
        self, policy: str, data: bytes, suffix: str = ".ttl", version: str | None = None, source: str | None = None
    ) -> PolicyRecord:
        """Check, archive and store one policy version as the current one (blocking; no reader sees a mix)."""
        check_policy_id(policy)
        if version is not None:
            check_version(version)
        if suffix not in FORMATS or suffix in _DATASET_SUFFIXES:
            raise RdfLoadError(
                source or policy,
                None,
                None,
                f"a policy is one graph: use one of {', '.join(s for s in FORMATS if s not in _DATASET_SUFFIXES)}",
            )
        check_rdf(data, suffix, policy)
        record = registry.new_record(policy, data, source or f"{policy}{suffix}", version)
        with self.writing():  # the records extended are the latest, whoever wrote them
            self.archive.put(record, data, suffix)
            self._store_policy(record, data, suffix, registry.replace_current(self.info().records, record))
        return record

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around one write: a backend other processes write too serialises them here and re-reads
        what it serves first (the default: nothing to do, the process owns its data)."""
        yield

    def versions(self, policy: str) -> list[PolicyRecord]:
        return [r for r in self.info().records if r.id == policy]

    def close(self) -> None:  # noqa: B027 - an optional hook: backends holding resources override it
        """Release what the parent holds open."""


def _file_sha256(path: Path) -> str:
    """A file's SHA-256, streamed (a 10,000-policy TriG file is 570 MB; it is hashed once, not per graph)."""
    digest = hashlib.sha256()
    try:
        for piece in input_chunks(path, 1 << 20):  # bounded: a pipe or /dev/zero ends at the input cap
            digest.update(piece)
        return digest.hexdigest()
    except OSError as exc:  # the same one-line error as a parse failure
        raise _to_load_error(path, exc) from exc


def _records(given: Mapping[Path, Sequence[str]], digests: Mapping[Path, str]) -> list[PolicyRecord]:
    """A record per graph each file gave (TriG/N-Quads: per policy graph, all with the file's hash)."""
    records: list[PolicyRecord] = []
    for path, graphs in given.items():
        loaded = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        if path.suffix.lower() in _DATASET_SUFFIXES:
            records.extend(
                registry.new_record(pid, b"", f"{path.name}#{pid}", None, loaded, digests[path])
                for graph in sorted(graphs)
                if (pid := policy_id(graph)) is not None
            )
        else:
            records.append(registry.new_record(graph_id_for(path), b"", path.name, None, loaded, digests[path]))
    return records


def _load_files(
    store: pyoxigraph.Store, files: Sequence[Path], *, bulk: bool = False, replace: bool = False
) -> dict[Path, list[str]]:
    """Parse each file once into *store*; the graphs each gave (a dataset file's: the graphs new after it,
    which listing the store's graphs gives without a scan).  *replace*: a graph a file gives is emptied
    first (a store that already holds data; a dataset file is then parsed twice, to learn its graphs)."""
    given: dict[Path, list[str]] = {}
    for path in files:
        if path.suffix.lower() in _DATASET_SUFFIXES:
            if replace:
                for graph in load_store([path]).named_graphs():
                    store.remove_graph(graph) if store.contains_named_graph(graph) else None
            before = {g.value for g in store.named_graphs()}
            load_store([path], graph_for=graph_for, store=store, bulk=bulk)
            given[path] = [g.value for g in store.named_graphs() if g.value not in before]
        else:
            graph = graph_for(path)
            if replace and store.contains_named_graph(graph):
                store.remove_graph(graph)
            load_store([path], graph_for=graph_for, store=store, bulk=bulk)
            given[path] = [graph.value]
    return given


def load_recorded(
    store: pyoxigraph.Store, files: Sequence[Path], *, bulk: bool = False, replace: bool = False
) -> list[PolicyRecord]:
    """:func:`_load_files` and the records of what was loaded; the files are hashed in a thread
    meanwhile (both release the GIL, so on two cores the hashing costs no wall time)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dpv-almi-hash") as pool:
        digests = {path: pool.submit(_file_sha256, path) for path in files}
        given = _load_files(store, files, bulk=bulk, replace=replace)
        return _records(given, {path: digest.result() for path, digest in digests.items()})


def memory_store(
    files: Sequence[Path],
    overrides: Mapping[str, Path],
) -> tuple[pyoxigraph.Store, list[PolicyRecord] | None]:
    """The memory backend's store: every file parsed once, then each replaced policy's current file
    over its graph (which a dataset file may also have given).  Records only when nothing is replaced
    (the start; after a write the registry already has them)."""
    store = pyoxigraph.Store()
    if not overrides:
        records = load_recorded(store, files)
        merge_default_graph(store)
        return store, records
    _load_files(store, [f for f in files if f.suffix.lower() in _DATASET_SUFFIXES or graph_id_for(f) not in overrides])
    for policy, path in overrides.items():
        graph = pyoxigraph.NamedNode(str(GRAPH[policy]))
        store.remove_graph(graph) if store.contains_named_graph(graph) else None
        load_store([path], graph_for=lambda _p, g=graph: g, store=store)  # type: ignore[misc]  # a default argument binds the graph for the lambda (late binding otherwise)
    merge_default_graph(store)
    return store, None


class MemoryBackend(Backend):
    """The default: the files loaded once into memory here, shared with forked workers; a write builds a new store."""

    kind = "memory"

    def __init__(self, paths: list[Path], archive: Path | None = None) -> None:
        self.files = expand_paths(paths)
        self.overrides: dict[str, Path] = {}
        self._tmp, self.archive = _archive(archive)
        store, records = memory_store(self.files, self.overrides)
        self.records = records or []
        self._current = DataStore(
            store=store, registry=registry.registry_ntriples(self.records), default_only=default_graph_copy(store)
        )
        self._info = StoreInfo.of(self._current)

    @property
    def data(self) -> DataStore:
        return self._current

    def info(self) -> StoreInfo:
        return self._info

    def worker_spec(self) -> MemorySpec:
        return MemorySpec(
            tuple(str(f) for f in self.files),
            registry.registry_ntriples(self.records),
            tuple((k, str(v)) for k, v in self.overrides.items()),
            shared=self._current,
        )

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        path = self.archive.find(record.id, record.version)
        assert path is not None  # noqa: S101 - an invariant for the type checker, not an input check
        overrides = {**self.overrides, record.id: path}
        store, _ = memory_store(self.files, overrides)  # beside the served one: readers never see a mix
        current = DataStore(
            store=store, registry=registry.registry_ntriples(records), default_only=default_graph_copy(store)
        )
        self.overrides, self.records, self._current = overrides, records, current
        self._info = StoreInfo.of(current)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


_STORE_NAMES = frozenset(("versions", "leases", "write.lock", "CURRENT.tmp"))
"""What a store folder may already hold before its first generation (made by the archive and the lock)."""


class DiskBackend(Backend):
    """An Oxigraph database directory with generations (see the module docstring)."""

    kind = "disk"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = Archive(path / "versions")
        if not (path / "CURRENT").exists():
            foreign = sorted(p.name for p in path.iterdir() if p.name not in _STORE_NAMES) if path.is_dir() else []
            if foreign:  # a store's pruning removes gen-* folders: never adopt a folder holding other files
                raise InputError(
                    f"{path}: not a store (no CURRENT) and not empty ({', '.join(foreign[:3])}{', …' if foreign[3:] else ''}): "
                    "give an empty or new folder",
                    "Not a store",
                )
            path.mkdir(parents=True, exist_ok=True)
            store = pyoxigraph.Store(str(path / "gen-000001"))
            store.flush()
            del store
            gc.collect()
            (path / "CURRENT").write_text("gen-000001\n")
        self._lease = leases.lease(self.live())  # what this process serves is never pruned
        self._info = self._read_info()
        if self._unmerged():  # written before the default graph was a stored merge: merge it once
            with self.writing():
                if self._unmerged():
                    self._new_generation(lambda _store: None)

    def _unmerged(self) -> bool:
        store = pyoxigraph.Store.read_only(str(self.live()))
        try:
            return needs_merge(store)
        finally:
            del store
            gc.collect()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time across processes, building on the latest generation and registry."""
        with leases.writing(self.path):
            self._info = self._read_info()
            yield

    def close(self) -> None:
        self._lease.release()

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
        """Bulk-load data files as a new generation (``dpv-almi load``/``serve --data … --store PATH``).

        ``Store.bulk_load`` streams each file (no transaction holding it all: the generation is not
        served until ``CURRENT`` names it); a file's graphs replace the same graphs already stored."""
        paths = expand_paths(files)
        records: list[PolicyRecord] = []

        def write(store: pyoxigraph.Store) -> None:  # under the write lock, on the latest registry
            existing = {(r.id, r.version) for r in self._info.records}
            records.extend(load_recorded(store, paths, bulk=True, replace=bool(self._info.graphs)))
            added = [r for r in records if (r.id, r.version) not in existing]
            _write_registry(store, registry.replace_current_many(self._info.records, added))

        with self.writing():
            self._new_generation(write)
        return records

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        path = self.archive.find(record.id, record.version)
        assert path is not None  # noqa: S101 - an invariant for the type checker, not an input check

        def write(store: pyoxigraph.Store) -> None:
            graph = pyoxigraph.NamedNode(record.graph)
            fresh = load_store([path], graph_for=lambda _p: graph)
            store.update(f"DROP SILENT GRAPH <{record.graph}>")
            store.extend(fresh.quads_for_pattern(None, None, None, graph))
            _write_registry(store, records)

        self._new_generation(write)

    def _new_generation(self, write: Callable[[pyoxigraph.Store], None]) -> None:
        live = self.live()
        number = int(live.name.removeprefix("gen-")) + 1
        target = self.path / f"gen-{number:06d}"
        if target.exists():
            shutil.rmtree(target)
        source = pyoxigraph.Store.read_only(str(live))
        source.backup(str(target))
        del source
        store = pyoxigraph.Store(str(target))
        write(store)
        merge_default_graph(store)  # the default graph follows every write (dataset module docstring)
        store.flush()
        del store
        gc.collect()
        # Power-cut safety: the new generation's files and directories, and the new pointer, are on
        # disk before CURRENT names them; the parent directory after, so the rename itself is too.
        for folder, _dirs, files in os.walk(target, topdown=False):
            for name in files:
                _fsync(Path(folder) / name)
            _fsync(Path(folder))
        pointer = self.path / "CURRENT.tmp"
        pointer.write_text(f"{target.name}\n")
        _fsync(pointer)
        os.replace(pointer, self.path / "CURRENT")
        _fsync(self.path)
        self._lease.release()
        self._lease = leases.lease(target)
        self._info = self._read_info()
        self._prune(keep={live.name, target.name})

    def _prune(self, keep: set[str]) -> None:
        """Remove generations older than the previous one that nobody holds a lease on: another
        process (a service, its workers) may still serve one."""
        for old in self.path.glob("gen-*"):
            if old.name not in keep and not leases.in_use(old):
                shutil.rmtree(old, ignore_errors=True)
                leases.forget(old)


def _fsync(path: Path) -> None:
    """Flush a file's or a directory's data and metadata to the disk (``O_RDONLY`` works for both)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_registry(store: pyoxigraph.Store, records: list[PolicyRecord]) -> None:
    graph = pyoxigraph.NamedNode(REGISTRY_GRAPH)
    store.remove_graph(graph) if store.contains_named_graph(graph) else None
    store.load(registry.registry_ntriples(records).encode(), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph)


class RemoteBackend(Backend):
    """An existing SPARQL database; the service keeps only its version archive locally."""

    kind = "remote"

    def __init__(self, spec: str, archive: Path | None = None) -> None:
        self.remote = remote.RemoteStore.parse(spec)
        self._tmp, self.archive = _archive(archive)
        self._seen = self._registry_state()
        self._info = self._read_info()
        if self.remote.engine.merge_default and self._info.graphs:
            self._merge_if_unmerged()

    def _merge(self) -> None:
        """Store the default graph as the merge of the named graphs but the registry (after a write)."""
        if self.remote.engine.merge_default:
            remote.update(self.remote, merged_default_graph_query(), timeout=600)

    def _merge_if_unmerged(self) -> None:
        rows = remote.select(self.remote, "SELECT (COUNT(*) AS ?n) { { SELECT * { ?s ?p ?o } LIMIT 1 } }")
        if rows and rows[0].get("n") == "0":
            self._merge()

    def _read_info(self) -> StoreInfo:
        records = tuple(registry.records_from_rows(remote.select(self.remote, registry.RECORDS_QUERY)))
        rows = remote.select(self.remote, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        system = set(self.remote.engine.system_graphs)  # the engine's own graphs are not the data
        graphs = {r["g"]: int(r["n"]) for r in sorted(rows, key=lambda r: r["g"]) if r["g"] not in system}
        loaded = max((r.loaded_at for r in records), default=datetime.fromtimestamp(0, UTC))
        version = registry.data_version(records, "".join(f"{g}{n}" for g, n in graphs.items()))
        default = (
            remote.select(self.remote, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
            if self.remote.engine.merge_default
            else []
        )
        return StoreInfo(version, loaded, graphs, records, int(default[0]["n"]) if default else 0)

    def info(self) -> StoreInfo:
        return self._info

    def refresh(self) -> StoreInfo:
        self._seen = self._registry_state()  # first: a write in between is then seen as a change next time
        self._info = self._read_info()
        return self._info

    def _registry_state(self) -> tuple[str, ...]:
        """A small fingerprint of the registry graph, which every write changes (one cheap aggregate query)."""
        rows = remote.select(self.remote, registry.REGISTRY_STATE_QUERY)
        return tuple(sorted((rows[0] if rows else {}).items()))  # type: ignore[arg-type]  # rows of a SELECT: str to str

    def refresh_if_changed(self) -> bool:
        """Re-read what is served if another writer changed the registry since we last looked (blocking).

        Other service instances may write the same store; every write replaces the registry graph,
        so its fingerprint is all that has to be read to notice.  True when something changed."""
        state = self._registry_state()
        if state == getattr(self, "_seen", None):
            return False
        before = self._info.version
        self._info = self._read_info()
        self._seen = state
        return self._info.version != before

    def load_files(self, files: list[Path]) -> list[PolicyRecord]:
        """Put each graph of *files* into the remote store (one GSP PUT per graph), then the registry.

        The files are parsed once into a local store (which also gives their records), and the registry
        is merged in one pass: with 10,000 policies, a parse per step or a merge per record costs minutes."""
        store = pyoxigraph.Store()
        records = load_recorded(store, expand_paths(files))
        with remote.session(self.remote) as client:
            for graph in store.named_graphs():
                if not isinstance(graph, pyoxigraph.NamedNode):  # RDF datasets name graphs by IRI only
                    continue
                remote.put_graph(self.remote, graph.value, _ntriples(store, graph), client)
            merged = registry.replace_current_many(self._info.records, records)
            remote.put_graph(self.remote, REGISTRY_GRAPH, registry.registry_ntriples(merged).encode(), client)
        self._merge()
        self.refresh()
        return records

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        path = self.archive.find(record.id, record.version)
        assert path is not None  # noqa: S101 - an invariant for the type checker, not an input check
        with remote.session(self.remote) as client:
            remote.put_graph(
                self.remote, record.graph, _ntriples(load_store([path]), pyoxigraph.DefaultGraph()), client
            )
            remote.put_graph(self.remote, REGISTRY_GRAPH, registry.registry_ntriples(records).encode(), client)
        self._merge()
        self.refresh()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


class StandardBackend(Backend):
    """``--dataset standard``: the files as an RDF dataset as they are (:data:`~dpv_almi.store.dataset.STANDARD`),
    in memory; no registry, no versions, no writes."""

    kind = "memory"

    def __init__(self, paths: list[Path]) -> None:
        self.files = expand_paths(paths)
        self._tmp, self.archive = _archive(None)
        self._current = DataStore(self.files, layout=STANDARD)
        self._info = StoreInfo.of(self._current)

    def info(self) -> StoreInfo:
        return self._info

    def worker_spec(self) -> MemorySpec:
        return MemorySpec(tuple(str(f) for f in self.files), "", shared=self._current, layout=STANDARD)

    def replace_policy(
        self, policy: str, data: bytes, suffix: str = ".ttl", version: str | None = None, source: str | None = None
    ) -> PolicyRecord:
        """Refused before anything is checked or archived."""
        raise DpvAlmiError(
            409,
            "This service serves a standard dataset exactly as loaded (--dataset standard): it has no policies "
            "to add or replace.",
            "Not a policy dataset",
        )

    def _store_policy(self, record: PolicyRecord, data: bytes, suffix: str, records: list[PolicyRecord]) -> None:
        raise AssertionError("unreachable: replace_policy refuses first")

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _ntriples(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph) -> bytes:
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, graph))
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def open_backend(store: str | None, files: list[Path], archive: Path | None = None, layout: str = POLICIES) -> Backend:
    """The backend for ``--store`` (None: memory, ``sparql+http…``: remote, else an on-disk path) and
    ``--dataset`` (*layout*; the standard layout is served from memory only)."""
    if layout == STANDARD:
        if store:
            raise InputError(
                "--dataset standard serves the given files from memory; it cannot be combined with --store.",
                "Unsupported combination",
            )
        return StandardBackend(files)
    if remote.is_remote(store):
        return RemoteBackend(str(store), archive)
    if store:
        backend = DiskBackend(Path(store))
        if files and not backend.info().graphs:
            backend.load_files(files)  # a new database starts with the given (or packaged) data
        return backend
    return MemoryBackend(files, archive)
