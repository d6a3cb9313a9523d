"""The imported corpus beside Almi: validated by ``dpv-almi validate`` and served by one ``dpv-almi serve``."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dpv_almi.cli.main import main
from dpv_almi.importers import tilt
from dpv_almi.namespaces import GRAPH, sparql_prologue
from tests.support.local_service import LocalService, running_service


def test_every_notice_validates_exit_0_or_1_and_no_unknown_terms(imported: tuple[Path, list[tilt.Summary]]) -> None:
    """The real CLI entry point, in process (61 interpreters would cost a minute): never exit 2,
    and the only results are about the notices' content, none about unknown DPV terms."""
    out, summaries = imported
    rules: set[str] = set()
    codes: set[int] = set()
    for summary in summaries:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            code = main(["validate", str(out / f"{summary.policy}.ttl"), "--format", "json"])
        assert code in (0, 1), (summary.policy, buffer.getvalue()[:500])
        codes.add(code)
        report = json.loads(buffer.getvalue())
        rules |= {result["rule"] for result in report["results"]}
    assert not rules & {"KnownDpvTerm", "SunsetDpvTerm", "DefinedCategory"}
    assert "ProcessArt6Basis" in rules  # most disclosures state no legal basis: the shapes say so
    assert codes == {1}  # docs/tilt.md: exit 1 for every notice (TILT has no data subjects, for one)


@pytest.fixture(scope="module")
def corpus_service(
    imported: tuple[Path, list[tilt.Summary]], repo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalService]:
    out, _ = imported
    files = sorted(str(p) for p in out.glob("*.ttl"))
    with running_service(
        tmp_path_factory.mktemp("serve-log"), ["--data", str(repo_root / "ontology"), *files], wait=120
    ) as service:
        yield service


def test_serve_lists_every_policy(corpus_service: LocalService, imported: tuple[Path, list[tilt.Summary]]) -> None:
    _, summaries = imported
    answer = httpx.get(f"{corpus_service.url}/v1/policies", params={"limit": 100}, timeout=30).json()
    ids = {item["id"] for item in answer["items"]}
    assert ids == {s.policy for s in summaries} | {"almi"}


def test_activities_per_policy_match_the_disclosures(
    corpus_service: LocalService, imported: tuple[Path, list[tilt.Summary]]
) -> None:
    _, summaries = imported
    with httpx.Client(base_url=corpus_service.url, timeout=30) as client:
        for summary in summaries:
            answer = client.get("/v1/activities", params={"policy": summary.policy, "limit": 100})
            assert answer.status_code == 200, answer.text
            assert answer.json()["total"] == summary.processes, summary.policy
        consent = client.get("/v1/activities", params={"basis": "consent", "limit": 100}).json()
        assert consent["total"] > 4  # Almi's four and the corpus's
        twitch = client.get("/v1/activities", params={"policy": "twitch-tv", "basis": "consent", "limit": 100}).json()
        assert twitch["total"] == 15


def test_sparql_per_policy_counts(corpus_service: LocalService, imported: tuple[Path, list[tilt.Summary]]) -> None:
    _, summaries = imported
    query = sparql_prologue() + (
        "SELECT ?g (COUNT(DISTINCT ?p) AS ?n) (COUNT(DISTINCT ?c) AS ?countries) WHERE { GRAPH ?g { ?p a dpv:Process "
        "OPTIONAL { ?p dpv:hasProcessing/dpv:hasThirdCountry ?c } } } GROUP BY ?g"
    )
    answer = httpx.get(
        f"{corpus_service.url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in answer.json()["results"]["bindings"]}
    for summary in summaries:
        assert counts.get(str(GRAPH[summary.policy]), 0) == summary.processes, summary.policy
    assert counts[str(GRAPH["almi"])] == 17  # ten activities and seven processes whose information is elsewhere
    us = sparql_prologue() + (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?t skos:broader dpv:CrossBorderTransfer ; dpv:hasThirdCountry loc:US } }"
    )
    rows = httpx.get(
        f"{corpus_service.url}/sparql",
        params={"query": us},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()
    assert {row["g"]["value"].rsplit("/", 1)[-1] for row in rows["results"]["bindings"]} >= {
        "twitch-tv",
        "bvg-de",
        "volkswagen-de",
    }


def test_bases_and_countries_per_notice_as_served(corpus_service: LocalService, corpus: dict[str, Any]) -> None:
    """What the files hold (``test_counts_per_notice``) survives loading: per policy graph, the served
    store answers the disclosures as processes, the same eu-gdpr bases and the same countries."""
    from tests.importers.test_tilt_import import EXPECTED

    query = sparql_prologue() + (
        "SELECT ?g (COUNT(DISTINCT ?p) AS ?processes) (COUNT(DISTINCT ?pair) AS ?bases)"
        ' (GROUP_CONCAT(DISTINCT COALESCE(?code, ""); separator=" ") AS ?countries) WHERE { GRAPH ?g {'
        " { ?p a dpv:Process }"
        " UNION { ?q a dpv:Process ; dpv:hasLegalBasis ?b"
        '         FILTER (STRSTARTS(STR(?b), STR(eu-gdpr:))) BIND (CONCAT(STR(?q), " ", STR(?b)) AS ?pair) }'
        " UNION { ?s dpv:hasCountry|dpv:hasThirdCountry ?c"
        "         FILTER (STRSTARTS(STR(?c), STR(loc:))) BIND (STRAFTER(STR(?c), STR(loc:)) AS ?code) }"
        " } } GROUP BY ?g"
    )
    answer = httpx.get(
        f"{corpus_service.url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    served = {
        row["g"]["value"].rsplit("/", 1)[-1]: (
            int(row["processes"]["value"]),
            int(row["bases"]["value"]),
            " ".join(sorted(row.get("countries", {}).get("value", "").split())),
        )
        for row in answer.json()["results"]["bindings"]
    }
    for policy, document in corpus.items():
        assert served[policy] == EXPECTED[policy], policy
        assert served[policy][0] == len(document["dataDisclosed"]), policy
