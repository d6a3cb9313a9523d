"""The observatory's matrix: policies × the GDPR Art. 13/14 requirements, from each policy's SHACL report.

A *requirement* is a shape of ``shapes/gdpr-transparency.ttl`` whose label cites an article
("Art. 13(1)(a): …") and whose severity is Violation or Warning: what the notice must give.  The
Info shapes of that file are good practice, not requirements: they are counted, never scored.

A *cell* is one policy and one requirement, computed from the results of
:func:`dpv_almi.validation.validate` run on that policy's graph alone:

* ``missing`` -- the requirement's shape (a Violation shape) has at least one result: unmet in the data;
* ``vague`` -- the shape (a Warning shape) has at least one result: met only vaguely;
* ``met`` -- the shape has no result.  This includes requirements that do not apply to the notice
  (no transfer, so nothing to say about safeguards): SHACL says nothing about what it did not find.

The *completeness score* of a policy (0-100) is the share of requirements met, a vague one counting
half: ``100 * (met + vague / 2) / requirements``.  Every point lost is one cell: a missing
requirement costs ``100 / requirements``, a vague one half that (:meth:`PolicyRow.explanation`).

Nothing here assumes the structure of one notice: the organisation is whoever the notice names as
controller (``dpv:hasDataController``, its ``dpv:hasName`` or label), the activities are the
``dpv:Process`` resources of the graph.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from dpv_almi import resources
from dpv_almi.namespaces import DPV, DPVA
from dpv_almi.validation.core import Report, Severity, local_name

TRANSPARENCY_SHAPES = "gdpr-transparency.ttl"
_ARTICLE = re.compile(r"^\s*(Art\.[^:]+):\s*(.*)$")
LANGUAGES = ("en", "sv")
NOTICE_CLASSES = (DPV.PrivacyNotice, DPV.Notice)


class Status(enum.StrEnum):
    """A cell: the requirement met, met only vaguely (a Warning result) or missing (a Violation result)."""

    MET = "met"
    VAGUE = "vague"
    MISSING = "missing"


@dataclass(frozen=True)
class Requirement:
    """One Art. 13/14 requirement: a shape of the transparency shapes, its article and labels."""

    id: str
    iri: str
    article: str
    labels: Mapping[str, str]
    """The shape's label per language, without the article ("the controller is named")."""
    severity: Severity

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id

    @property
    def unmet(self) -> Status:
        """What a result of this requirement's shape makes the cell."""
        return Status.MISSING if self.severity == Severity.VIOLATION else Status.VAGUE


def transparency_shapes_path() -> Path:
    return resources.shapes_dir() / TRANSPARENCY_SHAPES


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    out: dict[str, str] = {}
    for literal in sorted(graph.objects(subject, predicate), key=str):
        if isinstance(literal, Literal):
            out.setdefault(literal.language or "", str(literal))
    return out


def requirements(shapes: Graph | None = None) -> list[Requirement]:
    """The requirements of the transparency shapes (*shapes*: that file parsed, by default the packaged one),
    in the order of the articles (13(1)(a) … 14(2)(f)), then of the shapes' ids."""
    graph = shapes if shapes is not None else Graph().parse(transparency_shapes_path(), format="turtle")
    found: list[Requirement] = []
    for shape in set(graph.subjects(SH.severity, None)):
        if not isinstance(shape, URIRef):
            continue
        severity = Severity.from_iri(graph.value(shape, SH.severity))
        if severity == Severity.INFO:
            continue
        labels = _texts(graph, shape, RDFS.label)
        match = _ARTICLE.match(labels.get("en", ""))
        if match is None:
            continue
        plain = {}
        for lang, text in labels.items():
            head = _ARTICLE.match(text)
            plain[lang] = head.group(2) if head else text
        found.append(Requirement(local_name(shape), str(shape), match.group(1).strip(), plain, severity))
    return sorted(found, key=lambda r: (_natural(r.article), r.id))


def _natural(text: str) -> list[object]:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class Cell:
    """One policy against one requirement: the status and the results behind it."""

    requirement: str
    status: Status
    results: int = 0
    """How many results of the requirement's shape the policy has (one per resource that fails it)."""


@dataclass(frozen=True)
class Organisation:
    """Who a policy is from, read from its graph."""

    name: str
    notice: str | None = None
    processes: int = 0
    language: str | None = None


@dataclass(frozen=True)
class PolicyRow:
    """One policy's row: its cells, their counts, its score and every result's severity count."""

    policy: str
    organisation: Organisation
    cells: tuple[Cell, ...]
    violations: int
    warnings: int
    infos: int

    def count(self, status: Status) -> int:
        return sum(1 for cell in self.cells if cell.status == status)

    @property
    def score(self) -> float:
        """``100 * (met + vague / 2) / requirements``, one decimal (see the module docstring)."""
        if not self.cells:
            return 100.0
        return round(100 * (self.count(Status.MET) + self.count(Status.VAGUE) / 2) / len(self.cells), 1)

    def cell(self, requirement: str) -> Cell:
        return next(cell for cell in self.cells if cell.requirement == requirement)

    def explanation(self) -> list[tuple[Cell, float]]:
        """Each cell not met with the points it costs the score, the costliest first."""
        weight = 100 / len(self.cells) if self.cells else 0.0
        lost = [
            (cell, round(weight if cell.status == Status.MISSING else weight / 2, 2))
            for cell in self.cells
            if cell.status != Status.MET
        ]
        return sorted(lost, key=lambda item: -item[1])


def described_elsewhere(graph: Graph, process: Node) -> bool:
    """True for a process whose information is given elsewhere (``dpv:hasNotice`` a
    ``dpva:InformationElsewhere``), which the shapes' ``dpvs:ProcessOfNotice`` leaves out."""
    return any(
        (notice, RDF.type, DPVA.InformationElsewhere) in graph for notice in graph.objects(process, DPV.hasNotice)
    )


def organisation(graph: Graph, fallback: str) -> Organisation:
    """The controller's name, the notice and its number of activities (``dpv:Process``, but not one whose
    information is given elsewhere), from *graph*."""
    notices = sorted({s for cls in NOTICE_CLASSES for s in graph.subjects(RDF.type, cls)}, key=str)
    processes = sum(
        1 for process in set(graph.subjects(RDF.type, DPV.Process)) if not described_elsewhere(graph, process)
    )
    notice = notices[0] if notices else None
    name = None
    language = None
    for candidate in notices:
        language = language or _first(graph.objects(candidate, DCTERMS.language))
        for controller in sorted(graph.objects(candidate, DPV.hasDataController), key=str):
            name = name or _name(graph, controller)
    return Organisation(name or fallback, str(notice) if notice is not None else None, processes, language)


def _first(values: Iterable[Node]) -> str | None:
    texts = sorted(str(v) for v in values)
    return texts[0] if texts else None


def _name(graph: Graph, node: Node) -> str | None:
    for predicate in (DPV.hasName, SKOS.prefLabel, RDFS.label):
        values = sorted(graph.objects(node, predicate), key=lambda v: (getattr(v, "language", None) != "en", str(v)))
        if values:
            return str(values[0])
    return None


def policy_row(policy: str, report: Report, reqs: Iterable[Requirement], org: Organisation) -> PolicyRow:
    """The row of *policy* from its *report* (results of other shapes count only in the totals)."""
    per_rule: dict[str, int] = {}
    for result in report.results:
        per_rule[result.rule.id] = per_rule.get(result.rule.id, 0) + 1
    cells = tuple(Cell(r.id, r.unmet if per_rule.get(r.id) else Status.MET, per_rule.get(r.id, 0)) for r in reqs)
    return PolicyRow(
        policy,
        org,
        cells,
        report.count(Severity.VIOLATION),
        report.count(Severity.WARNING),
        report.count(Severity.INFO),
    )


@dataclass(frozen=True)
class Matrix:
    """The corpus: requirements as columns, one row per policy."""

    requirements: tuple[Requirement, ...]
    rows: tuple[PolicyRow, ...]
    version: str = ""
    tallies: dict[str, dict[Status, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for requirement in self.requirements:
            counts = dict.fromkeys(Status, 0)
            for row in self.rows:
                counts[row.cell(requirement.id).status] += 1
            self.tallies[requirement.id] = counts

    def totals(self) -> dict[Status, int]:
        """Cells of each status over the whole matrix."""
        return {status: sum(row.count(status) for row in self.rows) for status in Status}

    def sorted_rows(self, key: str = "score", descending: bool = False) -> list[PolicyRow]:
        """Rows by *key* (:data:`SORT_KEYS` or a requirement id: missing, then vague, then met), ties by policy id."""
        rows = sorted(self.rows, key=lambda row: row.policy)
        if key in ("policy", "organisation"):
            rows.sort(key=lambda row: row.organisation.name.casefold() if key == "organisation" else row.policy)
        elif key in _NUMERIC:
            rows.sort(key=_NUMERIC[key])
        elif key in self.tallies:
            order = {Status.MISSING: 0, Status.VAGUE: 1, Status.MET: 2}
            rows.sort(key=lambda row: (order[row.cell(key).status], -row.cell(key).results))
        else:
            raise KeyError(key)
        if descending:
            rows.reverse()
        return rows

    def sort_keys(self) -> list[str]:
        return [*SORT_KEYS, *self.tallies]


_NUMERIC = {
    "score": lambda row: row.score,
    "met": lambda row: row.count(Status.MET),
    "vague": lambda row: row.count(Status.VAGUE),
    "missing": lambda row: row.count(Status.MISSING),
    "violations": lambda row: row.violations,
    "warnings": lambda row: row.warnings,
    "processes": lambda row: row.organisation.processes,
}
SORT_KEYS = ("organisation", "policy", *_NUMERIC)
"""The columns a matrix sorts by, besides each requirement's id."""
