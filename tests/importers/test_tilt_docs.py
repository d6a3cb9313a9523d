"""docs/tilt.md's corpus figures are what the import measures now: each row of its table is rebuilt
from the import of the 61 notices (summaries and Turtle files) and compared, so the docs cannot
drift from the importer (``test_corpus_figures`` pins a few of the same numbers in code only)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import SKOS

from dpv_almi.importers import tilt
from dpv_almi.namespaces import DPV, EU_GDPR, LOC


def figures_table(repo_root: Path) -> dict[str, str]:
    """The rows of the table under "## Corpus figures": first cell → second cell."""
    text = (repo_root / "docs" / "tilt.md").read_text(encoding="utf-8")
    section = text.split("## Corpus figures", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 2 and cells[0] and not set(cells[0]) <= {"-"}:
            rows[re.sub(r"\s*\(.*", "", cells[0])] = cells[1]
    return rows


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %"


def test_the_docs_corpus_figures_are_measured(
    repo_root: Path, imported: tuple[Path, list[tilt.Summary]], corpus: dict[str, Any]
) -> None:
    out, summaries = imported
    rows = figures_table(repo_root)

    languages = Counter(document["meta"]["language"] for document in corpus.values())
    assert rows["notices"] == f"{len(corpus)} ({languages['de']} German, {languages['en']} English)"

    assert rows["processes"] == str(sum(s.processes for s in summaries))

    categories, specific = sum(s.categories for s in summaries), sum(s.categories_specific for s in summaries)
    assert rows["categories"].startswith(f"{categories}, of which **{specific} ({percent(specific, categories)})**")
    assert f", {categories - specific} only under `dpv:PersonalData`" in rows["categories"]

    purposes, purposes_specific = sum(s.purposes for s in summaries), sum(s.purposes_specific for s in summaries)
    assert rows["purposes"] == (
        f"{purposes}, of which **{purposes_specific} ({percent(purposes_specific, purposes)})** under a specific DPV purpose"
    )

    statements, normalised = sum(s.basis_statements for s in summaries), sum(s.bases_normalised for s in summaries)
    bases = Counter(basis for s in summaries for basis in s.legal_bases)
    by_basis = ", ".join(
        f"{name.removeprefix('eu-gdpr:')} {n}" for name, n in sorted(bases.items(), key=lambda i: -i[1])
    )
    assert rows["legal-basis statements"] == (
        f"{statements}, of which **{normalised} normalised** to `eu-gdpr:` IRIs ({sum(bases.values())} distinct "
        f"process × basis pairs in {sum(1 for s in summaries if s.legal_bases)} notices: {by_basis}); "
        f"**{statements - normalised} kept as text**"
    )

    transfers = notices = scc = adequacy = 0
    third: Counter[str] = Counter()
    for summary in summaries:
        graph = Graph().parse(out / f"{summary.policy}.ttl", format="turtle")
        found = set(graph.subjects(SKOS.broader, DPV.CrossBorderTransfer))
        transfers, notices = transfers + len(found), notices + bool(found)
        for transfer in found:
            third.update(str(c).removeprefix(str(LOC)) for c in graph.objects(transfer, DPV.hasThirdCountry))
            scc += (transfer, DPV.hasOrganisationalMeasure, EU_GDPR.SCCByCommission) in graph and (
                transfer,
                DPV.hasLegalBasis,
                EU_GDPR["A46-2-c"],
            ) in graph
            adequacy += (transfer, DPV.hasLegalBasis, EU_GDPR["A45-3"]) in graph
    named = ", ".join(f"{code} {n}" for code, n in sorted(third.items(), key=lambda i: (-i[1], i[0])))
    assert rows["transfers"] == (
        f"{transfers} in {notices} notices; third countries named: {named}; "
        f"`eu-gdpr:A46-2-c` + SCCs {scc}, `eu-gdpr:A45-3` {adequacy}"
    )

    countries_as_text = sum(1 for s in summaries for pointer, _ in s.kept_as_text if pointer.endswith("/country"))
    assert rows["countries kept as text"].startswith(f"{countries_as_text} (")
    assert rows["schema deviations tolerated"].startswith(f"{sum(s.deviations for s in summaries):,} ")
    assert rows["triples"] == f"about {round(sum(s.triples for s in summaries), -2):,}"
