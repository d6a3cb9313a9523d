"""Many policies: load time, peak memory, latency and throughput of the third-country question,
beside Oxigraph server on the same data, and SHACL validation time; prints one table (not a test).

    .venv/bin/python bench/policies_bench.py [--sizes 1 100 1000] [--full] [--requests 300]

For each N (synthetic organisations + the Almi notice): load time and peak RSS of a fresh process
building the in-memory store; ``dpv-almi serve`` (2 workers) and ``oxigraph serve`` on the same
data; p50/p99 latency and throughput at concurrency 1 and 16 through ``/sparql`` and
``/v1/transfers`` and Oxigraph's ``/query``; the ratio of our SPARQL throughput to Oxigraph's.
``--full`` adds N = 10,000.  Medians only; these machines are noisy.  rdflib-endpoint is
measured where it is installed, else reported as missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from dpv_almi import resources, synthetic

QUERY = (resources.ontology_dir() / "queries" / "third-country-transfers.rq").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def load_stats(files: list[Path]) -> tuple[float, float]:
    """(seconds, peak MiB) of building the in-memory store in a fresh process."""
    code = ("import sys,time,resource;from dpv_almi.backends import MemoryBackend;t=time.perf_counter();"
            "MemoryBackend([__import__('pathlib').Path(p) for p in sys.argv[1:]]);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", code, *map(str, files)], capture_output=True, text=True, check=True)
    seconds, mib = out.stdout.split()
    return float(seconds), float(mib)


async def hammer(request: httpx.Request, concurrency: int, total: int) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, requests/s) of *total* requests, *concurrency* at a time."""
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        remaining = total

        async def one_worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                response = await client.send(request)
                latencies.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text[:200]

        begin = time.perf_counter()
        await asyncio.gather(*(one_worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - begin
    latencies.sort()
    return (statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99) - 1] * 1000,
            len(latencies) / elapsed)


RDFLIB_ENDPOINT = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
graph = Dataset(default_union=True)
for path in sys.argv[2:]:
    graph.parse(path, format="trig" if path.endswith(".trig") else "turtle")
uvicorn.run(SparqlEndpoint(graph=graph), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
"""rdflib-endpoint (PyPI ``rdflib-endpoint``) on the same files: the rdflib anchor."""


def start_rdflib_endpoint(files: list[Path], port: int) -> subprocess.Popen[bytes] | None:
    try:
        import rdflib_endpoint as _  # noqa: F401
    except ImportError:
        return None
    return subprocess.Popen([sys.executable, "-c", RDFLIB_ENDPOINT, str(port), *map(str, files)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def generator_cost(concurrency: int, total: int) -> float:
    """CPU seconds per request the load generator itself spends (against a trivial local server)."""
    import http.server
    import threading

    class Quiet(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request = httpx.Request("GET", f"http://127.0.0.1:{server.server_address[1]}/")
    before = time.thread_time()
    asyncio.run(hammer(request, concurrency, total))
    spent = time.thread_time() - before
    server.shutdown()
    return spent / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--full", action="store_true", help="add N = 10,000")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rdflib-max", type=int, default=1000, help="largest N for rdflib-endpoint (slow to load)")
    args = parser.parse_args()
    print(f"load generator's own CPU: {generator_cost(16, 2000) * 1000:.2f} ms per request at c16")
    sizes = args.sizes + ([10_000] if args.full else [])
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            trig = Path(folder) / "policies.trig"
            synthetic.write_policies(n, trig)
            files = [*resources.default_data_files(), trig]
            load_s, peak = load_stats(files)
            row: dict[str, object] = {"N": n, "load s": round(load_s, 2), "peak MiB": round(peak)}
            if n <= 100:
                from dpv_almi.validation import validate

                start = time.perf_counter()
                validate([*resources.default_data_files()[:0], trig])
                row["shacl s"] = round(time.perf_counter() - start, 2)
            port, oport = free_port(), free_port()
            env = {**os.environ, "DPV_ALMI_WORKERS": "2", "DPV_ALMI_LOG_LEVEL": "warning",
                   "DPV_ALMI_DATA": os.pathsep.join(map(str, files)), "DPV_ALMI_CACHE_MAX_AGE": "0"}
            ours = subprocess.Popen([sys.executable, "-m", "dpv_almi.cli", "serve", "--port", str(port)],
                                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            theirs = subprocess.Popen([oxigraph, "serve", "--bind", f"127.0.0.1:{oport}", "--union-default-graph"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rport = free_port()
            anchor = start_rdflib_endpoint(files, rport) if n <= args.rdflib_max else None
            try:
                wait(f"http://127.0.0.1:{port}/readyz", ours)
                wait(f"http://127.0.0.1:{oport}/query?query=ASK%7B%7D", theirs)
                from dpv_almi.backends import RemoteBackend

                RemoteBackend(f"sparql+http://127.0.0.1:{oport}/query").load_files(files)
                targets = {
                    "sparql": httpx.Request("POST", f"http://127.0.0.1:{port}/sparql", data={"query": QUERY}),
                    "rest": httpx.Request("GET", f"http://127.0.0.1:{port}/v1/transfers"),
                    "oxigraph": httpx.Request("POST", f"http://127.0.0.1:{oport}/query", data={"query": QUERY},
                                              headers={"Accept": "application/sparql-results+json"}),
                }
                if anchor is not None:
                    wait(f"http://127.0.0.1:{rport}/?query=ASK%7B%7D", anchor)
                    targets["rdflib-endpoint"] = httpx.Request(
                        "POST", f"http://127.0.0.1:{rport}/", data={"query": QUERY},
                        headers={"Accept": "application/sparql-results+json"})
                for name, request in targets.items():
                    for concurrency in (1, 16):
                        total = args.requests if name != "rdflib-endpoint" else max(32, args.requests // 10)
                        p50, p99, rps = asyncio.run(hammer(request, concurrency, total))
                        row[f"{name} c{concurrency} p50/p99 ms"] = f"{p50:.1f}/{p99:.1f}"
                        row[f"{name} c{concurrency} req/s"] = round(rps)
                row["sparql/oxigraph c16"] = round(row["sparql c16 req/s"] / row["oxigraph c16 req/s"], 2)  # type: ignore[operator]
                if anchor is not None:
                    row["sparql/rdflib-endpoint c16"] = round(
                        row["sparql c16 req/s"] / row["rdflib-endpoint c16 req/s"], 1)  # type: ignore[operator]
            finally:
                for process in (ours, theirs, *([anchor] if anchor else [])):
                    process.terminate()
                    process.wait(30)
            rows.append(row)
    try:
        import rdflib_endpoint  # noqa: F401
    except ImportError:
        print("rdflib-endpoint: not installed (pip install rdflib-endpoint), not measured")
    for row in rows:
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
