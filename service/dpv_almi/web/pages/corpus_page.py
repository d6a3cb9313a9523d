"""``/corpus``: the observatory as a page -- every served policy against the GDPR Art. 13/14 requirements.

The matrix is the one ``/v1/corpus`` answers (:func:`dpv_almi.web.observatory.corpus_matrix`:
each policy's own SHACL report, kept per data version); the page sorts it by ``?sort=`` and
``?order=`` links, so it reads and sorts without JavaScript.  An unknown sort key shows the default
order rather than an error: a page reader follows links, not a schema.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from dpv_almi.errors import DpvAlmiError
from dpv_almi.web.observatory import check_sort, corpus_answer, corpus_matrix, default_order
from dpv_almi.web.pages.common import PageLangParam, page_language, render

router = APIRouter(include_in_schema=False)

DEFAULT_SORT = "score"


@router.get("/corpus", response_class=HTMLResponse, summary="The observatory: policies × GDPR Art. 13/14 requirements")
async def corpus_page(
    request: Request,
    lang: str | None = PageLangParam,
    sort: str = Query(DEFAULT_SORT, max_length=100),
    order: str | None = Query(None, max_length=10),
) -> HTMLResponse:
    language = page_language(request, lang)
    try:
        key = check_sort(sort)
    except DpvAlmiError:
        key = DEFAULT_SORT
    direction: Literal["asc", "desc"] = order if order in ("asc", "desc") else default_order(key)  # type: ignore[assignment]  # narrowed by the membership test on the same line
    matrix = await corpus_matrix(request)
    corpus = corpus_answer(matrix, language, key, direction)

    def sort_link(column: str) -> str:
        """The link a column heading sorts by: this column, the other way round if it is the current one."""
        if column == key:
            flipped = "asc" if direction == "desc" else "desc"
            return f"?sort={column}&order={flipped}&lang={language}"
        return f"?sort={column}&lang={language}"

    def aria_sort(column: str) -> str | None:
        if column != key:
            return None
        return "ascending" if direction == "asc" else "descending"

    return render(
        request,
        "corpus.html",
        language,
        {
            "corpus": corpus,
            "sort_link": sort_link,
            "aria_sort": aria_sort,
            "labels": {r.id: r for r in corpus.requirements},
        },
    )
