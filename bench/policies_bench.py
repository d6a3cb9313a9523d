"""Many policies: load time and peak memory per backend, latency and throughput of the third-country
question beside Oxigraph server and rdflib-endpoint on the same data, and SHACL validation time.
Prints Markdown tables (figures, not a test).

    .venv/bin/python bench/policies_bench.py [--sizes 1 100 1000] [--full] [--seconds 5]

Needs: ``pip install -e '.[bench]'`` (rdflib-endpoint, the rdflib anchor) and ``apt-get install wrk``
(the load generator; without it a Python httpx generator measures, and the table says which did --
it spends ~0.8 ms of CPU per request itself, on the same cores as the servers).

For each N (synthetic organisations, one TriG file, plus the Almi notice):

* **load** -- ``dpv-almi serve`` from start to ``/readyz`` 200, and the peak memory of its whole
  process tree while starting (RSS summed, and PSS: shared pages counted once; see
  ``bench/proctree.py``): the memory store, the on-disk store loaded fresh (``--store``), and the
  on-disk store restarted; the same for rdflib-endpoint (time to its first answer).
* **throughput** -- wrk, GET with the query URL-encoded, ``--seconds`` per cell, at concurrency
  1 and 16: our ``/sparql`` and ``/v1/transfers`` with the result cache off (``DPV_ALMI_RESULT_CACHE=0``,
  the fair comparison: Oxigraph server caches nothing) and on, Oxigraph server (in memory,
  ``--union-default-graph``, the same files) and rdflib-endpoint.  Our row cap is raised above the
  answer so every server sends the same rows.
* **CPU per answer** -- at c16, the CPU time the server's process (and, for ours, its query workers)
  spent per answer, from ``/proc`` around the cell (``bench/proctree.py``): with every core busy,
  it is what decides throughput, and it varies far less from run to run than a rate.
* **SHACL** -- ``dpv-almi validate`` on the same files, up to ``--shacl-max``.

Ratios quoted: our ``/sparql`` (cache off) throughput at c16 over Oxigraph server's (target >= 0.5)
and over rdflib-endpoint's (target >= 10).  The machine is shared: read ratios measured side by
side, not absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support: the helper that starts a real service

from proctree import PeakSampler, tree_cpu
from wrk_runner import Figures, run_wrk

from dpv_almi import resources, synthetic
from tests.support.local_service import free_port, stop_process

QUERY = (resources.ontology_dir() / "queries" / "third-country-transfers.rq").read_text()
JSON = "application/sparql-results+json"


# --- starting servers -----------------------------------------------------------


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    url: str
    seconds: float
    peak_rss: float
    peak_pss: float


def start(
    command: list[str],
    ready: Callable[[], bool],
    env: dict[str, str] | None = None,
    log: Path | None = None,
    timeout: float = 1800,
) -> Started:
    """Run *command* until *ready* answers True, sampling the tree's peak memory meanwhile."""
    out = log.open("wb") if log else subprocess.DEVNULL
    begin = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    with PeakSampler(process.pid) as sampler:
        while not ready():
            if process.poll() is not None or time.perf_counter() - begin > timeout:
                stop_process(process)
                raise RuntimeError(f"{command[:4]} did not come up" + (f":\n{log.read_text()[-2000:]}" if log else ""))
            time.sleep(0.05)
        seconds = time.perf_counter() - begin
        time.sleep(0.3)  # the peak may come just after readiness (the workers' first query)
    return Started(process, "", seconds, sampler.peak_rss, sampler.peak_pss)


def answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def start_ours(files: list[Path], folder: Path, extra_env: dict[str, str], args: list[str] = ()) -> Started:  # type: ignore[assignment]
    port = free_port()
    env = {
        **os.environ,
        "DPV_ALMI_WORKERS": "2",
        "DPV_ALMI_LOG_LEVEL": "warning",
        "DPV_ALMI_CACHE_MAX_AGE": "0",
        "DPV_ALMI_MAX_ROWS": "1000000",
        "DPV_ALMI_QUERY_TIMEOUT": "60",
        "DPV_ALMI_DATA": os.pathsep.join(map(str, files)),
        **extra_env,
    }
    started = start(
        [sys.executable, "-m", "dpv_almi.cli.main", "serve", "--port", str(port), *args],
        answers(f"http://127.0.0.1:{port}/readyz"),
        env,
        folder / f"serve-{port}.log",
    )
    started.url = f"http://127.0.0.1:{port}"
    return started


def start_oxigraph(files: list[Path]) -> tuple[Started, float]:
    """Oxigraph server in memory; (server, seconds to load the files over its Graph Store Protocol)."""
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = start(
        [oxigraph, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        answers(f"{url}/query?query=ASK%7B%7D"),
    )
    started.url = url
    from dpv_almi.store.dataset import graph_for

    begin = time.perf_counter()
    with PeakSampler(started.process.pid) as sampler, httpx.Client(timeout=1800) as client:
        for path in files:
            with path.open("rb") as body:
                if path.suffix == ".trig":
                    response = client.post(f"{url}/store", content=body, headers={"Content-Type": "application/trig"})
                else:
                    response = client.put(
                        f"{url}/store",
                        params={"graph": graph_for(path).value},
                        content=body,
                        headers={"Content-Type": "text/turtle"},
                    )
            response.raise_for_status()
    started.peak_rss, started.peak_pss = (
        max(started.peak_rss, sampler.peak_rss),
        max(started.peak_pss, sampler.peak_pss),
    )
    return started, time.perf_counter() - begin


RDFLIB_ENDPOINT = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
from dpv_almi.store.dataset import graph_for
from pathlib import Path
data = Dataset(default_union=True)
for path in map(Path, sys.argv[2:]):
    if path.suffix == ".trig":
        data.parse(path, format="trig")
    else:
        data.graph(graph_for(path).value).parse(path, format="turtle")
uvicorn.run(SparqlEndpoint(graph=data), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
"""rdflib-endpoint (PyPI ``rdflib-endpoint``) on the same files and graphs: the rdflib anchor."""


RDFLIB_SEEN: dict[str, float] = {}
"""rdflib-endpoint's load at the largest N measured: the reason it is not measured above --rdflib-max."""


def start_rdflib_endpoint(files: list[Path]) -> Started:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = start(
        [sys.executable, "-c", RDFLIB_ENDPOINT, str(port), *map(str, files)], answers(url + "?query=ASK%7B%7D")
    )
    started.url = url.rstrip("/")
    return started


# --- load generators ------------------------------------------------------------


def run_python(url: str, concurrency: int, seconds: float) -> Figures:
    """The fallback: httpx, *concurrency* clients for *seconds*."""

    async def go() -> Figures:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

            async def one() -> None:
                nonlocal errors
                while time.perf_counter() < deadline:
                    begin = time.perf_counter()
                    response = await client.get(url, headers={"Accept": JSON})
                    latencies.append(time.perf_counter() - begin)
                    errors += response.status_code != 200

            begin = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(concurrency)))
            elapsed = time.perf_counter() - begin
        latencies.sort()
        return Figures(
            statistics.median(latencies) * 1000,
            latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
            len(latencies) / elapsed,
            errors,
        )

    return asyncio.run(go())


# --- the benchmark ------------------------------------------------------------------


def shacl_seconds(files: list[Path]) -> float:
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dpv_almi.cli.main", "validate", "--format", "json", *map(str, files)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - begin


def query_url(base: str) -> str:
    return f"{base}?query={urllib.parse.quote(QUERY)}"


def bench_size(
    n: int,
    args: argparse.Namespace,
    generator: Callable[[str, int, float], Figures],
    load_rows: list[list[str]],
    traffic_rows: list[list[str]],
    ratio_rows: list[list[str]],
) -> None:
    with tempfile.TemporaryDirectory(prefix=f"dpv-almi-bench-{n}-") as tmp:
        folder = Path(tmp)
        trig = folder / "policies.trig"
        triples = synthetic.write_policies(n, trig)
        files = [*resources.default_data_files(), trig]
        print(f"N = {n}: {triples} synthetic triples", file=sys.stderr)

        def load_row(what: str, started: Started | None, note: str = "") -> None:
            if started is None:
                load_rows.append([f"{n:,}", what, "not measured", "", "", note])
            else:
                load_rows.append(
                    [
                        f"{n:,}",
                        what,
                        f"{started.seconds:.1f}",
                        f"{started.peak_rss:.0f}",
                        f"{started.peak_pss:.0f}",
                        note,
                    ]
                )

        # the on-disk store: loaded fresh, then restarted (and stopped: its throughput is not compared)
        disk = start_ours(files, folder, {"DPV_ALMI_RESULT_CACHE": "0"}, ["--store", str(folder / "disk")])
        stop_process(disk.process)
        load_row("dpv-almi, on disk, first start (bulk load)", disk)
        restarted = start_ours([], folder, {"DPV_ALMI_RESULT_CACHE": "0"}, ["--store", str(folder / "disk")])
        stop_process(restarted.process)
        load_row("dpv-almi, on disk, restart", restarted)
        shutil.rmtree(folder / "disk")

        servers: dict[str, tuple[Started, str]] = {}
        try:
            cold = start_ours(files, folder, {"DPV_ALMI_RESULT_CACHE": "0"})
            load_row("dpv-almi, in memory", cold, "result cache off")
            servers["dpv-almi /sparql, cache off"] = (cold, query_url(cold.url + "/sparql"))
            servers["dpv-almi /v1/transfers, cache off"] = (cold, cold.url + "/v1/transfers")
            warm = start_ours(files, folder, {})
            servers["dpv-almi /sparql, cache on"] = (warm, query_url(warm.url + "/sparql"))
            servers["dpv-almi /v1/transfers, cache on"] = (warm, warm.url + "/v1/transfers")
            oxigraph, oxigraph_load = start_oxigraph(files)
            load_row(
                "Oxigraph server, in memory",
                oxigraph,
                f"ready s: start {oxigraph.seconds:.1f} s; then GSP upload of the files {oxigraph_load:.1f} s",
            )
            servers["Oxigraph server /query"] = (oxigraph, query_url(oxigraph.url + "/query"))
            if n <= args.rdflib_max:
                anchor = start_rdflib_endpoint(files)
                load_row("rdflib-endpoint", anchor, "time to its first answer")
                RDFLIB_SEEN.update(n=n, seconds=anchor.seconds, mib=anchor.peak_rss)
                servers["rdflib-endpoint /"] = (anchor, query_url(anchor.url + "/"))
            else:
                seen = (
                    f"; at N = {RDFLIB_SEEN['n']:,} it took {RDFLIB_SEEN['seconds']:.0f} s and {RDFLIB_SEEN['mib']:.0f} MiB "
                    "to load, and grows with N"
                    if RDFLIB_SEEN
                    else ""
                )
                load_row(
                    "rdflib-endpoint", None, f"above --rdflib-max {args.rdflib_max}: its load time and memory{seen}"
                )
            if n <= args.shacl_max:
                load_rows.append(
                    [
                        f"{n:,}",
                        "SHACL validation (`dpv-almi validate`)",
                        f"{shacl_seconds(files):.1f}",
                        "",
                        "",
                        "wall time of the command",
                    ]
                )
            else:
                load_rows.append(
                    [
                        f"{n:,}",
                        "SHACL validation (`dpv-almi validate`)",
                        "not measured",
                        "",
                        "",
                        f"above --shacl-max {args.shacl_max}",
                    ]
                )

            rps: dict[tuple[str, int], float] = {}
            for name, (server, url) in servers.items():
                cells = [f"{n:,}", name]
                for concurrency in (1, 16):
                    seconds = args.rdflib_seconds if name.startswith("rdflib") else args.seconds
                    if not name.startswith("rdflib"):  # (one rdflib query can outlast a warm-up)
                        generator(url, concurrency, 1)  # warm-up (a cache-on service fills its cache here)
                    before = tree_cpu(server.process.pid)
                    begin = time.perf_counter()
                    figures = generator(url, concurrency, seconds)
                    answered = figures.rps * (time.perf_counter() - begin)
                    after = tree_cpu(server.process.pid)
                    rps[name, concurrency] = figures.rps
                    latency = (
                        f"{figures.p50:.1f} / {figures.p99:.1f}" if figures.rps else f"none finished in {seconds:g} s"
                    )
                    cells += [latency, f"{figures.rps:.1f}", str(figures.errors)]
                cells.append(cpu_per_answer(server.process.pid, before, after, answered))
                traffic_rows.append(cells)

            def ratio(ours: str, other: str, digits: int) -> str:
                if (other, 16) not in rps:
                    return "not measured"
                seconds = args.rdflib_seconds if other.startswith("rdflib") else args.seconds
                if rps[other, 16] == 0:  # not one answer within the cell: a lower bound
                    return f"> {rps[ours, 16] * seconds:.0f} ({other} answered none in {seconds:g} s)"
                return f"{rps[ours, 16] / rps[other, 16]:.{digits}f}"

            cold_name, warm_name = "dpv-almi /sparql, cache off", "dpv-almi /sparql, cache on"
            ratio_rows.append(
                [
                    f"{n:,}",
                    ratio(cold_name, "Oxigraph server /query", 2),
                    ratio(cold_name, "rdflib-endpoint /", 1),
                    ratio(warm_name, "Oxigraph server /query", 2),
                ]
            )
        finally:
            for server, _url in {id(s): (s, u) for s, u in servers.values()}.values():
                stop_process(server.process)


def cpu_per_answer(pid: int, before: dict[int, float], after: dict[int, float], answered: float) -> str:
    """CPU µs one answer cost the server's process and its children (query workers), from /proc
    readings around a cell: what bounds throughput on a machine whose cores are all busy."""
    if answered < 1:
        return ""
    spent = {p: after[p] - before.get(p, 0.0) for p in after}
    own = spent.pop(pid, 0.0) * 1e6 / answered
    children = sum(spent.values()) * 1e6 / answered
    return f"{own:.0f}" + (f" + {children:.0f}" if after.keys() - {pid} else "")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--full", action="store_true", help="add N = 10,000 (long: tens of minutes)")
    parser.add_argument("--seconds", type=float, default=5, help="duration of each throughput cell")
    parser.add_argument("--rdflib-max", type=int, default=1000, help="largest N for rdflib-endpoint (slow to load)")
    parser.add_argument("--rdflib-seconds", type=float, default=30, help="duration of rdflib-endpoint's cells")
    parser.add_argument("--shacl-max", type=int, default=1000, help="largest N to validate with SHACL")
    parser.add_argument("--python-generator", action="store_true", help="use the httpx generator even if wrk is there")
    args = parser.parse_args()
    wrk = shutil.which("wrk") and not args.python_generator
    generator = (lambda url, c, s: run_wrk(url, c, s, {"Accept": JSON})) if wrk else run_python
    sizes = args.sizes + ([10_000] if args.full and 10_000 not in args.sizes else [])
    load_rows: list[list[str]] = []
    traffic_rows: list[list[str]] = []
    ratio_rows: list[list[str]] = []
    for n in sizes:
        bench_size(n, args, generator, load_rows, traffic_rows, ratio_rows)
        print(f"done N = {n}: {load_rows[-8:]}\n{traffic_rows[-6:]}\n{ratio_rows[-1:]}", file=sys.stderr, flush=True)
    print(
        f"\nLoad generator: {'wrk (GET, query URL-encoded)' if wrk else 'Python httpx (wrk not found)'}; "
        f"{args.seconds:g} s per cell after a 1 s warm-up (rdflib-endpoint: {args.rdflib_seconds:g} s, no warm-up); "
        f"{os.cpu_count()} CPUs, shared with other work.\n"
    )
    print(table(["N", "what", "ready s", "peak RSS MiB", "peak PSS MiB", "note"], load_rows))
    print()
    print(
        table(
            [
                "N",
                "target",
                "c1 p50 / p99 ms",
                "c1 req/s",
                "c1 errors",
                "c16 p50 / p99 ms",
                "c16 req/s",
                "c16 errors",
                "c16 CPU µs per answer: server + its workers",
            ],
            traffic_rows,
        )
    )
    print()
    print(
        table(
            [
                "N",
                "ours /sparql (cache off) ÷ Oxigraph server, c16 (target ≥ 0.5)",
                "ours /sparql (cache off) ÷ rdflib-endpoint, c16 (target ≥ 10)",
                "ours /sparql (cache on) ÷ Oxigraph server, c16",
            ],
            ratio_rows,
        )
    )


if __name__ == "__main__":
    main()
