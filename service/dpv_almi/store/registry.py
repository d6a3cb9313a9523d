"""The policy registry: what the service knows about every graph it serves, as RDF in one graph.

Why a graph and not a side file: the registry must travel with the data -- an on-disk store
restarted, or a remote SPARQL database shared by several service processes, has to answer
"which policies, which version, from which file" without the process that loaded them.  So
every version of every policy is a resource in ``GRAPH.registry``::

    <graph/acme/v/2> a dpva:PolicyVersion ;
        dpva:policyId "acme" ; dpva:version "2" ; dpva:inGraph <graph/acme> ;
        dpva:sourceFile "acme.ttl" ; dpva:sha256 "…" ; dpva:loadedAt "…"^^xsd:dateTime ;
        dpva:current true .

Only the current version's triples are in the policy graph ``graph/<id>`` (so the union default
graph never mixes versions); earlier versions are kept as archived source files
(:mod:`dpv_almi.store.backends`) and described here with ``dpva:current false``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pyoxigraph

from dpv_almi.identifiers import RESERVED_IDS, check_policy_id, check_version
from dpv_almi.namespaces import DPVA, GRAPH, XSD

REGISTRY_GRAPH = str(GRAPH["registry"])
NON_POLICY_IDS = RESERVED_IDS
"""Graph ids that are not policies: the DPV extract, the project vocabulary, this registry."""


@dataclass(frozen=True)
class PolicyRecord:
    """One version of one graph's data: where it came from and when it was loaded."""

    id: str
    version: str
    source: str
    sha256: str
    loaded_at: datetime
    current: bool = True

    @property
    def graph(self) -> str:
        return str(GRAPH[self.id])

    @property
    def iri(self) -> str:
        return f"{self.graph}/v/{self.version}"

    @property
    def is_policy(self) -> bool:
        return self.id not in NON_POLICY_IDS

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "graph": self.graph,
            "source": self.source,
            "sha256": self.sha256,
            "loadedAt": self.loaded_at.isoformat(),
            "current": self.current,
        }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_record(
    graph_id: str,
    data: bytes,
    source: str,
    version: str | None = None,
    loaded_at: datetime | None = None,
    digest: str | None = None,
) -> PolicyRecord:
    """A record for *data*; the version defaults to the first 12 hex digits of its SHA-256
    (*digest*, when the caller already has it: a big file is hashed once, streamed)."""
    check_policy_id(graph_id, reserved=True)
    if version is not None:
        check_version(version)
    digest = digest or sha256(data)
    return PolicyRecord(
        graph_id, version or digest[:12], source, digest, (loaded_at or datetime.now(UTC)).replace(microsecond=0)
    )


def record_triples(record: PolicyRecord) -> list[pyoxigraph.Triple]:
    """The record as RDF terms: whatever an id, version or file name holds, it stays one literal
    (no text is ever spliced into N-Triples, where a newline once became statements of its own)."""
    subject = pyoxigraph.NamedNode(record.iri)

    def literal(value: str, datatype: str | None = None) -> pyoxigraph.Literal:
        return (
            pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(datatype))
            if datatype
            else pyoxigraph.Literal(value)
        )

    objects: list[tuple[str, pyoxigraph.NamedNode | pyoxigraph.Literal]] = [
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", pyoxigraph.NamedNode(str(DPVA.PolicyVersion))),
        (str(DPVA.policyId), literal(record.id)),
        (str(DPVA.version), literal(record.version)),
        (str(DPVA.inGraph), pyoxigraph.NamedNode(record.graph)),
        (str(DPVA.sourceFile), literal(record.source)),
        (str(DPVA.sha256), literal(record.sha256)),
        (str(DPVA.loadedAt), literal(record.loaded_at.isoformat(), str(XSD.dateTime))),
        (str(DPVA.current), literal(str(record.current).lower(), str(XSD.boolean))),
    ]
    return [pyoxigraph.Triple(subject, pyoxigraph.NamedNode(p), o) for p, o in objects]


def record_ntriples(record: PolicyRecord) -> str:
    """The record as N-Triples (for loading into the registry graph of any store), serialised by Oxigraph."""
    return registry_ntriples([record])


def registry_ntriples(records: Iterable[PolicyRecord]) -> str:
    triples = [triple for record in records for triple in record_triples(record)]
    body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return body.decode() if body else ""


RECORDS_QUERY = f"""
SELECT ?id ?version ?source ?sha ?loaded ?current WHERE {{
  GRAPH <{REGISTRY_GRAPH}> {{
    ?v a <{DPVA.PolicyVersion}> ; <{DPVA.policyId}> ?id ; <{DPVA.version}> ?version ;
       <{DPVA.sourceFile}> ?source ; <{DPVA.sha256}> ?sha ; <{DPVA.loadedAt}> ?loaded ; <{DPVA.current}> ?current .
  }}
}} ORDER BY ?id ?loaded ?version
"""
"""Reads every record back; the rows are plain strings (see :func:`records_from_rows`)."""


REGISTRY_STATE_QUERY = f"""
SELECT (COUNT(?v) AS ?records) (MAX(STR(?loaded)) AS ?latest)
       (MD5(GROUP_CONCAT(CONCAT(?id, " ", ?version, " ", ?sha, " ", STR(?current)); separator="|")) AS ?digest) WHERE {{
  GRAPH <{REGISTRY_GRAPH}> {{
    ?v <{DPVA.policyId}> ?id ; <{DPVA.version}> ?version ; <{DPVA.sha256}> ?sha ;
       <{DPVA.loadedAt}> ?loaded ; <{DPVA.current}> ?current .
  }}
}}
"""
"""One row that changes whenever the registry does (every write replaces it): how an instance notices
another instance's write to a shared remote store without reading every record.  The digest's
concatenation order is the engine's; a different order only costs one needless re-read."""


def records_from_rows(rows: Iterable[Mapping[str, str]]) -> list[PolicyRecord]:
    return [
        PolicyRecord(
            r["id"],
            r["version"],
            r["source"],
            r["sha"],
            datetime.fromisoformat(r["loaded"]),
            r["current"] in ("true", "1"),
        )
        for r in rows
    ]


def replace_current(records: Iterable[PolicyRecord], new: PolicyRecord) -> list[PolicyRecord]:
    """*records* with *new* as the current version of its id (a same-named version is replaced)."""
    return replace_current_many(records, [new])


def replace_current_many(records: Iterable[PolicyRecord], new: Iterable[PolicyRecord]) -> list[PolicyRecord]:
    """:func:`replace_current` with each of *new* in turn, in one pass (10,000 policies loaded at once)."""
    new = list(new)
    last_of_id = {r.id: i for i, r in enumerate(new)}
    last_of_key = {(r.id, r.version): i for i, r in enumerate(new)}
    kept = [
        replace(r, current=False) if r.id in last_of_id else r for r in records if (r.id, r.version) not in last_of_key
    ]
    added = [
        r if last_of_id[r.id] == i else replace(r, current=False)
        for i, r in enumerate(new)
        if last_of_key[(r.id, r.version)] == i
    ]
    return [*kept, *added]


def current(records: Iterable[PolicyRecord]) -> dict[str, PolicyRecord]:
    return {r.id: r for r in records if r.current}


def data_version(records: Iterable[PolicyRecord], extra: str = "") -> str:
    """A short hash that changes whenever any current graph's data does: the base of every ETag."""
    key = "\n".join(sorted(f"{r.id}\0{r.version}\0{r.sha256}" for r in records if r.current)) + extra
    return sha256(key.encode())[:20]


Rows = Callable[[str], list[dict[str, str]]]
