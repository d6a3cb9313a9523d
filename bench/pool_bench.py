"""Query-worker pool benchmark: prints figures, asserts nothing (run: .venv/bin/python bench/pool_bench.py).

The hop between the event loop and a worker, old and new side by side in one run: the *baseline*
is ``execution/pool.py`` at a git revision (default ``3e63ebb``: pipes), *this tree* the one beside
this script (Unix socket pairs).  pool.py needs only the standard library, so the baseline's file
is loaded as a module of its own.  Each pool has two forked workers on uvloop, the service's loop;
a round is N concurrent echo tasks, timed whole; the median of the rounds is printed per pool and
their ratio.  Two sizes: a small task and answer (a query and its rows), and a 1 MiB answer.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import uvloop

REPO = Path(__file__).resolve().parent.parent
BASELINE = "3e63ebb"


def echo(value: bytes) -> bytes:
    return value


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


async def rounds(pool_module: ModuleType, payload: bytes, tasks: int, repeats: int) -> list[float]:
    pool = pool_module.WorkerPool(2, multiprocessing.get_context("fork"))
    try:
        await pool.start()
        await asyncio.gather(*(pool.run(echo, (payload,), timeout=60) for _ in range(tasks)))  # warm
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            await asyncio.gather(*(pool.run(echo, (payload,), timeout=60) for _ in range(tasks)))
            times.append(time.perf_counter() - started)
        return times
    finally:
        pool.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old pool.py")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    old_source = subprocess.run(
        ["git", "show", f"{args.baseline}:service/dpv_almi/execution/pool.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        old_path = Path(folder) / "baseline_pool.py"
        old_path.write_text(old_source)
        pools = {
            f"baseline {args.baseline} (pipes)": load(old_path, "baseline_pool"),
            "this tree (socket pairs)": load(REPO / "service/dpv_almi/execution/pool.py", "this_pool"),
        }
        cases = [
            ("small task and answer, 2,000 tasks", b"x" * 200, 2000),
            ("1 MiB answer, 200 tasks", b"x" * (1 << 20), 200),
        ]
        for title, payload, tasks in cases:
            print(f"{title} (median of {args.repeats} rounds, 2 workers, uvloop)")
            medians = {}
            for label, module in pools.items():
                times = uvloop.run(rounds(module, payload, tasks, args.repeats))
                medians[label] = statistics.median(times)
                print(
                    f"  {label:34} {medians[label] * 1000:8.1f} ms a round, {medians[label] / tasks * 1e6:7.1f} us a task"
                )
            old, new = medians.values()
            print(f"  this tree / baseline: {new / old:.2f}")


if __name__ == "__main__":
    main()
