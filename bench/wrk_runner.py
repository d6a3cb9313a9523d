"""Run ``wrk`` (Debian package ``wrk``) and read its report: the one load generator of the benchmarks.

wrk is C, so it costs the 2-core machine little CPU beside the servers it measures (the Python
httpx generator spent ~0.8 ms per request itself).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Figures:
    """Latency percentiles (ms), requests/s, and requests that failed (non-2xx/3xx, socket errors)."""

    p50: float
    p99: float
    rps: float
    errors: int
    p90: float = float("nan")


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(url: str, concurrency: int, seconds: float, headers: Mapping[str, str] | None = None) -> Figures:
    """wrk at *concurrency* connections for *seconds* on *url* (GET); nan percentiles if too few finished."""
    command = [
        "wrk",
        "-t",
        str(min(2, concurrency)),
        "-c",
        str(concurrency),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "60s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s*(50|90|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))", out, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(p: str) -> float:
        return _ms(latency[p]) if p in latency else float("nan")

    return Figures(percentile("50"), percentile("99"), rps, errors, percentile("90"))
