"""What a hostile client tried against the answer replay cache (web/replay.py), each with the test that
failed before its fix: another client's links served to a request, a partial answer kept, keys that
grew memory beyond the byte budget (a repeated header: ``test_replay_poisoning.py``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from dpv_almi.web.middleware import Metrics
from dpv_almi.web.replay import AnswerReplayMiddleware, AnswerStore

ASK = {"query": "ASK {}"}


def test_a_forwarded_scheme_does_not_poison_the_answer_for_others(tmp_path: Path) -> None:
    from tests.support.local_service import running_service

    env = {"DPV_ALMI_WORKERS": "1", "DPV_ALMI_STORE": None}
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        # uvicorn trusts X-Forwarded-Proto from loopback; the links it makes must not reach the others
        forwarded = client.get("/v1/queries", headers={"X-Forwarded-Proto": "https"})
        assert "https://127.0.0.1" in forwarded.text
        plain = client.get("/v1/queries")
        assert plain.status_code == 200 and "https://127.0.0.1" not in plain.text


def _scope(path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": headers,
        "scheme": "http",
    }


class _Source:
    version = "1"


async def _run(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_an_answer_cut_short_is_not_kept() -> None:
    """A streamed answer whose sender stops before the last piece (a client that left) is not complete."""
    calls = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1
        headers = [(b"content-type", b"text/csv"), (b"cache-control", b"public, max-age=60")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"a,b\n", "more_body": True})
        # ... the stream was cancelled here: the last piece never went

    middleware = AnswerReplayMiddleware(app, AnswerStore(1 << 20), _Source, Metrics())
    scope = _scope("/sparql", b"query=x", [(b"host", b"h")])
    asyncio.run(_run(middleware, scope))
    asyncio.run(_run(middleware, scope))
    assert calls == 2, "the partial answer was replayed"


def test_large_keys_count_against_the_byte_budget() -> None:
    """Small answers to requests with 8 KB heads: the budget must bound what is held, keys included."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/csv"), (b"cache-control", b"public, max-age=60")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    budget = 64 * 1024
    store = AnswerStore(budget)
    middleware = AnswerReplayMiddleware(app, store, _Source, Metrics())
    for n in range(200):
        language = f"x-{n}-".encode() + b"a" * 8000
        asyncio.run(_run(middleware, _scope("/v1/transfers", b"", [(b"accept-language", language)])))
    held = sum(
        len(answer.body) + sum(len(part) for part in key if isinstance(part, bytes))
        for key, answer in store.answers.items()
    )
    assert held <= budget, f"{held} bytes held for a budget of {budget}"


def test_a_fresh_answer_is_asked_for_in_any_letter_case(tmp_path: Path) -> None:
    """``Cache-Control: No-Cache`` was replayed (only ``no-`` in lower case was seen): directive names are
    case-insensitive (RFC 9111 §5.2), and ``no-store``, ``max-age=0`` (a browser's reload) and HTTP/1.0's
    ``Pragma: no-cache`` ask the same."""
    import re

    from tests.support.local_service import running_service

    def evaluated(client: httpx.Client) -> float:
        """Queries a worker ran: neither replayed nor taken from the result cache."""
        text = client.get("/metrics").text
        return sum(float(n) for n in re.findall(r'^dpv_almi_queries_total\{outcome="ok"\} (\S+)$', text, re.M))

    query = {"query": "SELECT ?a { ?a a dpv:Process } ORDER BY ?a"}
    env = {"DPV_ALMI_WORKERS": "1", "DPV_ALMI_STORE": None}
    with running_service(tmp_path, env=env) as service, httpx.Client(base_url=service.url, timeout=30) as client:
        first = client.get("/sparql", params=query)
        assert first.status_code == 200
        ran = evaluated(client)
        assert client.get("/sparql", params=query).content == first.content
        assert evaluated(client) == ran, "a plain repeat is replayed"
        fresh = [
            {"Cache-Control": "no-cache"},
            {"Cache-Control": "No-Cache"},
            {"Cache-Control": "NO-CACHE"},
            {"Cache-Control": "No-Store"},
            {"Cache-Control": "max-age=60, No-Cache"},
            {"Pragma": "no-cache"},
            {"Pragma": "No-Cache"},
            {"Cache-Control": "max-age=0"},
            {"Cache-Control": 'Max-Age="0"'},
            {"Cache-Control": "no-transform, max-age=0"},
        ]
        for headers in fresh:
            response = client.get("/sparql", params=query, headers=headers)
            assert response.status_code == 200 and response.content == first.content
            assert evaluated(client) == ran + 1, f"{headers} was not evaluated anew"
            ran += 1
        assert client.get("/sparql", params=query, headers={"Cache-Control": "no-transform"}).content == first.content
        assert evaluated(client) == ran, "a directive that does not ask for freshness is replayed"
        assert client.get("/sparql", params=query, headers={"Cache-Control": "max-age=60"}).content == first.content
        assert evaluated(client) == ran, "an answer of the served data is young enough for a max-age above 0"
