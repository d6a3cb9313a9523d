"""The query runner over real worker processes: what a client gets when the pool cannot serve."""

from __future__ import annotations

import asyncio

import pytest

from dpv_almi import resources
from dpv_almi.errors import DpvAlmiError
from dpv_almi.execution.pool import WorkerPool
from dpv_almi.execution.runner import Limits, QueryRunner
from dpv_almi.store.dataset import QueryJob


def test_no_worker_can_be_started_is_a_503_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: WorkerPool) -> tuple[object, object, object]:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(WorkerPool, "_fork", refuse)

    async def main() -> None:
        runner = QueryRunner(list(resources.default_data_files()), Limits(), workers=1, sandbox=False)
        runner.start()
        try:
            with pytest.raises(DpvAlmiError) as problem:
                await runner.run(QueryJob(text="ASK {}"))
            assert (problem.value.status, problem.value.title) == (503, "Service Unavailable")
        finally:
            runner.stop()

    asyncio.run(main())


def test_answers_through_a_forkserver_worker() -> None:
    """The runner's own path end to end: files → worker store → SPARQL JSON."""

    async def main() -> None:
        runner = QueryRunner(list(resources.default_data_files()), Limits(), workers=1, sandbox=False)
        runner.start()
        try:
            outcome = await runner.run(QueryJob(text="SELECT (COUNT(*) AS ?n) { ?s a <https://w3id.org/dpv#Process> }"))
            assert outcome.status == 200 and outcome.rows == 1 and b'"n"' in outcome.body
        finally:
            runner.stop()

    asyncio.run(main())
