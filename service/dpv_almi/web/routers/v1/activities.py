"""Processing activities: filtered, paginated list; one activity with everything the notice says."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from dpv_almi.errors import DpvAlmiError
from dpv_almi.identifiers import POLICY_ID_PATTERN
from dpv_almi.namespaces import GRAPH, PREFIXES, RESOURCE_BASE
from dpv_almi.store.dataset import QueryJob
from dpv_almi.web import deps
from dpv_almi.web.labels import labels
from dpv_almi.web.models import Activity, ActivitySummary, Page, Passage, PropertyValue
from dpv_almi.web.named_queries import bound_text, rows
from dpv_almi.web.negotiation import negotiate
from dpv_almi.web.routers.v1.common import LangParam, LimitParam, OffsetParam, keyed_page, lang_of, next_url
from dpv_almi.web.routers.v1.filters import check_policy, checked_filters

router = APIRouter(tags=["activities"])

BASIS_SHORTHANDS = {
    "consent": PREFIXES["eu-gdpr"] + "A6-1-a",
    "legitimate-interest": PREFIXES["eu-gdpr"] + "A6-1-f",
    "contract": PREFIXES["eu-gdpr"] + "A6-1-b",
    "legal-obligation": PREFIXES["eu-gdpr"] + "A6-1-c",
}

_RESOURCE_FORMATS = {"application/json": "json", "application/ld+json": "jsonld", "text/turtle": "turtle"}


def activity_iri(policy: str, name: str) -> str:
    return f"{RESOURCE_BASE}{policy}/{name}"


@router.get(
    "/activities",
    summary="Activities, filtered through the DPV hierarchy, paginated",
    response_model=Page[ActivitySummary],
    operation_id="list_activities",
)
async def list_activities(
    request: Request,
    response: Response,
    lang: str | None = LangParam,
    basis: str | None = Query(
        None, description="consent, legitimate-interest, contract, legal-obligation or any IRI / prefixed name"
    ),
    category: str | None = Query(None, description="personal data concept, e.g. pd:Contact (finds e-mail too)"),
    purpose: str | None = Query(None, description="purpose concept, e.g. dpv:Marketing"),
    recipient: str | None = Query(None, description="recipient, or class/concept of recipients, e.g. dpv:ThirdParty"),
    source: str | None = Query(None, description="data source concept"),
    transfer: bool | None = Query(None, description="with (true) or without (false) a third-country transfer"),
    profiling: bool | None = Query(None, description="with (true) or without (false) profiling"),
    policy: str | None = Query(None, pattern=POLICY_ID_PATTERN, description="only this policy's activities (its id)"),
    limit: int = LimitParam,
    offset: int = OffsetParam,
) -> dict[str, Any]:
    language = lang_of(request, lang)
    if policy is not None:
        check_policy(request, policy)
    concepts = await checked_filters(
        request,
        {
            "basis": BASIS_SHORTHANDS.get(basis or "", basis),
            "category": category,
            "purpose": purpose,
            "recipient": recipient,
            "source": source,
        },
    )
    values: dict[str, Any] = {
        "lang": language,
        **{name: None if iri is None else f"<{iri}>" for name, iri in concepts.items()},
        "transfer": None if transfer is None else str(transfer).lower(),
        "profiling": None if profiling is None else str(profiling).lower(),
        "policy": None if policy is None else str(GRAPH[policy]),
    }
    total, used, keys, _ = await keyed_page(request, "activities", "activity", values, limit, offset, detail=False)
    names = await labels(request, keys, language)
    items = [ActivitySummary(id=iri.removeprefix(RESOURCE_BASE), iri=iri, label=names[iri]) for iri in keys]
    return {
        "lang": language,
        "query": "activities",
        "total": total,
        "limit": used,
        "offset": offset,
        "count": len(items),
        "next": next_url(request, response, len(items), total, offset, used),
        "items": items,
    }


@router.get(
    "/activities/{policy}/{name}",
    summary="One activity, with its verbatim source passages",
    response_model=Activity,
    operation_id="get_activity",
    responses={200: {"content": {"application/ld+json": {}, "text/turtle": {}}}},
)
async def get_activity(request: Request, policy: str, name: str, lang: str | None = LangParam) -> Response:
    language = lang_of(request, lang)
    iri = activity_iri(policy, name)
    chosen = negotiate(request.headers.get("accept"), _RESOURCE_FORMATS)
    if chosen is None:
        raise DpvAlmiError(406, f"Activities are available as: {', '.join(_RESOURCE_FORMATS)}.")
    properties = await rows(request, "activity", {"activity": iri, "lang": language})
    if not properties:
        raise DpvAlmiError(404, f"No activity {policy}/{name}.", "Unknown activity")
    headers = {"Vary": "Accept, Accept-Language"}
    if chosen[1] != "json":
        text = bound_text(request, "activity-graph", {"activity": iri})
        outcome = await deps.run(
            request, QueryJob(text=text, graph_type=chosen[0], max_rows=deps.settings(request).max_rows)
        )
        return Response(outcome.body, media_type=chosen[0], headers=headers)
    resources = {iri} | {row["property"] for row in properties}
    resources |= {row["value"] for row in properties if "valueLabel" in row or _is_iri(row["value"])}
    passages = await rows(request, "activity-passages", {"activity": iri})
    names = await labels(request, resources, language)
    grouped_values: dict[str, list[PropertyValue]] = {}
    for row in properties:
        value = str(row["value"])
        label = row.get("valueLabel") or (names.get(value) if _is_iri(value) else None)
        grouped_values.setdefault(row["property"], []).append(PropertyValue(value=value, label=label))
    body = Activity(
        id=f"{policy}/{name}",
        iri=iri,
        label=names[iri],
        lang=language,
        query="activity",
        properties=grouped_values,
        property_labels={p: names[p] for p in grouped_values},
        passages=[Passage(**p) for p in passages],
    )
    return JSONResponse(body.model_dump(), headers=headers)


def _is_iri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://", "urn:", "mailto:"))
