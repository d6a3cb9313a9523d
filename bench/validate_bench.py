"""Validation benchmark: prints figures, asserts nothing (run: .venv/bin/python bench/validate_bench.py).

Old and new side by side, measured in the same run on the same machine: the *baseline* is a git
revision (default ``ffc6dd3``, the last one before the whole DPV 2.3 vocabulary was known: it
merged a 900-triple concept extract instead), checked out in a temporary worktree and run with
this environment's Python; *this tree* is the checkout the script lives in.

1. CLI wall time on the Almi model (a fresh process, as CI runs it): ``dpv-almi validate``.
2. The library on N synthetic notices (``generate(N, seed=0)``; 1,000 by default, ~380k triples),
   pyshacl-turbo; then where this tree's time goes (vocabulary closure, engine input split into
   parts, engine, report reading, beside the engine on the whole graph at once) and what the DPV
   index costs to load.
``--others`` adds pyrudof and pyshacl on this tree (slow: pyshacl re-parses SHACL-SPARQL per node).

Targets (issue 15): Almi no slower than before (about 0.6 s); 1,000 notices under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "ffc6dd3"

# Runs inside a fresh interpreter for either tree (the package moved between them).
LIBRARY = """
import json, statistics, sys, time
try:
    from dpv_almi.model.synthetic import generate
except ImportError:
    from dpv_almi.synthetic import generate
from dpv_almi.validation import validate
n, repeat = int(sys.argv[1]), int(sys.argv[2])
data = generate(n, seed=0)
validate(generate(2, seed=1))  # warm: shapes parsed, index loaded
times = []
for _ in range(repeat):
    start = time.perf_counter()
    report = validate(data)
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": statistics.median(times), "triples": len(data), "results": len(report.results)}))
"""


def timed(action: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median wall time over *repeat* runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def env_for(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree / "service")}


def cli_wall_time(tree: Path, args: list[str], repeat: int) -> float:
    """``dpv-almi validate ARGS`` in a fresh interpreter importing *tree*'s package."""
    entry = (
        "import sys\ntry:\n    from dpv_almi.cli.main import main\nexcept ImportError:\n"
        "    from dpv_almi.cli import main\nsys.exit(main(sys.argv[1:]))"
    )
    command = [sys.executable, "-c", entry, "validate", *args, "--format", "json"]
    seconds, _ = timed(
        lambda: subprocess.run(command, cwd=tree, env=env_for(tree), capture_output=True, check=False), repeat
    )
    return seconds


def library(tree: Path, notices: int, repeat: int) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", LIBRARY, str(notices), str(repeat)],
        cwd=tree,
        env=env_for(tree),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def phases(notices: int, repeat: int) -> str:
    """Where this tree's time goes on the synthetic notices."""
    from rdflib import Graph

    from dpv_almi.model.synthetic import generate
    from dpv_almi.namespaces import bind_prefixes
    from dpv_almi.validation import turbo
    from dpv_almi.validation.core import (
        ADVANCED,
        _pruned,
        _ReportReader,
        _turbo_input,
        _turbo_parts,
        data_graphs,
        load_shapes,
    )

    data = generate(notices, seed=0)
    closure, graphs = timed(lambda: data_graphs(data), repeat)
    prune, shapes = timed(lambda: _pruned(load_shapes()[0], graphs), repeat)  # type: ignore[arg-type]  # as validate() does
    prepare, sources = timed(lambda: _turbo_parts(graphs.graphs, shapes), repeat)  # type: ignore[attr-defined]
    program = turbo.compiled(shapes, advanced=ADVANCED)  # type: ignore[arg-type]
    engine, reports = timed(
        lambda: [turbo.run(source, shapes, program, advanced=ADVANCED) for source in sources], repeat
    )  # type: ignore[arg-type, attr-defined]
    read, _ = timed(
        lambda: [
            _ReportReader(report, shapes, bind_prefixes(Graph()), "en", lambda _: None).results()
            for report in reports  # type: ignore[attr-defined]
        ],
        repeat,
    )
    whole, _ = timed(lambda: turbo.run(_turbo_input(graphs.graphs), shapes, program, advanced=ADVANCED), repeat)  # type: ignore[arg-type, attr-defined]
    return (
        f"vocabulary closure {closure:.2f} s ({len(graphs.closure):,} triples), shapes pruned {prune:.2f} s, "  # type: ignore[attr-defined]
        f"engine input in {len(sources):,} parts {prepare:.2f} s, engine {engine:.2f} s, "  # type: ignore[arg-type]
        f"report reading {read:.2f} s (the engine on the whole graph at once, input included: {whole:.2f} s)"
    )


def index_load(repeat: int) -> str:
    """The packaged DPV index (JSON) against parsing the same facts as N-Triples with rdflib."""
    from rdflib import Graph, URIRef

    from dpv_almi.validation.vocabularies import DPV_INDEX, DpvIndex

    seconds, index = timed(lambda: DpvIndex.load(DPV_INDEX), repeat)
    graph = Graph()
    for iri in index.iris():  # type: ignore[attr-defined]
        for predicate, value in index.links(iri):  # type: ignore[attr-defined]
            graph.add((URIRef(iri), predicate, value))
    ntriples = graph.serialize(format="nt")
    parse, _ = timed(lambda: Graph().parse(data=ntriples, format="nt"), repeat)
    return (
        f"DPV index: {len(index):,} terms, {DPV_INDEX.stat().st_size / 1e6:.1f} MB JSON, loads in {seconds * 1000:.0f} ms "  # type: ignore[arg-type]
        f"(the same {len(graph):,} links as N-Triples parse in {parse * 1000:.0f} ms with rdflib)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with (default: %(default)s)")
    parser.add_argument("--others", action="store_true", help="also pyrudof and pyshacl on this tree")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", old, args.baseline], cwd=REPO, check=True)
        try:
            print(f"baseline {args.baseline} beside this tree; medians of {args.repeat}")
            print("\n== CLI wall time on the Almi model (target: no slower than the baseline, about 0.6 s)")
            before = cli_wall_time(old, ["ontology/"], args.repeat)
            after = cli_wall_time(REPO, ["--example", "almi"], args.repeat)
            print(f"  turbo  baseline {before:6.2f} s   this tree {after:6.2f} s")
            print(f"\n== Library on {args.notices:,} synthetic notices (target: under 10 s)")
            old_lib = library(old, args.notices, args.repeat)
            new_lib = library(REPO, args.notices, args.repeat)
            print(f"  {new_lib['triples']:,.0f} triples")
            print(
                f"  turbo  baseline {old_lib['seconds']:6.2f} s ({old_lib['results']:,.0f} results)"
                f"   this tree {new_lib['seconds']:6.2f} s ({new_lib['results']:,.0f} results)"
            )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", old], cwd=REPO, check=False)
    print(f"  this tree, of which: {phases(args.notices, 1)}")
    print(f"\n== {index_load(args.repeat)}")
    if args.others:
        others(args.notices)


def others(notices: int) -> None:
    from dpv_almi.model.synthetic import generate
    from dpv_almi.validation.core import build_data_graph, default_shapes_files, load_shapes, validate

    data = generate(notices, seed=0)
    try:
        import pyrudof

        merged, _ = build_data_graph(data)
        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        start = time.perf_counter()
        rudof.read_data(merged.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
        rudof.read_shacl(load_shapes()[0].serialize(format="turtle"))
        count = len(rudof.validate_shacl().violations)
        print(f"  pyrudof  all shapes   {time.perf_counter() - start:7.2f} s  {count:,} results")
    except ImportError:
        print("  pyrudof  not installed")
    core = [p for p in default_shapes_files() if p.name != "vocabulary.ttl"]
    seconds, report = timed(lambda: validate(data, core, engine="pyshacl"))
    print(f"  pyshacl  core shapes  {seconds:7.2f} s  {len(report.results):,} results")  # type: ignore[attr-defined]


if __name__ == "__main__":
    if shutil.which("git") is None:
        sys.exit("bench/validate_bench.py needs git (it checks out the baseline)")
    main()
