"""The observatory -- every served policy against the GDPR Art. 13/14 requirements: the matrix and its answer,
shared by ``/v1/corpus`` (:mod:`dpv_almi.web.routers.v1.corpus`) and the corpus page.

Each policy's graph comes from the ``policy-graph`` named query through the one runner (what is
served, whatever the backend); :func:`dpv_almi.validation.validate` runs on it alone, in a thread,
and the row it gives (:mod:`dpv_almi.validation.matrix`) is kept by (data version, policy): the
matrix is computed once per data version, and concurrent first requests wait for one computation.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request
from pydantic import Field
from rdflib import Graph

from dpv_almi.errors import DpvAlmiError, InputError
from dpv_almi.namespaces import GRAPH
from dpv_almi.store.dataset import QueryJob
from dpv_almi.validation.core import validate
from dpv_almi.validation.matrix import (
    SORT_KEYS,
    Matrix,
    PolicyRow,
    Requirement,
    Status,
    organisation,
    policy_row,
    requirements,
)
from dpv_almi.web import deps
from dpv_almi.web.models import Model
from dpv_almi.web.named_queries import bound_text

SCORE_DEFINITION = {
    "en": "Completeness = 100 × (met + vague ÷ 2) ÷ requirements. A missing requirement (a Violation of its shape) "
    "costs 100 ÷ requirements points, a vague one (a Warning) half that; met means the shape has no result, "
    "which includes requirements that do not apply to the notice.",
    "sv": "Fullständighet = 100 × (uppfyllda + vaga ÷ 2) ÷ krav. Ett saknat krav (en överträdelse av dess form) "
    "kostar 100 ÷ krav poäng, ett vagt (en varning) hälften; uppfyllt betyder att formen inte gav något resultat, "
    "vilket också gäller krav som inte är tillämpliga på informationen.",
}

CONCURRENT_VALIDATIONS = 2
"""Policies fetched and validated at once: the validations hold the GIL, more would only queue."""


@functools.cache
def packaged_requirements() -> tuple[Requirement, ...]:
    return tuple(requirements())


# ---- computing the matrix, once per data version -----------------------------------------------


@dataclass
class _Kept:
    """One app's rows by (data version, policy) -- None for a graph without triples -- and matrices by
    data version.  Kept per app: two apps in one process (the tests) may serve the same data with
    other limits."""

    rows: dict[tuple[str, str], PolicyRow | None] = field(default_factory=dict)
    matrices: dict[str, Matrix] = field(default_factory=dict)
    locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = field(
        default_factory=weakref.WeakKeyDictionary
    )


_KEPT: weakref.WeakKeyDictionary[object, _Kept] = weakref.WeakKeyDictionary()
KEEP_VERSIONS = 2
"""Data versions whose matrix is kept (the current one and the one before, while a reload settles)."""


def _kept(request: Request) -> _Kept:
    app = request.app
    kept = _KEPT.get(app)
    if kept is None:
        kept = _KEPT[app] = _Kept()
    return kept


def _row(policy: str, ntriples: str, reqs: tuple[Requirement, ...]) -> PolicyRow | None:
    graph = Graph().parse(data=ntriples, format="nt")
    if not len(graph):
        return None
    try:
        report = validate(graph)
    except InputError:  # nothing the shapes can read: not a notice
        return None
    return policy_row(policy, report, reqs, organisation(graph, policy))


async def _policy_row(request: Request, version: str, policy: str, gate: asyncio.Semaphore) -> PolicyRow | None:
    rows = _kept(request).rows
    key = (version, policy)
    if key not in rows:
        async with gate:
            text = bound_text(request, "policy-graph", {"graph": str(GRAPH[policy])})
            max_rows = deps.settings(request).max_rows
            outcome = await deps.run(
                request, QueryJob(text=text, graph_type="application/n-triples", max_rows=max_rows)
            )
            if outcome.truncated:  # a part of a notice would be judged as the whole
                raise DpvAlmiError(
                    503,
                    f"Policy {policy!r} has more than {max_rows} triples, the most a query returns (max-rows), "
                    "so it cannot be validated whole; raise max-rows (DPV_ALMI_MAX_ROWS).",
                    "Policy too large to validate",
                )
            rows[key] = await asyncio.to_thread(_row, policy, outcome.body.decode(), packaged_requirements())
    return rows[key]


def _forget_old(kept: _Kept, version: str) -> None:
    for old in list(kept.matrices)[:-KEEP_VERSIONS]:
        del kept.matrices[old]
    versions = set(kept.matrices) | {version}
    for key in [key for key in kept.rows if key[0] not in versions]:
        del kept.rows[key]


async def corpus_matrix(request: Request) -> Matrix:
    """The matrix of every policy served now (computed on first use per data version)."""
    info = deps.data(request)
    version = info.version
    kept = _kept(request)
    if version in kept.matrices:
        return kept.matrices[version]
    lock = kept.locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        if version not in kept.matrices:
            gate = asyncio.Semaphore(CONCURRENT_VALIDATIONS)
            found = await asyncio.gather(*(_policy_row(request, version, p, gate) for p in sorted(info.policies)))
            kept.matrices[version] = Matrix(packaged_requirements(), tuple(r for r in found if r is not None), version)
            _forget_old(kept, version)
    return kept.matrices[version]


def check_sort(sort: str) -> str:
    """*sort* if the matrix can be sorted by it (400 otherwise, naming the keys)."""
    known = [*SORT_KEYS, *(r.id for r in packaged_requirements())]
    if sort not in known:
        raise DpvAlmiError(400, f"Cannot sort by {sort!r}; sort by one of: {', '.join(known)}.", "Unknown sort key")
    return sort


DEFAULT_ORDER = {"organisation": "asc", "policy": "asc"}
"""Names sort A-Z by default, counts and scores from the highest, a requirement's column missing first."""


def default_order(sort: str) -> Literal["asc", "desc"]:
    if sort in DEFAULT_ORDER or sort in {r.id for r in packaged_requirements()}:
        return "asc"
    return "desc"


# ---- the answer ---------------------------------------------------------------------------------


StatusName = Literal["met", "vague", "missing"]


class RequirementOut(Model):
    """A column: one requirement (a shape of the transparency shapes) and how many policies meet it."""

    id: str = Field(description="The shape's local name (dpvs:A13-1-a-Controller → A13-1-a-Controller)")
    iri: str
    article: str = Field(description="The GDPR provision the shape cites, e.g. 'Art. 13(1)(a)'")
    label: str = Field(description="What the requirement asks, in the answer's language")
    severity: Literal["violation", "warning"] = Field(
        description="The shape's severity: a violation makes the cell missing, a warning vague"
    )
    met: int
    vague: int
    missing: int


class CellOut(Model):
    requirement: str
    status: StatusName
    results: int = Field(description="Results of the requirement's shape for this policy (resources failing it)")


class LostPoints(Model):
    requirement: str
    status: StatusName
    points: float = Field(description="Points of the score this cell costs")


class PolicyOut(Model):
    """A row: one policy, its organisation, its cells, counts, score and what the score lost."""

    id: str
    graph: str
    organisation: str = Field(description="The controller's name (dpv:hasName or label); the policy id without one")
    notice: str | None = None
    language: str | None = Field(None, description="The notice's dct:language, when it states one")
    processes: int = Field(description="dpv:Process resources in the policy's graph")
    score: float = Field(description="Completeness, 0-100 (scoreDefinition)")
    met: int
    vague: int
    missing: int
    violations: int = Field(description="Every Violation result of the policy (all packaged shapes)")
    warnings: int
    infos: int
    cells: list[CellOut]
    lost: list[LostPoints] = Field(description="The cells not met, with the points each costs; the costliest first")
    validation: str = Field(description="The policy's full validation report (HTML)")


class Totals(Model):
    met: int
    vague: int
    missing: int


class Corpus(Model):
    lang: str
    version: str = Field(description="The data version the matrix was computed for")
    sort: str
    order: Literal["asc", "desc"]
    scoreDefinition: str
    policies: int
    meanScore: float | None = Field(description="Mean completeness over the policies; null without any")
    totals: Totals = Field(description="Cells of each status over the matrix")
    requirements: list[RequirementOut]
    items: list[PolicyOut]


def corpus_answer(matrix: Matrix, lang: str, sort: str, order: Literal["asc", "desc"]) -> Corpus:
    rows = matrix.sorted_rows(sort, descending=order == "desc")
    totals = matrix.totals()
    return Corpus(
        lang=lang,
        version=matrix.version,
        sort=sort,
        order=order,
        scoreDefinition=SCORE_DEFINITION[lang],
        policies=len(rows),
        meanScore=round(sum(r.score for r in rows) / len(rows), 1) if rows else None,
        totals=Totals(met=totals[Status.MET], vague=totals[Status.VAGUE], missing=totals[Status.MISSING]),
        requirements=[
            RequirementOut(
                id=r.id,
                iri=r.iri,
                article=r.article,
                label=r.label(lang),
                severity="violation" if r.unmet == Status.MISSING else "warning",
                met=matrix.tallies[r.id][Status.MET],
                vague=matrix.tallies[r.id][Status.VAGUE],
                missing=matrix.tallies[r.id][Status.MISSING],
            )
            for r in matrix.requirements
        ],
        items=[
            PolicyOut(
                id=row.policy,
                graph=str(GRAPH[row.policy]),
                organisation=row.organisation.name,
                notice=row.organisation.notice,
                language=row.organisation.language,
                processes=row.organisation.processes,
                score=row.score,
                met=row.count(Status.MET),
                vague=row.count(Status.VAGUE),
                missing=row.count(Status.MISSING),
                violations=row.violations,
                warnings=row.warnings,
                infos=row.infos,
                cells=[CellOut(requirement=c.requirement, status=c.status.value, results=c.results) for c in row.cells],
                lost=[
                    LostPoints(requirement=c.requirement, status=c.status.value, points=points)
                    for c, points in row.explanation()
                ],
                validation=f"/validation?policy={row.policy}&lang={lang}",
            )
            for row in rows
        ],
    )
