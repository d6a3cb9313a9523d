"""Policies: the list with each one's registry record, one policy's summary, its versions, a diff."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from dpv_almi.errors import DpvAlmiError
from dpv_almi.namespaces import GRAPH
from dpv_almi.store.dataset import policy_id
from dpv_almi.store.diff import diff_files
from dpv_almi.store.registry import PolicyRecord, current
from dpv_almi.web import deps
from dpv_almi.web.routers.v1.common import LangParam, LimitParam, OffsetParam, lang_of, page, paged, rows

router = APIRouter(tags=["policies"])


def _record_fields(record: PolicyRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {k: v for k, v in record.as_json().items() if k in ("version", "source", "sha256", "loadedAt")}


@router.get("/policies", summary="The privacy notices the service holds, with version, source and SHA-256")
async def list_policies(
    request: Request,
    response: Response,
    lang: str | None = LangParam,
    limit: int = LimitParam,
    offset: int = OffsetParam,
) -> dict[str, Any]:
    language = lang_of(request, lang)
    total, limit, items = await page(request, "policies", {"lang": language}, limit, offset)
    for item in items:
        item["id"] = policy_id(item["graph"])
    return paged(request, response, items, total, offset, limit, lang=language, query="policies")


@router.get("/policies/{policy}", summary="One policy: controller, DPO, authority, counts, last change")
async def get_policy(request: Request, policy: str, lang: str | None = LangParam) -> dict[str, Any]:
    language = lang_of(request, lang)
    graph = str(GRAPH[policy])
    info = deps.data(request)
    if graph not in info.graphs or policy_id(graph) is None:
        raise DpvAlmiError(404, f"No policy {policy!r}.", "Unknown policy")
    found = await rows(request, "policy", {"graph": graph, "lang": language})
    if not found:
        raise DpvAlmiError(404, f"No privacy notice in policy {policy!r}.", "Unknown policy")
    record = _record_fields(current(info.records).get(policy))
    return {"id": policy, "graph": graph, "lang": language, "query": "policy", **found[0], **record}


def _versions(request: Request, policy: str) -> list[PolicyRecord]:
    versions = deps.backend(request).versions(policy)
    if not versions:
        raise DpvAlmiError(404, f"No policy {policy!r}.", "Unknown policy")
    return versions


@router.get("/policies/{policy}/versions", summary="Every version of one policy loaded, the current one marked")
def list_versions(request: Request, policy: str) -> dict[str, Any]:
    items = [r.as_json() for r in _versions(request, policy)]
    return {"id": policy, "count": len(items), "items": items}


@router.get("/policies/{policy}/diff", summary="Activities, categories, recipients, transfers added, removed, changed")
async def diff_versions(
    request: Request, policy: str, from_: str = Query(..., alias="from"), to: str = Query(...)
) -> dict[str, Any]:
    known = {r.version for r in _versions(request, policy)}
    archive = deps.backend(request).archive
    paths = []
    for version in (from_, to):
        path = archive.find(policy, version) if version in known else None
        if path is None:
            raise DpvAlmiError(
                404,
                f"Version {version!r} of policy {policy!r} is not in the version archive "
                f"(GET /v1/policies/{policy}/versions lists them).",
                "Unknown version",
            )
        paths.append(path)
    changes = await asyncio.to_thread(diff_files, paths[0], paths[1])
    return {"id": policy, "from": from_, "to": to, **changes}
