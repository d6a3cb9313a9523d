"""Memory and CPU time of a process tree from /proc (for the benchmarks, Linux only).

RSS summed over processes counts pages that forked workers share once per process; PSS (from
``smaps_rollup``) divides each shared page among its sharers, so its sum is what the tree really
takes.  Both are reported: RSS is what ``ps``/``top`` show, PSS is what the machine pays.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """*pid* and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of *pid* and its descendants."""
    rss = pss = 0
    for process in descendants(pid):
        try:
            for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) each process of *pid*'s tree has used so far, by pid.  Read before
    and after a load test, the difference per request is what each process costs an answer -- a
    figure the machine's noise disturbs far less than a rate."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for process in descendants(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[process] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


class PeakSampler:
    """Samples a process tree's memory every *every* seconds in a thread; ``peak_rss``/``peak_pss`` in MiB."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid, self.every = pid, every
        self.peak_rss = self.peak_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, pss = tree_memory(self.pid)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss / 2**20), max(self.peak_pss, pss / 2**20)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
