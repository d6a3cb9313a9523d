"""``/v1/corpus``: the observatory's matrix (:mod:`dpv_almi.web.observatory`) as JSON, sorted as asked."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request

from dpv_almi.validation.matrix import SORT_KEYS
from dpv_almi.web.observatory import Corpus, check_sort, corpus_answer, corpus_matrix, default_order
from dpv_almi.web.routers.v1.common import LangParam, lang_of

router = APIRouter(tags=["corpus"])

SortParam = Query(
    "score",
    max_length=100,
    description=f"Column to sort by: {', '.join(SORT_KEYS)}, or a requirement's id (missing first)",
)
OrderParam = Query(None, description="asc or desc (default: desc for counts and scores, asc for names)")


@router.get(
    "/corpus",
    response_model=Corpus,
    operation_id="get_corpus",
    summary="The observatory: each policy against each GDPR Art. 13/14 requirement (met, vague, missing)",
)
async def get_corpus(
    request: Request,
    lang: str | None = LangParam,
    sort: str = SortParam,
    order: Literal["asc", "desc"] | None = OrderParam,
) -> Corpus:
    language = lang_of(request, lang)
    key = check_sort(sort)
    matrix = await corpus_matrix(request)
    return corpus_answer(matrix, language, key, order or default_order(key))
