"""Side-by-side timings of the third-country question: /sparql vs /v1/transfers vs the named query
vs direct pyoxigraph vs rdflib, in one run (not a test).

    .venv/bin/python bench/service_bench.py [--rounds 200]

Starts ``dpv-almi serve`` (uvicorn) on a free 127.0.0.1 port and prints the median of each path
in milliseconds and its ratio to direct pyoxigraph.  HTTP timings include the client, the
network stack, the worker hop and JSON serialisation.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from dpv_almi import loading, resources
from dpv_almi.queries import load_catalogue
from dpv_almi.store import DataStore, QueryJob


def median_ms(function: Callable[[], object], rounds: int) -> float:
    for _ in range(min(10, rounds)):
        function()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    query = load_catalogue()["third-country-transfers"].text

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "dpv_almi.cli", "serve", "--port", str(port), "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        http = httpx.Client(base_url=base)
        no_cache = {"cache-control": "no-cache"}
        store = DataStore(resources.default_data_files())
        graph = loading.load_graph(resources.default_data_files())
        job = QueryJob(query)
        results = {
            "direct pyoxigraph (query + JSON)": lambda: store.execute(job),
            "rdflib (query + JSON)": lambda: graph.query(query).serialize(format="json"),
            "GET /sparql": lambda: http.get("/sparql", params={"query": query}, headers=no_cache).raise_for_status(),
            "GET /v1/transfers": lambda: http.get("/v1/transfers", headers=no_cache).raise_for_status(),
            "GET /v1/queries/third-country-transfers": lambda: http.get(
                "/v1/queries/third-country-transfers", headers=no_cache).raise_for_status(),
        }
        medians = {name: median_ms(function, args.rounds) for name, function in results.items()}
        medians["GET /v1/transfers (304, If-None-Match)"] = median_ms(
            lambda: http.get("/v1/transfers", headers={"if-none-match": etag}), args.rounds
        ) if (etag := http.get("/v1/transfers").headers["etag"]) else 0.0
    finally:
        server.terminate()
        server.wait(10)
    reference = medians["direct pyoxigraph (query + JSON)"]
    print(f"third-country-transfers, {args.rounds} rounds, medians")
    print(f"{'path':45} {'ms':>9} {'× pyoxigraph':>13}")
    for name, value in medians.items():
        print(f"{name:45} {value:9.3f} {value / reference:13.1f}")


if __name__ == "__main__":
    main()
