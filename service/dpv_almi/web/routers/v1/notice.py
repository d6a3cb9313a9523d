"""What the notices state across activities: transfers, categories, recipients, rights, contacts,
retention and change history.  Each is one named query; a page holds distinct resources (a
transfer, a category …) with their values gathered, paged and counted in the store, every IRI
with its label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from dpv_almi.web import models
from dpv_almi.web.labels import labels
from dpv_almi.web.models import Page, Term, term
from dpv_almi.web.routers.v1.common import (
    LangParam,
    LimitParam,
    OffsetParam,
    distinct,
    grouped,
    iris_in,
    keyed_page,
    lang_of,
    next_url,
)

router = APIRouter()

Rows = list[dict[str, Any]]
Labels = dict[str, str]


def _terms(found: Rows, column: str, names: Labels) -> list[Term]:
    return [Term(iri=iri, label=names.get(iri, iri)) for iri in distinct(found, column)]


def _first(found: Rows, column: str) -> Any:
    values = distinct(found, column)
    return values[0] if values else None


def _transfer(iri: str, found: Rows, names: Labels) -> models.Transfer:
    return models.Transfer(
        iri=iri,
        label=names[iri],
        activities=_terms(found, "activity", names),
        countries=_terms(found, "country", names),
        bases=_terms(found, "transferBasis", names),
        safeguards=_terms(found, "safeguard", names),
        likelihood=term(_first(found, "likelihood"), names),
    )


def _category(iri: str, found: Rows, names: Labels) -> models.Category:
    return models.Category(
        iri=iri,
        label=names[iri],
        concepts=_terms(found, "concept", names),
        activities=_terms(found, "activity", names),
    )


def _recipient(iri: str, found: Rows, names: Labels) -> models.Recipient:
    uses = {(row["activity"], row["role"]) for row in found}
    return models.Recipient(
        iri=iri,
        label=names[iri],
        uses=[
            models.RecipientUse(activity=Term(iri=a, label=names[a]), role=Term(iri=r, label=names[r]))
            for a, r in sorted(uses)
        ],
    )


def _right(iri: str, found: Rows, names: Labels) -> models.Right:
    return models.Right(
        iri=iri,
        label=names[iri],
        articles=_terms(found, "article", names),
        conditions=_first(found, "conditions"),
        deadline=None if _first(found, "deadline") is None else str(_first(found, "deadline")),
        deadlineLabel=_first(found, "deadlineLabel"),
        exercisedAt=term(_first(found, "exercisedAt"), names),
        contact=_first(found, "contact"),
        address=_first(found, "address"),
    )


def _contact(iri: str, found: Rows, names: Labels) -> models.Contact:
    return models.Contact(
        iri=iri,
        label=names[iri],
        roles=distinct(found, "role"),
        contacts=distinct(found, "contact"),
        addresses=distinct(found, "address"),
    )


def _retention(iri: str, found: Rows, names: Labels) -> models.Retention:
    periods = [
        models.RetentionPeriod(
            iri=period,
            label=names[period],
            kind=term(_first([r for r in found if r["retention"] == period], "durationKind"), names),
        )
        for period in distinct(found, "retention")
    ]
    return models.Retention(activity=Term(iri=iri, label=names[iri]), periods=periods)


def _change(iri: str, found: Rows, names: Labels) -> models.Change:
    notice = str(_first(found, "notice"))
    return models.Change(
        iri=iri,
        label=names[iri],
        notice=Term(iri=notice, label=names[notice]),
        date=None if _first(found, "date") is None else str(_first(found, "date")),
        description=_first(found, "description"),
    )


@dataclass(frozen=True)
class Listing:
    """A listing: its path, named query, the variable naming its resources, the IRI columns to label."""

    path: str
    query: str
    key: str
    model: type[BaseModel]
    build: Callable[[str, Rows, Labels], BaseModel]
    iri_columns: tuple[str, ...]
    summary: str
    tag: str


LISTINGS = (
    Listing(
        "/transfers",
        "transfers",
        "transfer",
        models.Transfer,
        _transfer,
        ("transfer", "activity", "country", "transferBasis", "safeguard", "likelihood"),
        "Third-country transfers: which activities, to where, on which bases and safeguards",
        "transfers",
    ),
    Listing(
        "/categories",
        "categories",
        "category",
        models.Category,
        _category,
        ("category", "concept", "activity"),
        "Data categories, their DPV concepts and the activities using them",
        "categories",
    ),
    Listing(
        "/recipients",
        "recipients",
        "recipient",
        models.Recipient,
        _recipient,
        ("recipient", "activity", "role"),
        "Recipients, with the activities that share data with them and how",
        "recipients",
    ),
    Listing(
        "/rights",
        "rights",
        "right",
        models.Right,
        _right,
        ("right", "article", "exercisedAt"),
        "Rights: article, conditions, deadline, where to exercise them",
        "rights",
    ),
    Listing(
        "/contacts",
        "contacts",
        "entity",
        models.Contact,
        _contact,
        ("entity",),
        "Controller, joint controllers, DPO and supervisory authority",
        "contacts",
    ),
    Listing(
        "/retention",
        "retention",
        "activity",
        models.Retention,
        _retention,
        ("activity", "retention", "durationKind"),
        "Retention of each activity",
        "retention",
    ),
    Listing(
        "/changes",
        "changes",
        "change",
        models.Change,
        _change,
        ("change", "notice"),
        "Change history of the notices",
        "changes",
    ),
)


def _listing_route(listing: Listing) -> None:
    async def endpoint(
        request: Request,
        response: Response,
        lang: str | None = LangParam,
        limit: int = LimitParam,
        offset: int = OffsetParam,
    ) -> dict[str, Any]:
        language = lang_of(request, lang)
        total, used, keys, found = await keyed_page(
            request, listing.query, listing.key, {"lang": language}, limit, offset
        )
        names = await labels(request, iris_in(found, *listing.iri_columns), language)
        items = [listing.build(key, rows_, names) for key, rows_ in grouped(keys, listing.key, found)]
        return {
            "lang": language,
            "query": listing.query,
            "total": total,
            "limit": used,
            "offset": offset,
            "count": len(items),
            "next": next_url(request, response, len(items), total, offset, used),
            "items": items,
        }

    name = f"list_{listing.query.replace('-', '_')}"
    endpoint.__name__ = name
    router.add_api_route(
        listing.path,
        endpoint,
        methods=["GET"],
        summary=listing.summary,
        tags=[listing.tag],
        response_model=Page[listing.model],  # type: ignore[name-defined]  # a model chosen at import time, one route per listing
        operation_id=name,
    )


for _listing in LISTINGS:
    _listing_route(_listing)
