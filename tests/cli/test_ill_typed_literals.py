"""A literal whose text is not of its datatype (``"2024-13-45"^^xsd:date``) is the input's business,
not a crash: rdflib used to print a traceback on stderr for each one (``rdflib.term`` logs it when the
literal is made) while the exit codes were right.  Now: one warning line, and our own errors still said."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ILL_TYPED = """\
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dpv: <https://w3id.org/dpv#> .
ex:a a dpv:Process ; ex:when "2024-13-45"^^xsd:date ; ex:count "many"^^xsd:integer .
ex:b a dpv:Process ; ex:when "2024-02-30"^^xsd:date .
"""

ILL_TYPED_JSONLD = """\
{"@id": "https://example.org/a", "@type": "https://w3id.org/dpv#Process",
 "https://example.org/when": {"@value": "2024-13-45", "@type": "http://www.w3.org/2001/XMLSchema#date"}}
"""


def dpv_almi(*args: str) -> subprocess.CompletedProcess[str]:
    script = shutil.which("dpv-almi", path=str(Path(sys.executable).parent))
    assert script, "the dpv-almi console script is not installed next to this Python"
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=120)


def one_warning(stderr: str, command: str) -> list[str]:
    """The lines other than the single warning about the ill-typed literals."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    warnings = [line for line in lines if "warning" in line]
    assert len(warnings) == 1, stderr
    assert warnings[0].startswith(f"dpv-almi {command}: warning: ill-typed literal"), warnings
    assert '"2024-13-45"^^<http://www.w3.org/2001/XMLSchema#date>' in warnings[0]
    return [line for line in lines if line not in warnings]


@pytest.fixture
def notice(tmp_path: Path) -> Path:
    path = tmp_path / "notice.ttl"
    path.write_text(ILL_TYPED)
    return path


def test_validate_warns_once_without_a_traceback(notice: Path) -> None:
    result = dpv_almi("validate", str(notice))
    assert result.returncode == 1, result  # no notice, no rights: the shapes say why, on stdout
    assert one_warning(result.stderr, "validate") == []


def test_load_of_jsonld_warns_once_without_a_traceback(tmp_path: Path) -> None:
    notice = tmp_path / "notice.jsonld"
    notice.write_text(ILL_TYPED_JSONLD)
    result = dpv_almi("load", str(notice), "--policy", "p", "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result
    assert one_warning(result.stderr, "load") == []


def test_our_own_errors_are_still_said(notice: Path, tmp_path: Path) -> None:
    result = dpv_almi("export", "tilt", str(notice))
    assert result.returncode == 2, result
    assert one_warning(result.stderr, "export") == [
        f"dpv-almi export: error: {notice}: no privacy notice (dpv:PrivacyNotice) in the policy"
    ]
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b .\n")
    result = dpv_almi("validate", str(notice), str(broken))
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert f"{broken}:2:" in result.stderr.strip().splitlines()[-1]
