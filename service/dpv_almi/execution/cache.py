"""Query results kept until the data changes: the one cache, used by the one query path (``web.deps.run``).

Why it is correct to cache: an answer is fully determined by the data served and the job (query
text, dataset, result format, row cap, base IRI, form).  The data only changes on a write, so the
key carries

* a **generation** that :meth:`ResultCache.invalidate` bumps -- called once the query workers serve
  the new data (after :meth:`~dpv_almi.execution.runner.QueryRunner.reload`), or when a remote store's
  registry is seen to change -- and
* the served **data version** (``StoreInfo.version``, the base of every ETag).

The generation is read *before* a query is submitted and a result is stored only if it is still
the current one, so a query that ran on the old worker pool can never be stored as an answer about
the new data.  Only results are kept, never problems (those raise before :meth:`put`); a truncated
result is kept as it is (truncation is part of the :class:`~dpv_almi.store.dataset.Outcome`, the row cap
part of the key).

Bounded by entries and by (estimated) bytes, least recently used first out; either bound 0 turns
it off.  A plain ``OrderedDict`` because it needs two bounds at once (``cachetools`` has one); it
is only touched from the event loop, so it needs no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from dpv_almi.store.dataset import Outcome, QueryJob

_CELL_OVERHEAD = 120
"""Rough bytes of one SPARQL-JSON term dict beyond its value string (dict, keys, type strings)."""


def outcome_size(outcome: Outcome) -> int:
    """Estimated bytes an outcome holds: its body, or its table's values plus per-term overhead."""
    size = len(outcome.body) + 256
    if outcome.table is not None:
        for row in outcome.table.get("results", {}).get("bindings", ()):
            size += 64
            for term in row.values():
                value = term.get("value")
                size += _CELL_OVERHEAD + (len(value) if isinstance(value, str) else 200)
    return size


def job_key(job: QueryJob, check: bool) -> Hashable:
    """Everything of *job* that shapes the answer (``values`` are already applied to the text)."""
    return (
        job.text,
        job.dataset,
        job.results_type,
        job.graph_type,
        job.max_rows,
        job.base_iri,
        job.table,
        job.max_bytes,
        check,
    )


class ResultCache:
    """An LRU of :class:`Outcome` s keyed by (generation, data version, job)."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max(0, max_entries)
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = self.max_bytes // 4
        """One answer may take at most a quarter of the cache, so one huge result cannot flush it."""
        self.generation = 0
        self.bytes = 0
        self._entries: OrderedDict[Hashable, tuple[Outcome, int]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def key(self, version: str, job: QueryJob, check: bool) -> tuple[int, str, Hashable]:
        """The key of *job* on data *version*, in the current generation."""
        return (self.generation, version, job_key(job, check))

    def get(self, key: tuple[int, str, Hashable]) -> Outcome | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: tuple[int, str, Hashable], outcome: Outcome) -> bool:
        """Keep *outcome* under *key* unless the data changed since the key was made, or it is too big."""
        if not self.enabled or key[0] != self.generation or outcome.status >= 400:
            return False
        size = outcome_size(outcome)
        if size > self.max_entry_bytes:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._entries[key] = (outcome, size)
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _key, (_outcome, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped
        return True

    def invalidate(self) -> None:
        """The data changed: forget every answer, and refuse those still being computed on the old data."""
        self.generation += 1
        self._entries.clear()
        self.bytes = 0
