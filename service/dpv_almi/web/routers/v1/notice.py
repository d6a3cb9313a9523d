"""What the notice states across activities: transfers, categories, recipients, rights, contacts,
retention and change history.  Each is one named query; items are one page of its rows (they grow
with the number of policies, so they are paged in the store like ``/v1/activities``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from dpv_almi.web.routers.v1.common import LangParam, LimitParam, OffsetParam, lang_of, page, paged

router = APIRouter()


def _listing_route(path: str, query: str, summary: str, tag: str) -> None:
    async def endpoint(
        request: Request,
        response: Response,
        lang: str | None = LangParam,
        limit: int = LimitParam,
        offset: int = OffsetParam,
    ) -> dict[str, Any]:
        language = lang_of(request, lang)
        total, used, items = await page(request, query, {"lang": language}, limit, offset)
        return paged(request, response, items, total, offset, used, lang=language, query=query)

    endpoint.__name__ = f"list_{query.replace('-', '_')}"
    router.add_api_route(path, endpoint, methods=["GET"], summary=summary, tags=[tag])


_listing_route(
    "/transfers",
    "transfers",
    "Third-country transfers: which activities, to where, under which safeguards",
    "transfers",
)
_listing_route(
    "/categories", "categories", "Data categories, their DPV concepts and the activities using them", "categories"
)
_listing_route("/recipients", "recipients", "Recipients of each activity, with their role", "recipients")
_listing_route("/rights", "rights", "Rights: article, conditions, deadline, where to exercise them", "rights")
_listing_route("/contacts", "contacts", "Controller, joint controllers, DPO and supervisory authority", "contacts")
_listing_route("/retention", "retention", "Retention of each activity", "retention")
_listing_route("/changes", "changes", "Change history of the notices", "changes")
