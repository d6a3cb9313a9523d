"""Validation benchmark: prints figures, asserts nothing (run: .venv/bin/python bench/validate_bench.py).

1. CLI wall time of ``dpv-almi validate ontology/`` (a fresh process, as CI runs it), per engine.
2. The library on the synthetic dataset (``dpv_almi.model.synthetic.generate``; 1,000 organisations by
   default, ~300k triples), with pyshacl-turbo, pyrudof and pyshacl side by side.
   pyshacl runs the Core shapes on the full set, and all shapes on a slice (its SHACL-SPARQL
   re-parses each query per focus node); ``--pyshacl-full`` runs it on everything.

Targets (issue 3): Almi under 2 s wall; 1,000 organisations under 10 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median wall time over *repeat* runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cli_wall_time(engine: str, repeat: int) -> float:
    script = shutil.which("dpv-almi", path=str(Path(sys.executable).parent)) or "dpv-almi"
    command = [script, "validate", "ontology/", "--engine", engine, "--format", "json"]
    seconds, _ = timed(lambda: subprocess.run(command, cwd=REPO, capture_output=True, check=False), repeat)
    return seconds


def rudof_validate(data, shapes) -> int:  # type: ignore[no-untyped-def]
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(data.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes.serialize(format="turtle"))
    return len(rudof.validate_shacl().violations)


def turbo_phases(data, repeat: int) -> str:  # type: ignore[no-untyped-def]
    """Where the turbo figure goes: engine input, engine (load, validate, report graph), reading."""
    import pyshacl_turbo
    from rdflib import Graph

    from dpv_almi.namespaces import bind_prefixes
    from dpv_almi.validation.core import _ReportReader, _turbo_input, data_graphs, load_shapes

    shapes, _ = load_shapes()
    graphs, _ = data_graphs(data)
    prepare, source = timed(lambda: _turbo_input(graphs), repeat)
    run = lambda: pyshacl_turbo.validate(source, shacl_graph=shapes, inference="none", allow_warnings=True)[1]  # noqa: E731
    engine, report = timed(run, repeat)
    read, _ = timed(
        lambda: _ReportReader(report, shapes, bind_prefixes(Graph()), "en", lambda _: None).results(), repeat
    )
    return f"input {prepare:.2f} s, engine {engine:.2f} s, report reading {read:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--slice", type=int, default=20, help="organisations for pyshacl with all shapes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pyshacl-full", action="store_true", help="also run pyshacl with all shapes on the full set")
    args = parser.parse_args()

    from dpv_almi.model.synthetic import generate
    from dpv_almi.validation.core import ENGINES, default_shapes_files, load_shapes, validate

    print(f"== CLI wall time, dpv-almi validate ontology/ (median of {args.repeat})")
    for engine in sorted(ENGINES):
        print(f"  {engine:8s} {cli_wall_time(engine, args.repeat):7.2f} s   (target < 2 s)")

    seconds, data = timed(lambda: generate(args.organisations, seed=0))
    print(
        f"\n== Library on {args.organisations} synthetic organisations: {len(data):,} triples (generated in {seconds:.1f} s)"
    )
    all_shapes = default_shapes_files()
    core = [p for p in all_shapes if p.name != "vocabulary.ttl"]

    def library(engine: str, shapes: list[Path], graph=data) -> str:  # type: ignore[no-untyped-def]
        seconds, report = timed(lambda: validate(graph, shapes, engine=engine))
        counts = "/".join(str(report.count(s)) for s in sorted(set(r.severity for r in report.results), reverse=True))  # type: ignore[union-attr]
        return f"{seconds:7.2f} s  {len(report.results):>7,} results (by severity {counts or '-'})"  # type: ignore[union-attr]

    print(f"  turbo    all shapes   {library('turbo', all_shapes)}   (target < 10 s)")
    print(f"           of which     {turbo_phases(data, args.repeat)}")
    try:
        from dpv_almi.validation.core import build_data_graph

        merged, _ = build_data_graph(data)
        seconds, count = timed(lambda: rudof_validate(merged, load_shapes()[0]))
        print(f"  pyrudof  all shapes   {seconds:7.2f} s  {count:>7,} results (engine only, graph prepared)")
    except ImportError:
        print("  pyrudof  not installed")
    print(f"  pyshacl  core shapes  {library('pyshacl', core)}")
    if args.pyshacl_full:
        print(f"  pyshacl  all shapes   {library('pyshacl', all_shapes)}")
    sliced = generate(args.slice, seed=0)
    print(f"\n== All shapes on {args.slice} organisations ({len(sliced):,} triples)")
    for engine in ("turbo", "pyshacl"):
        print(f"  {engine:8s} {library(engine, all_shapes, sliced)}")


if __name__ == "__main__":
    main()
