"""dpv-almi export tilt: Almi and a round-tripped corpus notice are valid TILT documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from rdflib import Graph

from dpv_almi.importers import schema, tilt
from dpv_almi.importers.tilt_export import export


def _strict(document: dict[str, Any]) -> list[str]:
    """Every error of the strict TILT schema, and any e-mail field that is not an address."""
    errors = [f"{e.json_path}: {e.message}" for e in Draft7Validator(schema.validator().schema).iter_errors(document)]

    def emails(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "email" and value and "@" not in value:
                    errors.append(f"{path}/{key}: not an e-mail address: {value}")
                emails(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                emails(value, f"{path}/{index}")

    emails(document, "")
    return errors


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dpv_almi.cli.main", *args], capture_output=True, text=True)


def test_almi_exports_to_valid_tilt(tmp_path: Path) -> None:
    result = _cli("export", "tilt", "almi", "--out", str(tmp_path / "almi.tilt.json"))
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "almi.tilt.json").read_text(encoding="utf-8"))
    assert _strict(document) == []
    assert len(document["dataDisclosed"]) == 10
    assert document["meta"]["language"] == "sv"
    assert document["dataProtectionOfficer"]["email"] == "dataskyddsombud@almi.se"
    references = {b["reference"] for d in document["dataDisclosed"] for b in d["legalBases"]}
    assert references == {"GDPR-6-1-a", "GDPR-6-1-f"}
    assert document["rightToComplain"]["available"] is True
    # and back again: the exported document imports strictly, with its ten processes
    back = _cli("import", "tilt", str(tmp_path / "almi.tilt.json"), "--out", str(tmp_path / "back"), "--strict")
    assert back.returncode == 0, back.stderr
    graph = Graph().parse(tmp_path / "back" / "almi.ttl", format="turtle")
    assert len(set(graph.subjects(predicate=None, object=None))) > 10


def test_every_corpus_notice_round_trips_to_valid_tilt(
    imported: tuple[Path, list[tilt.Summary]], corpus: dict[str, Any]
) -> None:
    out, _ = imported
    for policy, original in corpus.items():
        path = out / f"{policy}.ttl"
        document = export(Graph().parse(path, format="turtle"), path.read_bytes())
        assert _strict(document) == [], policy
        assert len(document["dataDisclosed"]) == len(original["dataDisclosed"]), policy
        assert document["meta"]["url"] == original["meta"]["url"]
        if len(original["meta"]["_hash"] or "") == 64:
            assert document["meta"]["_hash"] == original["meta"]["_hash"]


def test_round_trip_keeps_bases_and_transfers(tmp_path: Path, imported: tuple[Path, list[tilt.Summary]]) -> None:
    out, _ = imported
    result = _cli("export", "tilt", str(out / "twitch-tv.ttl"), "--out", str(tmp_path / "twitch.tilt.json"))
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "twitch.tilt.json").read_text(encoding="utf-8"))
    references = [sorted(b["reference"] for b in d["legalBases"]) for d in document["dataDisclosed"]]
    assert references == [["GDPR-6-1-a", "GDPR-6-1-b", "GDPR-6-1-c", "GDPR-6-1-f"]] * 15
    assert [t.get("country") for t in document["thirdCountryTransfers"]] == ["US"]
    again = _cli("import", "tilt", str(tmp_path / "twitch.tilt.json"), "--out", str(tmp_path / "again"), "--strict")
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("policy", ["nope", "missing.ttl"])
def test_unknown_policy_exits_2(policy: str) -> None:
    result = _cli("export", "tilt", policy)
    assert result.returncode == 2 and policy in result.stderr
