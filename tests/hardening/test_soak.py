"""A bounded soak: concurrency 32, mixed REST and SPARQL, loopback only, zero errors and resident
memory (server and workers) growing less than 10 %.  ``DPV_ALMI_SOAK_SECONDS`` sets the length:
10 s by default (CI), 60 s with ``make soak``."""

from __future__ import annotations

import asyncio
import os
import time

import httpx

SECONDS = float(os.environ.get("DPV_ALMI_SOAK_SECONDS", "10"))
CONCURRENCY = 32
MIX = [
    "/v1/transfers",
    "/v1/activities?basis=consent",
    "/v1/policies",
    "/v1/categories?lang=sv",
    "/sparql?query=SELECT%20%3Fs%20%7B%20%3Fs%20a%20dpv%3AProcess%20%7D",
    "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
    "/healthz",
]


async def _soak(url: str, seconds: float) -> tuple[int, list[str]]:
    errors: list[str] = []
    done = 0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=CONCURRENCY)) as client:

        async def user(n: int) -> None:
            nonlocal done
            i = n
            while time.monotonic() < deadline:
                path = MIX[i % len(MIX)]
                i += 1
                try:
                    response = await client.get(path, headers={"cache-control": "no-cache"})
                    if response.status_code != 200:
                        errors.append(f"{path}: {response.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {exc!r}")
                done += 1

        await asyncio.gather(*(user(n) for n in range(CONCURRENCY)))
    return done, errors


def test_soak(serve, tree_rss) -> None:
    server = serve(env={"DPV_ALMI_CACHE_MAX_AGE": "0", "DPV_ALMI_LOG_LEVEL": "warning"})
    asyncio.run(_soak(server.url, min(3.0, SECONDS / 5)))  # warm up: workers, caches, allocator
    before = tree_rss(server.process.pid)
    done, errors = asyncio.run(_soak(server.url, SECONDS))
    after = tree_rss(server.process.pid)
    growth = (after - before) / before
    print(
        f"\nsoak {SECONDS:g} s x {CONCURRENCY}: {done} requests ({done / SECONDS:.0f}/s), {len(errors)} errors, "
        f"RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MiB ({growth:+.1%})"
    )
    assert not errors, errors[:5]
    assert growth < 0.10
