"""Many policies into remote stores through the service's own loader; prints figures (not a test).

    .venv/bin/python bench/remote_load_bench.py --policies 1000 \\
        'sparql+http://127.0.0.1:7878/query' 'sparql+http://dba:dba@127.0.0.1:8890/sparql?engine=virtuoso'

For each store spec (servers already running, e.g. ``oxigraph serve`` and ``virtuoso-t`` as
tests/web/conftest.py starts them): load N synthetic policies plus the Almi notice with
:meth:`dpv_almi.store.backends.RemoteBackend.load_files` (one Graph Store Protocol ``PUT`` per graph,
then the registry) and time it; then start ``dpv-almi serve`` on the store and time
``/v1/transfers`` and the third-country question at ``/sparql`` (median of --repeat), with their
row counts, side by side.  The stores should be empty at the start.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support: the helper that starts a real service

from dpv_almi import resources
from dpv_almi.model import synthetic
from dpv_almi.store.backends import RemoteBackend
from tests.support.local_service import running_service

QUERY = (resources.ontology_dir() / "queries" / "third-country-transfers.rq").read_text()


def _median_ms(call, repeat: int) -> tuple[float, httpx.Response]:
    times, response = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
    assert response is not None
    return statistics.median(times), response


def measure(spec: str, files: list[Path], folder: Path, repeat: int) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    backend = RemoteBackend(spec, folder / "versions")
    backend.load_files(files)
    load_s = time.perf_counter() - start
    triples = len(backend.info())
    print(f"  {spec.split('@')[-1]}: loaded {triples} triples in {load_s:.1f} s", flush=True)
    with running_service(folder, env={"DPV_ALMI_STORE": spec, "DPV_ALMI_QUERY_TIMEOUT": "120"}, wait=120) as service:  # noqa: SIM117 - nested on purpose
        with httpx.Client(base_url=service.url, timeout=120) as client:
            transfers_ms, transfers = _median_ms(lambda: client.get("/v1/transfers", params={"limit": 1000}), repeat)
            sparql_ms, sparql = _median_ms(
                lambda: client.post(
                    "/sparql", data={"query": QUERY}, headers={"accept": "application/sparql-results+json"}
                ),
                repeat,
            )
    return {
        "spec": spec.split("@")[-1],
        "load_s": load_s,
        "triples": triples,
        "transfers": (
            transfers.status_code,
            transfers.json().get("count", len(transfers.json().get("items", [])))
            if transfers.status_code == 200
            else transfers.text[:200],
        ),
        "transfers_ms": transfers_ms,
        "sparql": (
            sparql.status_code,
            len(sparql.json()["results"]["bindings"]) if sparql.status_code == 200 else sparql.text[:200],
        ),
        "sparql_ms": sparql_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stores", nargs="+", help="sparql+http://… store specs (empty stores)")
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dpv-almi-remote-bench-") as tmp:
        folder = Path(tmp)
        trig = folder / "policies.trig"
        synthetic.write_policies(args.policies, trig)
        files = [*resources.default_data_files(), trig]
        print(f"{args.policies} synthetic policies + the Almi notice")
        print(f"{'store':60} {'load s':>8} {'triples':>9} {'/v1/transfers':>22} {'ms':>8} {'/sparql':>14} {'ms':>8}")
        for number, spec in enumerate(args.stores):
            result = measure(spec, files, folder / f"store-{number}", args.repeat)
            print(
                f"{result['spec']:60} {result['load_s']:8.1f} {result['triples']:9} {result['transfers']!s:>22} "
                f"{result['transfers_ms']:8.1f} {result['sparql']!s:>14} {result['sparql_ms']:8.1f}"
            )


if __name__ == "__main__":
    main()
