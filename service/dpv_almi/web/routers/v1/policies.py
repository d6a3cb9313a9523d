"""Policies: the list, and one policy's summary."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from dpv_almi.namespaces import GRAPH
from dpv_almi.store import policy_id
from dpv_almi.web.problems import Problem
from dpv_almi.web.routers.v1.common import LangParam, lang_of, listing, rows

router = APIRouter(tags=["policies"])


@router.get("/policies", summary="The privacy notices the service holds")
async def list_policies(request: Request, lang: str | None = LangParam) -> dict[str, Any]:
    language = lang_of(request, lang)
    items = await rows(request, "policies", {"lang": language})
    for item in items:
        item["id"] = policy_id(item["graph"])
    return listing(items, language, "policies")


@router.get("/policies/{policy}", summary="One policy: controller, DPO, authority, counts, last change")
async def get_policy(request: Request, policy: str, lang: str | None = LangParam) -> dict[str, Any]:
    language = lang_of(request, lang)
    graph = str(GRAPH[policy])
    if graph not in request.app.state.data.graphs or policy_id(graph) is None:
        raise Problem(404, f"No policy {policy!r}.", "Unknown policy")
    found = await rows(request, "policy", {"graph": graph, "lang": language})
    if not found:
        raise Problem(404, f"No privacy notice in policy {policy!r}.", "Unknown policy")
    return {"id": policy, "graph": graph, "lang": language, "query": "policy", **found[0]}
