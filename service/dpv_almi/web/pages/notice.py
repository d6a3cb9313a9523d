"""``/``: the privacy notice of any policy regenerated from the graph; the interface in Swedish or
English, the notice's own words in the reader's language or, asked (``labels=notice``), in the
notice's language.

Everything on the page comes from named SPARQL queries run by the one runner (``notice-language``,
``policy``, ``notice-activities``, ``notice-categories``, ``transfers``, ``rights``, ``changes``,
``labels``): if the model lacked something the notice says, the page would lack it too, which is
what the page's test checks against the notice's own text.  Two languages are kept apart: the
interface's (``lang``, sv/en: headings, buttons) and the labels' (the reader's, or the notice's
``dct:language``), every label falling back as :func:`dpv_almi.web.labels.choose` says.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from dpv_almi.namespaces import RESOURCE_BASE
from dpv_almi.web.labels import local_name, tagged_labels
from dpv_almi.web.named_queries import bound_text, rows
from dpv_almi.web.pages.common import UI, PageLangParam, page_language, policy_graph, render

router = APIRouter(include_in_schema=False)

NOTICE_LABELS = "notice"
"""``?labels=notice``: the notice's words in the notice's own language (the interface stays sv/en)."""

LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
"""A BCP 47 tag as SPARQL's LANGTAG has it: anything else in ``dct:language`` is not used."""

LabelsParam = Query(
    None,
    alias="labels",
    description="`notice`: labels in the notice's own language (its dct:language), the interface staying "
    "sv/en; otherwise labels in the page's language. Either falls back to the notice's language, English, "
    "any language, the IRI's local name. Any other value is the default.",
)

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
    lang: str = ""
    """The label's language tag ("" unknown): marked on the page where it is not the page's."""
    description_lang: str = ""


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
    lang: str = ""
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
    example_iris: list[str] = field(default_factory=list)
    lang: str = ""
    example_langs: list[str] = field(default_factory=list)


@dataclass
class Right:
    iri: str
    label: str
    conditions: str | None
    deadline: str | None
    articles: list[str] = field(default_factory=list)
    lang: str = ""


def _activities(found: list[dict[str, Any]], asked: str, notice_lang: str | None) -> dict[str, Activity]:
    """The activities and their values; a description not in the *asked* language is the notice's
    (``notice-activities`` falls back to it), which the page marks with its language."""
    activities: dict[str, Activity] = {}
    for row in found:
        from_notice = "description" in row and row["description"] == row.get("noticeDescription")
        activity = activities.setdefault(
            row["activity"], Activity(row["activity"], row.get("activityLabel", row["activity"]))
        )
        values = activity.aspects.setdefault(row["aspect"], [])
        if all(v.iri != row["value"] for v in values):
            values.append(
                Value(
                    row["value"],
                    row.get("valueLabel") or local_name(row["value"]),
                    row.get("description"),
                    description_lang=(notice_lang or "") if from_notice else asked,
                )
            )
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
            Category(row["category"], row.get("label") or local_name(row["category"]), bool(row["defined"])),
        )
        example = row.get("example")
        if isinstance(example, str) and example not in category.example_iris:
            category.example_iris.append(example)
            category.examples.append(row.get("exampleLabel") or local_name(example))
    return list(categories.values())


def _rights(found: list[dict[str, Any]], wanted: set[str]) -> list[Right]:
    rights: dict[str, Right] = {}
    for row in found:
        if row["right"] not in wanted:
            continue
        right = rights.setdefault(
            row["right"],
            Right(
                row["right"],
                row.get("label") or local_name(row["right"]),
                row.get("conditions"),
                row.get("deadlineLabel"),
            ),
        )
        if "article" in row and row["article"] not in right.articles:
            right.articles.append(row["article"])
    return sorted(rights.values(), key=lambda r: r.articles[:1] or [r.label])


def _is_iri(value: str) -> bool:
    return value.startswith(("http://", "https://", "urn:"))


_HEAD_NAMES = {"notice": "title", "controller": "controllerLabel", "authority": "authorityLabel"}
"""The summary's resources and the column that names each."""


async def _name_everything(
    request: Request,
    language: str,
    notice_lang: str | None,
    head: dict[str, Any],
    activities: dict[str, Activity],
    categories: list[Category],
    rights: list[Right],
) -> None:
    """Every IRI the page shows, by its label in *language*, else the notice's, English, any (one
    label query): the notice, its controller and authority, activities and their values, transfer
    countries, likelihoods, bases and safeguards, categories and their examples, rights and articles."""
    iris: set[str] = {str(head[key]) for key in _HEAD_NAMES if isinstance(head.get(key), str)}
    for activity in activities.values():
        iris.add(activity.iri)
        iris |= {v.iri for values in activity.aspects.values() for v in values if _is_iri(v.iri)}
        for transfer in activity.transfers:
            iris |= {transfer.country, *transfer.safeguards} | ({transfer.likelihood} if transfer.likelihood else set())
    for category in categories:
        iris |= {category.iri, *category.example_iris}
    iris |= {article for right in rights for article in right.articles} | {right.iri for right in rights}
    found = await tagged_labels(request, iris, language, notice_lang)
    names = {iri: label.text for iri, label in found.items()}
    tags = {iri: label.lang for iri, label in found.items()}
    for key, column in _HEAD_NAMES.items():
        if isinstance(head.get(key), str) and head[key] in names:
            head[column], head[column + "Lang"] = names[head[key]], tags[head[key]]
    for category in categories:
        category.label, category.lang = names.get(category.iri, category.label), tags.get(category.iri, "")
        category.examples = [names.get(e, e) for e in category.example_iris]
        category.example_langs = [tags.get(e, "") for e in category.example_iris]
    for activity in activities.values():
        activity.label, activity.lang = names.get(activity.iri, activity.label), tags.get(activity.iri, "")
        for values in activity.aspects.values():
            for value in values:
                value.label, value.lang = names.get(value.iri, value.label), tags.get(value.iri, value.lang)
            values.sort(key=lambda v: v.label.casefold())
        for transfer in activity.transfers:
            transfer.country = names.get(transfer.country, transfer.country)
            transfer.likelihood = names.get(transfer.likelihood, transfer.likelihood) if transfer.likelihood else None
            transfer.safeguards = [names.get(s, s) for s in transfer.safeguards]
    for right in rights:
        right.label, right.lang = names.get(right.iri, right.label), tags.get(right.iri, "")
        right.articles = [names.get(a, a) for a in right.articles]


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


async def notice_language(request: Request, graph: str) -> str | None:
    """The language the policy's notice is written in (its ``dct:language``), None where unstated
    or ``und``: asked of the data, never assumed (Almi's is Swedish, most of the TILT corpus German)."""
    for row in await rows(request, "notice-language", {"graph": graph}):
        tag = str(row.get("language", "")).strip()
        if tag and tag.lower() != "und" and LANGUAGE_TAG.fullmatch(tag):
            return tag
    return None


def label_language(language: str, notice_lang: str | None, wanted: str | None) -> str:
    """The language the page's labels are asked in: the notice's when *wanted* is ``notice`` and the
    notice states one, else the page's."""
    if wanted == NOTICE_LABELS and notice_lang:
        return notice_lang
    return language


def labels_switch(request: Request, language: str, notice_lang: str | None, asked: str) -> dict[str, str] | None:
    """The link that swaps the labels between the page's language and the notice's (None when they
    are the same language, or the notice states none)."""
    if not notice_lang or _primary(notice_lang) == language:
        return None
    query = {k: v for k, v in request.query_params.items() if k != "labels"}
    to_notice = asked == language
    if to_notice:
        query["labels"] = NOTICE_LABELS
    text = UI[language]["labels_notice" if to_notice else "labels_page"].format(lang=notice_lang)
    return {
        "url": request.url.path + "?" + urlencode(query),
        "text": text,
        "hreflang": notice_lang if to_notice else language,
    }


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
    labels_: str | None = LabelsParam,
) -> HTMLResponse:
    language = page_language(request, lang)
    graph = policy_graph(request, policy)
    notice_lang = await notice_language(request, graph)
    asked = label_language(language, notice_lang, labels_)
    scoped = {"graph": graph, "lang": asked}
    summary, aspects, categories, transfers, rights, changes = await asyncio.gather(
        rows(request, "policy", scoped),
        rows(request, "notice-activities", scoped),
        rows(request, "notice-categories", scoped),
        rows(request, "transfers", {"lang": asked}),
        rows(request, "rights", {"lang": asked}),
        rows(request, "changes", {"lang": asked}),
    )
    activities = _activities(aspects, asked, notice_lang)
    _transfers(transfers, activities)
    for activity in activities.values():
        path = activity.iri.removeprefix(RESOURCE_BASE)
        activity.rest_url = f"/v1/activities/{path}?lang={language}"
        text = bound_text(request, "activity", {"activity": activity.iri, "lang": language})
        activity.sparql_url = "/sparql#query=" + quote(text, safe="")
    used_rights = {v.iri for a in activities.values() for v in a.aspects.get("right", [])}
    chosen_rights = _rights(rights, used_rights)
    head = summary[0] if summary else {}
    shown_categories = _categories(categories)
    await _name_everything(request, asked, notice_lang, head, activities, shown_categories, chosen_rights)
    notice_iri = head.get("notice")
    return render(
        request,
        "notice.html",
        language,
        {
            "head": head,
            "groups": by_basis(activities),
            "aspects": ASPECTS,
            "categories": shown_categories,
            "rights": chosen_rights,
            "changes": [c for c in changes if c.get("notice") == notice_iri],
            "labels_lang": asked,
            "notice_lang": notice_lang,
            "labels_switch": labels_switch(request, language, notice_lang, asked),
        },
    )
