"""No outbound network, ever: SERVICE, LOAD and FROM <http://…> never make a connection.

A local listening socket stands in for a remote endpoint; each test asserts it received nothing.
The sandbox test bypasses the SERVICE check to show that the worker itself cannot connect, and a
control shows the listener does notice a connection when the sandbox is off.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from dpv_almi import resources
from dpv_almi.errors import DpvAlmiError
from dpv_almi.execution.runner import Limits, QueryRunner
from dpv_almi.sparql.lexer import has_dataset_clause, looks_like_update, uses_service
from dpv_almi.store.dataset import QueryJob


def test_service_clause_is_refused_without_connecting(client, listener, assert_problem) -> None:
    for query in (
        f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"select * {{ service silent <{listener.url}> {{ ?s ?p ?o }} }}",
    ):
        assert_problem(client.get("/sparql", params={"query": query}), 400)
    time.sleep(0.2)
    assert listener.connections == []


def test_load_is_refused_without_connecting(client, listener, assert_problem) -> None:
    assert_problem(client.post("/sparql", data={"query": f"LOAD <{listener.url}>"}), 400)
    assert_problem(client.post("/sparql", data={"update": f"LOAD <{listener.url}>"}), 405)
    time.sleep(0.2)
    assert listener.connections == []


def test_from_remote_iri_is_an_empty_graph(client, listener) -> None:
    for query in (
        f"SELECT * FROM <{listener.url}> {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{listener.url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        response = client.get("/sparql", params={"query": query})
        assert response.status_code == 200 and response.json()["results"]["bindings"] == []
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": listener.url})
    assert response.json()["boolean"] is False
    time.sleep(0.2)
    assert listener.connections == []


async def _run_unchecked(query: str, sandbox: bool) -> str:
    runner = QueryRunner(resources.default_data_files(), Limits(timeout=5), workers=1, sandbox=sandbox)
    runner.start()
    try:
        _, sandboxed = await runner.worker_status()
        assert sandboxed is sandbox
        try:
            await runner.run(QueryJob(query), check=False)
        except DpvAlmiError as problem:
            return problem.detail
        return "answered"
    finally:
        runner.stop()


def test_sandboxed_worker_cannot_connect_even_when_the_check_is_bypassed(listener) -> None:
    detail = asyncio.run(_run_unchecked(f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", sandbox=True))
    time.sleep(0.2)
    assert listener.connections == []
    assert "denied" in detail.lower() or "permission" in detail.lower(), detail


def test_control_without_sandbox_the_listener_sees_oxigraph_connect(listener) -> None:
    asyncio.run(_run_unchecked(f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}", sandbox=False))
    deadline = time.monotonic() + 2
    while not listener.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections and b"Oxigraph" in listener.connections[0]


@pytest.mark.parametrize(
    ("query", "service", "dataset", "update"),
    [
        ("SELECT * { SERVICE <http://e/> { ?s ?p ?o } }", True, False, False),
        ("select * from <http://e/> { ?s ?p ?o }", False, True, False),
        ("SELECT * { ?s a dpv:Service ; ?service ?o }", False, False, False),
        ('SELECT * { ?s ?p "SERVICE <x> FROM {}" } # SERVICE', False, False, False),
        ("SELECT * { ?s <http://e/SERVICE> ?from }", False, False, False),
        ("PREFIX ex: <http://e/>\nINSERT DATA { ex:a ex:b ex:c }", False, False, True),
        ("# comment\nload <http://e/>", False, False, True),
    ],
)
def test_sparql_text_facts(query: str, service: bool, dataset: bool, update: bool) -> None:
    assert (uses_service(query), has_dataset_clause(query), looks_like_update(query)) == (service, dataset, update)
