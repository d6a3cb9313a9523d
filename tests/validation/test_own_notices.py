"""Notices written for these tests with DPV 2.3 terms the Almi model does not use (fixtures/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dpv_almi.validation.core import Severity, validate

FIXTURES = Path(__file__).parent / "fixtures"
NORDLICHT = FIXTURES / "nordlicht.ttl"


def mutated(tmp_path: Path, old: str, new: str) -> Path:
    text = NORDLICHT.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "nordlicht.ttl"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_complete_notice_yields_no_result_at_all() -> None:
    """Contract and legal-obligation bases, Art. 9 data, US (adequacy) and Indian (SCC) transfers,
    tech: technologies and technical measures, German labels: all real DPV 2.3, all understood."""
    report = validate([NORDLICHT])
    assert [(r.rule.id, r.focus_text, r.value_text) for r in report.results] == []
    assert report.conforms(Severity.INFO)


@pytest.mark.parametrize(
    ("old", "new", "rule", "focus"),
    [
        ("dpv:hasLegalBasis eu-gdpr:AdequacyDecision ;", "", "TransferBasisOrSafeguard", "nl:UebermittlungUSA"),
        ("dpv:hasThirdCountry loc:IN ;", "", "TransferDestination", "nl:UebermittlungIndien"),
        (
            "dpv:hasLegalBasis eu-gdpr:A6-1-c ;",
            "dpv:hasLegalBasis eu-gdpr:A6-1-c, dpv:Encryption ;",
            "LegalBasisKind",
            "nl:Buchhaltung",
        ),
        (
            "dpv:hasDataImporter nl:ShopHosting ;",
            "dpv:hasDataImporter nl:Unbekannt ;",
            "ImporterRole",
            "nl:UebermittlungUSA",
        ),
    ],
)
def test_a_broken_copy_is_reported_in_the_notices_own_terms(
    tmp_path: Path, old: str, new: str, rule: str, focus: str
) -> None:
    report = validate([mutated(tmp_path, old, new)])
    failures = report.failures()
    assert {r.rule.id for r in failures} == {rule}
    assert {r.focus_text for r in failures} == {focus}


def test_a_misspelt_term_names_the_real_one(tmp_path: Path) -> None:
    report = validate([mutated(tmp_path, "skos:broader pd:HealthRecord,", "skos:broader pd:HealthRecrod,")], lang="sv")
    (hit,) = [r for r in report.results if r.rule.id == "KnownDpvTerm"]
    assert hit.severity is Severity.VIOLATION and hit.focus_text == "nl:Gesundheitsdaten"
    assert hit.message.endswith("Menade du pd:HealthRecord?")


def test_a_dpv_processor_may_be_the_importer() -> None:
    """DPV hints dpv:DataImporter for dpv:hasDataImporter; nl:ShopHosting is a dpv:DataProcessor, and passes."""
    text = NORDLICHT.read_text(encoding="utf-8")
    assert "nl:ShopHosting a dpv:DataProcessor" in text and "dpv:DataImporter" not in text
    assert not [r for r in validate([NORDLICHT]).results if r.rule.id == "ImporterRole"]
