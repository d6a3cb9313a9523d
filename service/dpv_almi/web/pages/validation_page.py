"""``/validation``: the SHACL report of a served policy, grouped by GDPR article and severity.

The policy's triples come from the ``policy-graph`` named query through the one runner (so the page
validates what is served, whatever the store backend), and the report is
:func:`dpv_almi.validation.core.validate` on them, computed once per (data version, policy, language) in
a thread and kept: validation is not reimplemented here, and the event loop never runs it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from rdflib import Graph

from dpv_almi.store.dataset import QueryJob
from dpv_almi.validation.core import Report, Severity, ValidationResult, validate
from dpv_almi.web import deps
from dpv_almi.web.named_queries import bound_text
from dpv_almi.web.pages.common import UI, PageLangParam, page_language, policy_graph, render

router = APIRouter(include_in_schema=False)

_ARTICLE = re.compile(r"^\s*(Art\.[^:]+):")
_CITED = re.compile(r"\bArt\.\s*\d+[^;.]*")


def article_of(result: ValidationResult) -> str | None:
    """The GDPR provision a result is about: the head of its rule's label ("Art. 13(1)(a)"), else the
    first article its message cites, else None."""
    match = _ARTICLE.match(result.rule.label)
    if match:
        return match.group(1).strip()
    cited = _CITED.search(result.message)
    return cited.group(0).strip() if cited else None


@dataclass
class ArticleGroup:
    """The results about one provision, by severity, most severe first."""

    article: str
    by_severity: dict[Severity, list[ValidationResult]] = field(default_factory=dict)

    @property
    def worst(self) -> Severity:
        return max(self.by_severity)


def group_by_article(report: Report, other: str) -> list[ArticleGroup]:
    """Groups in the order of the worst severity, then of the provision's text."""
    groups: dict[str, ArticleGroup] = {}
    for result in report.results:
        article = article_of(result) or other
        group = groups.setdefault(article, ArticleGroup(article))
        group.by_severity.setdefault(result.severity, []).append(result)
    for group in groups.values():
        group.by_severity = dict(sorted(group.by_severity.items(), key=lambda item: -item[0]))
    return sorted(groups.values(), key=lambda g: (-g.worst, _natural(g.article)))


def _natural(text: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


_CACHE: dict[tuple[str, str, str], Report] = {}
"""Reports by (data version, policy graph, language). No lock: two first requests racing would
only validate twice, and a module-level asyncio lock would be tied to one event loop."""


async def policy_report(request: Request, graph: str, lang: str) -> Report:
    """The report of the policy in *graph*, in *lang*; validated once per data version."""
    key = (deps.data(request).version, graph, lang)
    if key not in _CACHE:
        text = bound_text(request, "policy-graph", {"graph": graph})
        outcome = await deps.run(
            request, QueryJob(text=text, graph_type="application/n-triples", max_rows=deps.settings(request).max_rows)
        )
        data = Graph().parse(data=outcome.body.decode(), format="nt")
        _CACHE[key] = await asyncio.to_thread(validate, data, lang=lang)
    return _CACHE[key]


@router.get("/validation", response_class=HTMLResponse, summary="The SHACL validation report, by article and severity")
async def validation_page(
    request: Request, lang: str | None = PageLangParam, policy: str | None = Query(None)
) -> HTMLResponse:
    language = page_language(request, lang)
    report = await policy_report(request, policy_graph(request, policy), language)
    counts = {severity: report.count(severity) for severity in sorted(Severity, reverse=True)}
    return render(
        request,
        "validation.html",
        language,
        {
            "report": report,
            "counts": counts,
            "groups": group_by_article(report, UI[language]["other_requirements"]),
        },
    )
