"""REST and SPARQL latency under load, result cache off and on (and optionally a baseline build),
side by side in one run, measured with ``wrk`` (C, so the load generator costs little CPU).

    .venv/bin/python bench/service_bench.py [--duration 10] [--baseline DIR]

Starts one ``dpv-almi serve`` (uvicorn, default Almi data, two query workers) per configuration,
all at once, then measures each URL at each concurrency on every configuration in turn, so slow
drift (other work on the machine) hits them alike.  Prints wrk's p50/p90/p99 latency and
requests per second, and the ratio of each p99 to the cache-off p99.

* ``cache off`` -- ``DPV_ALMI_RESULT_CACHE=0`` and no answer replay: every request runs its query in a worker;
* ``result cache`` -- the result cache alone (a repeat still takes the whole request path);
* ``cache on`` -- the defaults: the result cache and the answer replay in front (``web/replay.py``);
* ``baseline`` -- with ``--baseline DIR``: another source tree's ``service/`` (for example
  ``git archive HEAD service ontology | tar -x -C DIR``), cache setting untouched;
* ``oxigraph`` -- ``oxigraph serve`` on the same files (union default graph), asked the same SPARQL
  question at ``/query``: what a SPARQL server with no Python in the request path answers (the
  ``/sparql`` rows only; ``x oxigraph`` is each row's throughput over Oxigraph's).

Not a test: figures depend on the machine; read them side by side.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support: the helper that starts a real service

from wrk_runner import Figures, run_wrk

from dpv_almi.sparql.catalogue import load_catalogue
from tests.support.local_service import free_port, running_service, stop_process


@contextmanager
def oxigraph_server() -> Iterator[str]:
    """``oxigraph serve`` in memory with the service's data files, each in its graph (union default graph)."""
    import httpx

    from dpv_almi import resources
    from dpv_almi.store.dataset import graph_for

    program = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [program, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(timeout=60) as client:
            for _ in range(200):
                try:
                    client.get(f"{url}/query", params={"query": "ASK {}"})
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            for path in resources.default_data_files():
                response = client.put(
                    f"{url}/store",
                    params={"graph": graph_for(path).value},
                    content=path.read_bytes(),
                    headers={"Content-Type": "text/turtle"},
                )
                response.raise_for_status()
        yield url
    finally:
        stop_process(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--baseline", type=Path, help="a source tree whose service/ is measured as 'baseline'")
    parser.add_argument("--no-oxigraph", action="store_true", help="leave out the oxigraph serve column")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package wrk)")
    query = load_catalogue()["third-country-transfers"].text
    paths = {"/v1/transfers": "/v1/transfers", "/sparql third-country": "/sparql?" + urlencode({"query": query})}
    configs: dict[str, dict[str, str | None]] = {}
    if args.baseline:
        configs["baseline"] = {"PYTHONPATH": str(args.baseline.resolve() / "service")}
    configs["cache off"] = {"DPV_ALMI_RESULT_CACHE": "0", "DPV_ALMI_ANSWER_REPLAY_BYTES": "0"}
    configs["result cache"] = {"DPV_ALMI_RESULT_CACHE": None, "DPV_ALMI_ANSWER_REPLAY_BYTES": "0"}
    configs["cache on"] = {"DPV_ALMI_RESULT_CACHE": None, "DPV_ALMI_ANSWER_REPLAY_BYTES": None}
    common = {"DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None, "DPV_ALMI_DATA": None}

    results: dict[tuple[str, int, str], Figures] = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        urls = {}
        for name, env in configs.items():
            log_dir = Path(folder) / name.replace(" ", "-")
            log_dir.mkdir()
            cwd = os.getcwd()
            os.chdir(folder)  # so a baseline's PYTHONPATH is not shadowed by this checkout
            try:
                service = stack.enter_context(running_service(log_dir, (), env={**common, **env}, wait=120))
            finally:
                os.chdir(cwd)
            urls[name] = service.url
        targets = {(label, name): base + path for label, path in paths.items() for name, base in urls.items()}
        if not args.no_oxigraph:
            oxigraph = stack.enter_context(oxigraph_server())
            targets[("/sparql third-country", "oxigraph")] = f"{oxigraph}/query?" + urlencode({"query": query})
        for label in paths:
            for connections in args.connections:
                for (row, name), url in targets.items():
                    if row != label:
                        continue
                    run_wrk(url, connections, min(2, args.duration))  # warm up
                    results[(label, connections, name)] = run_wrk(url, connections, args.duration)

    print(f"wrk, {args.duration:g} s per run, default Almi data, 2 query workers, {os.cpu_count()} CPUs")
    print(
        f"{'path':24} {'conn':>4} {'config':10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'req/s':>8} "
        f"{'p99/off':>8} {'non-2xx':>7} {'x oxigraph':>10}"
    )
    for (label, connections, name), figures in results.items():
        off = results[(label, connections, "cache off")].p99
        server = results.get((label, connections, "oxigraph"))
        versus = f"{figures.rps / server.rps:10.2f}" if server else f"{'':10}"
        print(
            f"{label:24} {connections:4d} {name:10} {figures.p50:8.2f} {figures.p90:8.2f} {figures.p99:8.2f} "
            f"{figures.rps:8.0f} {figures.p99 / off:8.2f} {figures.errors:7d} {versus}"
        )


if __name__ == "__main__":
    main()
