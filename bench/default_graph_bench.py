"""What the merged default graph costs and saves, beside the union default graph it replaced (issue #14).

    .venv/bin/python bench/default_graph_bench.py [--sizes 1000 10000] [--repeat 7]

For each N (synthetic organisations, one TriG file, plus the packaged Almi data and a registry of N
records, as the service holds them), two in-memory Oxigraph stores side by side in one process:

* **union** -- the old layout: the default graph empty, queries with ``use_default_graph_as_union``
  (the registry in it, a triple once per graph that holds it);
* **merged** -- today's: :func:`dpv_almi.store.dataset.merge_default_graph` after loading, and the
  merge alone in a second store (:func:`~dpv_almi.store.dataset.default_graph_copy`) that answers the
  queries reading no named graph, as :class:`~dpv_almi.store.dataset.DataStore` routes them.

Printed: load and merge seconds, quads stored (both stores), and for each query the median latency of both
(interleaved, *repeat* runs each) and merged/union.  The named queries are three of the service's
own (``/queries/…``) with their defaults; the others are what an analyst writes.
Not a test: read the ratios, not the absolute figures (the machine is shared).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))

from dpv_almi import resources
from dpv_almi.model.synthetic import write_policies
from dpv_almi.namespaces import PREFIXES
from dpv_almi.sparql.catalogue import REST_QUERIES_DIR, bind, load_catalogue
from dpv_almi.store import registry
from dpv_almi.store.backends import load_recorded
from dpv_almi.store.dataset import DataStore, default_graph_copy, merge_default_graph

ANALYST = {
    "COUNT(*)": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "third countries": "SELECT DISTINCT ?a ?c { ?a dpv:hasThirdCountry ?c }",
    "purposes by activity": "SELECT ?a ?p { ?a a dpv:Process ; dpv:hasPurpose ?p }",
    "label search": 'SELECT ?s ?l { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), "marketing")) }',
}


def build(files: list[Path], merged: bool) -> tuple[pyoxigraph.Store, float, float, DataStore | None]:
    store = pyoxigraph.Store()
    start = time.perf_counter()
    records = load_recorded(store, files)
    store.load(
        registry.registry_ntriples(records).encode(),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
        to_graph=pyoxigraph.NamedNode(registry.REGISTRY_GRAPH),
    )
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    if not merged:
        return store, loaded, 0.0, None
    merge_default_graph(store)
    data = DataStore(store=store, default_only=default_graph_copy(store))
    return store, loaded, time.perf_counter() - start, data


def run(store: pyoxigraph.Store | DataStore, text: str, union: bool) -> tuple[float, int]:
    start = time.perf_counter()
    if isinstance(store, DataStore):
        result = store.query(text)
    else:
        result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
    rows = sum(1 for _ in result)  # type: ignore[union-attr]  # SELECT queries only
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dpv-almi-bench"))
    args = parser.parse_args()
    catalogue = load_catalogue()
    queries = {
        f"named {name}": bind(catalogue[name], {})
        for name in ("third-country-transfers", "activities-without-legal-basis", "retention-by-activity")
    }
    rest = load_catalogue(REST_QUERIES_DIR)
    queries["REST activities (GRAPH in a FILTER)"] = bind(rest["activities"], {})
    queries["GRAPH: activities of one policy"] = (
        "SELECT ?a ?l { GRAPH <https://w3id.org/dpv-almi/graph/org-00007> { ?a a dpv:Process } "
        "OPTIONAL { ?a skos:prefLabel ?l } }"
    )
    queries["GRAPH: triples per graph"] = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    queries.update(ANALYST)
    for size in args.sizes:
        trig = args.cache / f"synthetic-{size}.trig"
        if not trig.exists():
            args.cache.mkdir(parents=True, exist_ok=True)
            write_policies(size, trig)
        files = [*resources.default_data_files(), trig]
        union_store, union_load, _, _ = build(files, merged=False)
        merged_store, merged_load, merge, data = build(files, merged=True)
        assert data is not None and data.default_only is not None
        print(f"\n## N = {size:,} policies\n")
        print(f"load: union {union_load:.2f} s; merged {merged_load:.2f} s + merge and copy {merge:.2f} s")
        print(
            f"quads stored: union {len(union_store):,}; merged {len(merged_store):,} "
            f"+ default-graph copy {len(data.default_only):,}\n"
        )
        print("| query | union ms | merged ms | merged/union | rows union | rows merged |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, text in queries.items():
            times: dict[bool, list[float]] = {True: [], False: []}
            rows: dict[bool, int] = {}
            run(union_store, text, True), run(data, text, False)  # warm
            for _ in range(args.repeat):
                for union, store in ((True, union_store), (False, data)):
                    seconds, rows[union] = run(store, text, union)
                    times[union].append(seconds)
            u, m = statistics.median(times[True]) * 1000, statistics.median(times[False]) * 1000
            print(f"| {label} | {u:.1f} | {m:.1f} | {m / u:.2f} | {rows[True]:,} | {rows[False]:,} |")
        del union_store, merged_store, data


if __name__ == "__main__":
    main()
