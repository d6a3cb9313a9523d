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
from dpv_almi.web.labels import labels
from dpv_almi.web.models import Page, Policy, PolicyDiff, PolicySummary, PolicyVersions, term
from dpv_almi.web.named_queries import rows
from dpv_almi.web.routers.v1.common import (
    LangParam,
    LimitParam,
    OffsetParam,
    grouped,
    iris_in,
    keyed_page,
    lang_of,
    next_url,
)

router = APIRouter(tags=["policies"])


def _record_fields(record: PolicyRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {k: v for k, v in record.as_json().items() if k in ("version", "source", "sha256", "loadedAt")}


@router.get(
    "/policies",
    summary="The privacy notices the service holds, with version, source and SHA-256",
    response_model=Page[PolicySummary],
    operation_id="list_policies",
)
async def list_policies(
    request: Request,
    response: Response,
    lang: str | None = LangParam,
    limit: int = LimitParam,
    offset: int = OffsetParam,
) -> dict[str, Any]:
    language = lang_of(request, lang)
    total, used, keys, found = await keyed_page(request, "policies", "graph", {"lang": language}, limit, offset)
    names = await labels(request, iris_in(found, "notice"), language)
    items = []
    for graph, rows_ in grouped(keys, "graph", found):
        first = rows_[0] if rows_ else {}
        fields = {
            k: str(first[k]) for k in ("title", "modified", "version", "source", "sha256", "loadedAt") if k in first
        }
        items.append(
            PolicySummary(id=policy_id(graph) or graph, graph=graph, notice=term(first.get("notice"), names), **fields)
        )
    return {
        "lang": language,
        "query": "policies",
        "total": total,
        "limit": used,
        "offset": offset,
        "count": len(items),
        "next": next_url(request, response, len(items), total, offset, used),
        "items": items,
    }


@router.get(
    "/policies/{policy}",
    summary="One policy: controller, DPO, authority, counts, last change",
    response_model=Policy,
    operation_id="get_policy",
)
async def get_policy(request: Request, policy: str, lang: str | None = LangParam) -> Policy:
    language = lang_of(request, lang)
    graph = str(GRAPH[policy])
    info = deps.data(request)
    if graph not in info.graphs or policy_id(graph) is None:
        raise DpvAlmiError(404, f"No policy {policy!r}.", "Unknown policy")
    found = await rows(request, "policy", {"graph": graph, "lang": language})
    if not found:
        raise DpvAlmiError(404, f"No privacy notice in policy {policy!r}.", "Unknown policy")
    head = found[0]
    names = await labels(request, iris_in(found, "notice", "controller", "dpo", "authority"), language)
    record = _record_fields(current(info.records).get(policy))
    plain = ("title", "dpoContact", "modified", "lastChange")
    counts = ("activities", "categories", "rights")
    fields: dict[str, Any] = {"id": policy, "graph": graph, "lang": language, "query": "policy"}
    fields |= {k: term(head.get(k), names) for k in ("notice", "controller", "dpo", "authority")}
    fields |= {k: str(head[k]) for k in plain if k in head}
    fields |= {k: int(head[k]) for k in counts if k in head}
    fields |= {k: str(v) for k, v in record.items()}
    return Policy.model_validate(fields)


def _versions(request: Request, policy: str) -> list[PolicyRecord]:
    versions = deps.backend(request).versions(policy)
    if not versions:
        raise DpvAlmiError(404, f"No policy {policy!r}.", "Unknown policy")
    return versions


@router.get(
    "/policies/{policy}/versions",
    summary="Every version of one policy loaded, the current one marked",
    response_model=PolicyVersions,
    operation_id="list_policy_versions",
)
def list_versions(request: Request, policy: str) -> dict[str, Any]:
    items = [r.as_json() for r in _versions(request, policy)]
    return {"id": policy, "count": len(items), "items": items}


@router.get(
    "/policies/{policy}/diff",
    summary="Activities, categories, recipients, transfers added, removed, changed",
    response_model=PolicyDiff,
    response_model_by_alias=True,
    operation_id="diff_policy_versions",
)
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
