"""What every v1 router shares: the language and paging parameters, pages and keyed pages of a named query's rows
(the query itself runs through :mod:`dpv_almi.web.named_queries`)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Query, Request, Response

from dpv_almi.store.dataset import QueryJob
from dpv_almi.web import deps
from dpv_almi.web.named_queries import bound_text, simplify
from dpv_almi.web.negotiation import language

LangParam = Query(None, pattern="^(sv|en)$", description="Language of labels (overrides Accept-Language)")

DEFAULT_LIMIT = 100
"""The page size of every listing when ``limit`` is not given."""

MAX_OFFSET = 1_000_000_000
"""Largest ``offset``: beyond any listing, and small enough for every store's integer arithmetic."""


def lang_of(request: Request, lang: str | None) -> str:
    return language(request.headers.get("accept-language"), lang)


_HEAD = re.compile(r"^\s*SELECT\s+(?:\?\w+\s+)+WHERE\s*\{", re.IGNORECASE | re.MULTILINE)
_ORDER_BY = re.compile(r"\}\s*ORDER\s+BY\b[^{}]*$", re.IGNORECASE)

MAX_PAGE = 10_000
"""Largest ``limit`` of a listing page (the default ``max-rows`` too: one page is one uncapped answer)."""

LimitParam = Query(
    DEFAULT_LIMIT, ge=1, le=MAX_PAGE, description=f"Page size (default {DEFAULT_LIMIT}, at most {MAX_PAGE})"
)
OffsetParam = Query(0, ge=0, le=MAX_OFFSET, description="Items to skip (the next page's offset is in `next`)")


def page_texts(text: str, limit: int, offset: int) -> tuple[str, str]:
    """(one page of the listing query *text*, the number of all its rows): both asked of the store, so
    neither the service nor the wire ever holds more than a page.

    A listing query is ``SELECT ?a ?b … WHERE { … } ORDER BY …`` whose ORDER BY orders every row
    (stable pages).  Its rows are counted as ``SELECT (COUNT(*) …) WHERE { … }`` -- the same pattern,
    without the ORDER BY: a plain projection keeps every solution, so the count is the number of
    rows.  Not a sub-select: Virtuoso's cost model overflows its stack on these as sub-selects."""
    head = _HEAD.search(text)
    order = _ORDER_BY.search(text)
    assert head is not None and order is not None, "a listing is SELECT ?vars WHERE { … } ORDER BY …"  # noqa: S101 - an invariant for the type checker, not an input check
    count = text[: head.start()] + "SELECT (COUNT(*) AS ?total) WHERE {" + text[head.end() : order.start()] + "}\n"
    return f"{text.rstrip()}\nLIMIT {limit}\nOFFSET {offset}\n", count


async def page(
    request: Request, name: str, values: dict[str, Any], limit: int, offset: int
) -> tuple[int, int, list[dict[str, Any]]]:
    """(total rows, the page size used, the rows of one page) of REST query *name*: LIMIT/OFFSET and
    COUNT run in the store.  A page is never larger than the row cap, so it is never truncated.
    A page that is not full tells the total itself (the usual short listing: one query, not two)."""
    max_rows = deps.settings(request).max_rows
    limit = min(limit, max_rows)
    page_text, count_text = page_texts(bound_text(request, name, values), limit, offset)
    found = await deps.run(request, QueryJob(text=page_text, table=True, max_rows=max_rows))
    assert found.table is not None  # noqa: S101 - an invariant for the type checker, not an input check
    items = simplify(found.table)
    if len(items) < limit and (items or offset == 0):
        return offset + len(items), limit, items
    counted = await deps.run(request, QueryJob(text=count_text, table=True, max_rows=1))
    assert counted.table is not None  # noqa: S101 - an invariant for the type checker, not an input check
    return int(simplify(counted.table)[0]["total"]), limit, items


def paged(
    request: Request,
    response: Response,
    items: list[dict[str, Any]],
    total: int,
    offset: int,
    limit: int,
    **fields: Any,
) -> dict[str, Any]:
    """A page of a listing: ``total``, ``offset``, ``limit``, ``count``, ``items`` and ``next`` (the next
    page's URL, also as a ``Link: rel="next"`` header; null on the last page)."""
    following = None
    if offset + len(items) < total:
        following = str(request.url.include_query_params(offset=offset + limit, limit=limit))
        response.headers["Link"] = f'<{following}>; rel="next"'
    return {
        **fields,
        "total": total,
        "offset": offset,
        "limit": limit,
        "count": len(items),
        "items": items,
        "next": following,
    }


def keyed_texts(text: str, key: str, limit: int, offset: int) -> tuple[str, str]:
    """(one page of the distinct ``?key`` resources of listing *text*, their number): a listing counts
    and pages resources, not rows -- one transfer on two legal bases for ten activities is one item."""
    head = _HEAD.search(text)
    order = _ORDER_BY.search(text)
    assert head is not None and order is not None, "a listing is SELECT ?vars WHERE { … } ORDER BY …"  # noqa: S101 - an invariant for the type checker, not an input check
    prologue, body = text[: head.start()], text[head.end() : order.start()]
    keys = f"{prologue}SELECT DISTINCT ?{key} WHERE {{{body}}}\nORDER BY ?{key}\nLIMIT {limit}\nOFFSET {offset}\n"
    count = f"{prologue}SELECT (COUNT(DISTINCT ?{key}) AS ?total) WHERE {{{body}}}\n"
    return keys, count


def restricted_text(text: str, key: str, iris: list[str]) -> str:
    """Listing *text* restricted to the resources *iris* of its ``?key`` (a VALUES block first in WHERE)."""
    head = _HEAD.search(text)
    assert head is not None  # noqa: S101 - checked by keyed_texts on the same text
    values = " ".join(f"<{iri}>" for iri in iris)
    return f"{text[: head.end()]}\n  VALUES ?{key} {{ {values} }}{text[head.end() :]}"


async def keyed_page(
    request: Request, name: str, key: str, values: dict[str, Any], limit: int, offset: int, *, detail: bool = True
) -> tuple[int, int, list[str], list[dict[str, Any]]]:
    """(distinct resources, the page size used, this page's resources in order, all their rows) of
    listing *name*; paged and counted in the store, then the page's rows asked for by VALUES."""
    max_rows = deps.settings(request).max_rows
    limit = min(limit, max_rows)
    text = bound_text(request, name, values)
    keys_text, count_text = keyed_texts(text, key, limit, offset)
    found = await deps.run(request, QueryJob(text=keys_text, table=True, max_rows=max_rows))
    assert found.table is not None  # noqa: S101 - an invariant for the type checker, not an input check
    keys = [row[key] for row in simplify(found.table) if key in row]
    if len(keys) < limit and (keys or offset == 0):
        total = offset + len(keys)
    else:
        counted = await deps.run(request, QueryJob(text=count_text, table=True, max_rows=1))
        assert counted.table is not None  # noqa: S101 - an invariant for the type checker, not an input check
        total = int(simplify(counted.table)[0]["total"])
    if not keys or not detail:
        return total, limit, keys, []
    rows_ = await deps.run(request, QueryJob(text=restricted_text(text, key, keys), table=True, max_rows=max_rows))
    assert rows_.table is not None  # noqa: S101 - an invariant for the type checker, not an input check
    return total, limit, keys, simplify(rows_.table)


def grouped(keys: list[str], key: str, found: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows of each resource, in the page's order."""
    by_key: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
    for row in found:
        if row.get(key) in by_key:
            by_key[row[key]].append(row)
    return list(by_key.items())


def distinct(rows_: list[dict[str, Any]], column: str) -> list[Any]:
    """The values of *column* in *rows_*, each once, in order (unbound left out)."""
    seen: dict[Any, None] = {}
    for row in rows_:
        if column in row:
            seen.setdefault(row[column], None)
    return list(seen)


def iris_in(found: list[dict[str, Any]], *columns: str) -> set[str]:
    return {str(row[c]) for row in found for c in columns if isinstance(row.get(c), str)}


def next_url(request: Request, response: Response, count: int, total: int, offset: int, limit: int) -> str | None:
    """The next page's URL (also a ``Link: rel="next"`` header), or None on the last page."""
    if offset + count >= total:
        return None
    following = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    response.headers["Link"] = f'<{following}>; rel="next"'
    return following
