"""``/``: the privacy notice regenerated from the graph, in Swedish or English.

Everything on the page comes from named SPARQL queries run by the one runner (``policy``,
``notice-activities``, ``notice-categories``, ``transfers``, ``rights``, ``changes``): if the model
lacked something the notice says, the page would lack it too, which is what the page's test checks
against the notice's own text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from dpv_almi.namespaces import RESOURCE_BASE
from dpv_almi.web.labels import labels
from dpv_almi.web.pages.common import PageLangParam, page_language, policy_graph, render
from dpv_almi.web.routers.v1.common import bound_text, rows

router = APIRouter(include_in_schema=False)

ASPECTS = (
    "purpose",
    "data",
    "subject",
    "source",
    "basis",
    "retention",
    "storage",
    "recipient",
    "transfer",
    "consequence",
    "right",
)
"""The order in which an activity's aspects are shown (the notice's table columns first)."""


@dataclass
class Value:
    """One value of an aspect: a resource with its label and, where the notice gives one, its text."""

    iri: str
    label: str
    description: str | None = None


@dataclass
class Transfer:
    """A third-country transfer as the ``transfers`` query states it for one activity."""

    iri: str
    country: str
    likelihood: str | None
    safeguards: list[str] = field(default_factory=list)


@dataclass
class Activity:
    iri: str
    label: str
    aspects: dict[str, list[Value]] = field(default_factory=dict)
    transfers: list[Transfer] = field(default_factory=list)
    rest_url: str = ""
    sparql_url: str = ""

    @property
    def anchor(self) -> str:
        return self.iri.rsplit("/", 1)[-1]


@dataclass
class Category:
    iri: str
    label: str
    defined: bool
    examples: list[str] = field(default_factory=list)


@dataclass
class Right:
    iri: str
    label: str
    conditions: str | None
    deadline: str | None
    articles: list[str] = field(default_factory=list)


def _activities(found: list[dict[str, Any]]) -> dict[str, Activity]:
    activities: dict[str, Activity] = {}
    for row in found:
        activity = activities.setdefault(
            row["activity"], Activity(row["activity"], row.get("activityLabel", row["activity"]))
        )
        values = activity.aspects.setdefault(row["aspect"], [])
        if all(v.iri != row["value"] for v in values):
            values.append(Value(row["value"], row.get("valueLabel") or _local(row["value"]), row.get("description")))
    for activity in activities.values():
        for values in activity.aspects.values():
            values.sort(key=lambda v: v.label.casefold())
    return activities


def _transfers(found: list[dict[str, Any]], activities: dict[str, Activity]) -> None:
    for row in found:
        activity = activities.get(row["activity"])
        if activity is None:
            continue
        transfer = next((t for t in activity.transfers if t.iri == row["transfer"]), None)
        if transfer is None:
            transfer = Transfer(row["transfer"], row["country"], row.get("likelihood"))
            activity.transfers.append(transfer)
        for key in ("transferBasis", "safeguard"):
            if key in row and row[key] not in transfer.safeguards:
                transfer.safeguards.append(row[key])


def _categories(found: list[dict[str, Any]]) -> list[Category]:
    categories: dict[str, Category] = {}
    for row in found:
        category = categories.setdefault(
            row["category"],
            Category(row["category"], row.get("label") or _local(row["category"]), bool(row["defined"])),
        )
        if "exampleLabel" in row and row["exampleLabel"] not in category.examples:
            category.examples.append(row["exampleLabel"])
    return list(categories.values())


def _rights(found: list[dict[str, Any]], wanted: set[str]) -> list[Right]:
    rights: dict[str, Right] = {}
    for row in found:
        if row["right"] not in wanted:
            continue
        right = rights.setdefault(
            row["right"],
            Right(
                row["right"], row.get("label") or _local(row["right"]), row.get("conditions"), row.get("deadlineLabel")
            ),
        )
        if "article" in row and row["article"] not in right.articles:
            right.articles.append(row["article"])
    return sorted(rights.values(), key=lambda r: r.articles[:1] or [r.label])


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _is_iri(value: str) -> bool:
    return value.startswith(("http://", "https://", "urn:"))


async def _name_everything(
    request: Request, language: str, activities: dict[str, Activity], rights: list[Right]
) -> None:
    """Every IRI the page shows, by its label in the page's language (one label query): values,
    transfer countries, likelihoods, bases and safeguards, the articles of rights."""
    iris: set[str] = set()
    for activity in activities.values():
        iris |= {v.iri for values in activity.aspects.values() for v in values if _is_iri(v.iri)}
        for transfer in activity.transfers:
            iris |= {transfer.country, *transfer.safeguards} | ({transfer.likelihood} if transfer.likelihood else set())
    iris |= {article for right in rights for article in right.articles}
    names = await labels(request, iris, language)
    for activity in activities.values():
        for values in activity.aspects.values():
            for value in values:
                value.label = names.get(value.iri, value.label)
            values.sort(key=lambda v: v.label.casefold())
        for transfer in activity.transfers:
            transfer.country = names.get(transfer.country, transfer.country)
            transfer.likelihood = names.get(transfer.likelihood, transfer.likelihood) if transfer.likelihood else None
            transfer.safeguards = [names.get(s, s) for s in transfer.safeguards]
    for right in rights:
        right.articles = [names.get(a, a) for a in right.articles]


def by_basis(activities: dict[str, Activity]) -> list[tuple[Value, list[Activity]]]:
    """Activities grouped by legal basis, as the notice groups them (the larger group first)."""
    groups: dict[str, tuple[Value, list[Activity]]] = {}
    for activity in activities.values():
        for basis in activity.aspects.get("basis", [Value("", "—")]):
            groups.setdefault(basis.iri, (basis, []))[1].append(activity)
    for _, members in groups.values():
        members.sort(key=lambda a: a.label.casefold())
    return sorted(groups.values(), key=lambda group: (-len(group[1]), group[0].iri))


@router.get("/", response_class=HTMLResponse, summary="The privacy notice, regenerated from the graph")
async def notice_page(
    request: Request,
    lang: str | None = PageLangParam,
    policy: str | None = Query(None, description="policy id; default: almi or the first"),
) -> HTMLResponse:
    language = page_language(request, lang)
    graph = policy_graph(request, policy)
    scoped = {"graph": graph, "lang": language}
    summary, aspects, categories, transfers, rights, changes = await asyncio.gather(
        rows(request, "policy", scoped),
        rows(request, "notice-activities", scoped),
        rows(request, "notice-categories", scoped),
        rows(request, "transfers", {"lang": language}),
        rows(request, "rights", {"lang": language}),
        rows(request, "changes", {"lang": language}),
    )
    activities = _activities(aspects)
    _transfers(transfers, activities)
    for activity in activities.values():
        path = activity.iri.removeprefix(RESOURCE_BASE)
        activity.rest_url = f"/v1/activities/{path}?lang={language}"
        text = bound_text(request, "activity", {"activity": activity.iri, "lang": language})
        activity.sparql_url = "/sparql#query=" + quote(text, safe="")
    used_rights = {v.iri for a in activities.values() for v in a.aspects.get("right", [])}
    chosen_rights = _rights(rights, used_rights)
    await _name_everything(request, language, activities, chosen_rights)
    head = summary[0] if summary else {}
    notice_iri = head.get("notice")
    return render(
        request,
        "notice.html",
        language,
        {
            "head": head,
            "groups": by_basis(activities),
            "aspects": ASPECTS,
            "categories": _categories(categories),
            "rights": chosen_rights,
            "changes": [c for c in changes if c.get("notice") == notice_iri],
        },
    )
