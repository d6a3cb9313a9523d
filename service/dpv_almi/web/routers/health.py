"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dpv_almi.web import deps

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runner: deps.RunnerDep, data: deps.DataDep) -> dict[str, object]:
    """Readiness: the data is loaded and a query worker answers."""
    _pid, sandboxed = await runner.worker_status()
    return {"status": "ready", "triples": len(data), "graphs": data.graphs, "workerSandboxed": sandboxed}


@router.get("/metrics", include_in_schema=False)
def metrics(services: deps.ServicesDep) -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
