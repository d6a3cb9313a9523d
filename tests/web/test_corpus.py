"""``/v1/corpus``: the observatory's matrix, checked against validate() run on each policy's own file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from dpv_almi import resources
from dpv_almi.model.synthetic import write_policies
from dpv_almi.namespaces import DPV
from dpv_almi.validation import validate
from dpv_almi.validation.matrix import requirements
from dpv_almi.web import observatory

pytestmark = pytest.mark.backends("memory", "oxigraph")

FAULTS = {2: "no-controller", 3: "no-purpose"}


@pytest.fixture(scope="session")
def synthetic_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("corpus-synthetic")
    write_policies(3, folder, seed=7, faults=FAULTS)
    return sorted(folder.glob("*.ttl"))


@pytest.fixture(scope="session")
def policy_files(synthetic_files: list[Path]) -> dict[str, Path]:
    """Each policy id and its one data file (Almi's is dpv-almi.ttl)."""
    files = {"almi": resources.ontology_dir() / "dpv-almi.ttl"}
    files.update({path.stem: path for path in synthetic_files})
    return files


@pytest.fixture(scope="session")
def corpus_client(make_client, synthetic_files: list[Path]):
    return make_client([*resources.default_data_files(), *synthetic_files])


@pytest.fixture(scope="session")
def corpus(corpus_client) -> dict:
    response = corpus_client.get("/v1/corpus", params={"lang": "en"})
    assert response.status_code == 200, response.text
    return response.json()


def test_every_policy_is_a_row_and_every_requirement_a_column(corpus: dict, policy_files: dict[str, Path]) -> None:
    assert sorted(item["id"] for item in corpus["items"]) == sorted(policy_files)
    assert corpus["policies"] == len(policy_files)
    ids = [r["id"] for r in corpus["requirements"]]
    assert ids == [r.id for r in requirements()]
    assert len(ids) >= 20
    for requirement in corpus["requirements"]:
        assert requirement["article"].startswith(("Art. 13", "Art. 14")), requirement
        assert requirement["met"] + requirement["vague"] + requirement["missing"] == len(policy_files)
    for item in corpus["items"]:
        assert [c["requirement"] for c in item["cells"]] == ids


def test_each_cell_is_what_validating_that_policy_alone_finds(corpus: dict, policy_files: dict[str, Path]) -> None:
    """The independent path: validate() on the policy's file, not on the served graph."""
    severity = {r["id"]: r["severity"] for r in corpus["requirements"]}
    for item in corpus["items"]:
        report = validate([policy_files[item["id"]]])
        found: dict[str, int] = {}
        for result in report.results:
            found[result.rule.id] = found.get(result.rule.id, 0) + 1
        for cell in item["cells"]:
            rule = cell["requirement"]
            expected = "met" if rule not in found else ("missing" if severity[rule] == "violation" else "vague")
            assert cell["status"] == expected, (item["id"], rule)
            assert cell["results"] == found.get(rule, 0)
        assert item["violations"] == sum(1 for r in report.results if r.severity.label == "violation")


def test_a_notice_without_a_controller_misses_art_13_1_a(corpus: dict) -> None:
    rows = {item["id"]: item for item in corpus["items"]}
    cell = {c["requirement"]: c["status"] for c in rows["org-00002"]["cells"]}
    assert cell["A13-1-a-Controller"] == "missing"
    assert {c["status"] for c in rows["org-00001"]["cells"] if c["requirement"] == "A13-1-a-Controller"} == {"met"}
    assert rows["org-00002"]["organisation"] == "org-00002"  # no controller, no name: the policy id
    assert rows["org-00001"]["organisation"] == "Organisation 1 AB"
    assert rows["almi"]["organisation"] == "Almi AB"


def test_the_score_is_explained_by_the_cells(corpus: dict) -> None:
    n = len(corpus["requirements"])
    for item in corpus["items"]:
        statuses = [c["status"] for c in item["cells"]]
        assert item["met"] == statuses.count("met") and item["missing"] == statuses.count("missing")
        assert item["score"] == round(100 * (item["met"] + item["vague"] / 2) / n, 1)
        lost = sum(entry["points"] for entry in item["lost"])
        assert abs(100 - lost - item["score"]) < 0.1, item["id"]
        assert {entry["requirement"] for entry in item["lost"]} == {
            c["requirement"] for c in item["cells"] if c["status"] != "met"
        }
    totals = corpus["totals"]
    assert sum(totals.values()) == n * corpus["policies"]


def test_sorting(corpus_client, corpus: dict) -> None:
    scores = [item["score"] for item in corpus["items"]]
    assert scores == sorted(scores, reverse=True) and corpus["sort"] == "score" and corpus["order"] == "desc"
    up = corpus_client.get("/v1/corpus", params={"sort": "score", "order": "asc"}).json()
    assert [i["score"] for i in up["items"]] == sorted(scores)
    by_name = corpus_client.get("/v1/corpus", params={"sort": "organisation"}).json()
    names = [i["organisation"].casefold() for i in by_name["items"]]
    assert names == sorted(names)
    by_cell = corpus_client.get("/v1/corpus", params={"sort": "A13-1-a-Controller"}).json()
    assert by_cell["items"][0]["id"] == "org-00002"


def test_bad_sort_and_order_are_client_errors(corpus_client, assert_problem) -> None:
    body = assert_problem(corpus_client.get("/v1/corpus", params={"sort": "nonsense"}), 400)
    assert "A13-1-a-Controller" in body["detail"]
    assert_problem(corpus_client.get("/v1/corpus", params={"order": "sideways"}), 422)
    assert_problem(corpus_client.get("/v1/corpus", params={"sort": "x" * 500}), 422)


def test_labels_follow_the_language(corpus_client, corpus: dict) -> None:
    sv = corpus_client.get("/v1/corpus", headers={"Accept-Language": "sv"}).json()
    assert sv["lang"] == "sv"
    assert sv["requirements"][0]["label"] != corpus["requirements"][0]["label"]
    assert "Fullständighet" in sv["scoreDefinition"]
    assert [i["cells"] for i in sv["items"]] == [i["cells"] for i in corpus["items"]]


@pytest.mark.backends("memory")
def test_each_policy_is_validated_once_per_data_version(make_client, synthetic_files, monkeypatch) -> None:
    calls: list[int] = []
    real = observatory.validate

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(observatory, "validate", counting)
    client = make_client(list(synthetic_files))
    for _ in range(3):
        assert client.get("/v1/corpus").status_code == 200
        assert client.get("/corpus", params={"lang": "sv"}).status_code == 200
    assert len(calls) == len(synthetic_files)


def test_the_answer_is_in_the_openapi_description(corpus_client) -> None:
    spec = corpus_client.get("/v1/openapi.json").json()
    schema = spec["paths"]["/v1/corpus"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/Corpus")
    assert {"requirements", "items", "scoreDefinition", "totals"} <= set(
        spec["components"]["schemas"]["Corpus"]["properties"]
    )


@pytest.mark.backends("memory")
def test_a_policy_larger_than_max_rows_is_refused_not_judged_in_part(make_client, synthetic_files, assert_problem):
    client = make_client(list(synthetic_files), max_rows=50)
    body = assert_problem(client.get("/v1/corpus"), 503)
    assert "org-0000" in body["detail"] and "max-rows" in body["detail"]
    page = client.get("/corpus", params={"lang": "en"})
    assert page.status_code == 503 and "Traceback" not in page.text


# ---- the 61 TILT notices, imported by the importer's command line --------------------------------

TILT_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "tilt" / "corpus"


@pytest.fixture(scope="session")
def tilt_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if not TILT_CORPUS.is_dir():
        pytest.skip(f"the TILT corpus is not at {TILT_CORPUS}")
    out = tmp_path_factory.mktemp("tilt-corpus")
    command = [sys.executable, "-m", "dpv_almi.cli.main", "import", "tilt", str(TILT_CORPUS), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    files = sorted(out.glob("*.ttl"))
    assert len(files) == 61
    return files


@pytest.mark.backends("memory")
def test_the_tilt_corpus_side_by_side(make_client, tilt_files: list[Path]) -> None:
    client = make_client([*resources.default_data_files(), *tilt_files])
    corpus = client.get("/v1/corpus", params={"lang": "en", "sort": "policy"}).json()
    assert corpus["policies"] == 62
    rows = {item["id"]: item for item in corpus["items"]}
    assert set(rows) == {"almi", *(path.stem for path in tilt_files)}
    severity = {r["id"]: r["severity"] for r in corpus["requirements"]}
    for path in tilt_files:
        item = rows[path.stem]
        graph = Graph().parse(path)
        names = {str(n) for c in graph.objects(None, DPV.hasDataController) for n in graph.objects(c, DPV.hasName)}
        assert item["organisation"] in names or (not names and item["organisation"] == path.stem), path.stem
        assert item["processes"] == len(set(graph.subjects(RDF.type, DPV.Process)))
        found: dict[str, int] = {}
        for result in validate([path]).results:
            found[result.rule.id] = found.get(result.rule.id, 0) + 1
        for cell in item["cells"]:
            rule = cell["requirement"]
            expected = "met" if rule not in found else ("missing" if severity[rule] == "violation" else "vague")
            assert (cell["status"], cell["results"]) == (expected, found.get(rule, 0)), (path.stem, rule)
    # real notices differ: the corpus spans a range of scores, and every status occurs
    assert max(rows[p.stem]["score"] for p in tilt_files) - min(rows[p.stem]["score"] for p in tilt_files) > 20
    assert all(corpus["totals"][status] > 0 for status in ("met", "vague", "missing"))
    page = client.get("/corpus", params={"lang": "sv", "sort": "missing"})
    assert page.status_code == 200 and page.text.count("<tr data-policy=") == 62
    assert_the_docs_figures(corpus, [rows[path.stem] for path in tilt_files])


def assert_the_docs_figures(corpus: dict, tilt_rows: list[dict]) -> None:
    """docs/observatory.md's figures are this answer's: the 61 notices' cells and scores, and with Almi."""
    text = " ".join((Path(__file__).resolve().parents[2] / "docs" / "observatory.md").read_text("utf-8").split())
    cells = [cell["status"] for row in tilt_rows for cell in row["cells"]]
    count = {status: f"{cells.count(status):,}" for status in ("met", "vague", "missing")}
    assert f"notices × requirements | {len(tilt_rows)} × {len(corpus['requirements'])} = {len(cells):,} cells" in text
    assert f"met / vague / missing | {count['met']} / {count['vague']} / {count['missing']} |" in text
    scores = sorted(row["score"] for row in tilt_rows)
    middle = len(scores) // 2
    median = scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
    lowest = next(row["id"] for row in tilt_rows if row["score"] == scores[0])
    assert (
        f"completeness | mean {sum(scores) / len(scores):.1f}, median {median:.1f}, min {scores[0]:.1f} ({lowest}), "
        f"max {scores[-1]:.1f}"
    ) in text
    bins = [
        sum(1 for score in scores if low <= score < low + 10 or (low == 90 and score == 100))
        for low in range(50, 100, 10)
    ]
    words = [f"{low}-{low + 10}: {n}" for low, n in zip(range(50, 100, 10), bins, strict=True)]
    words[0] += " notice" if bins[0] == 1 else " notices"
    assert "scores | " + ", ".join(words) in text
    totals = corpus["totals"]
    assert (
        f"({corpus['policies']} policies, as `/corpus` shows them): {totals['met']:,} / {totals['vague']:,} / "
        f"{totals['missing']:,}, mean {corpus['meanScore']:.1f}"
    ) in text
