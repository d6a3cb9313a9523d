"""dpv-almi import tilt on the whole TILT corpus: every notice imports, with its counts preserved."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from dpv_almi.importers import mapping, tilt
from dpv_almi.namespaces import DPV, EU_GDPR, LOC, PD, RESOURCE_BASE
from dpv_almi.validation.vocabularies import DpvIndex, is_dpv_iri

EXPECTED: dict[str, tuple[int, int, str]] = {
    "adobe-com": (2, 4, "GB IR"),
    "amazon-com": (3, 0, ""),
    "amazon-de": (2, 0, "LU"),
    "apple-com": (19, 0, "US"),
    "ardmediathek-de": (4, 2, "DE"),
    "basf-com": (2, 0, ""),
    "beiersdorf-de": (8, 1, "DE"),
    "bnpparibas-de": (2, 0, "DE"),
    "bundestag-de": (2, 3, "DE"),
    "bvg-de": (31, 0, "IE SE US"),
    "caritas-de": (6, 0, "DE"),
    "cdu-de": (1, 0, "US"),
    "chefkoch-de": (1, 3, "DE"),
    "cisco-com": (2, 0, ""),
    "dhl-de": (24, 0, ""),
    "die-linke-de": (4, 0, "DE"),
    "discord-com": (6, 0, "IE US"),
    "dropbox-com": (6, 0, ""),
    "duden-de": (1, 0, ""),
    "enel-com": (9, 0, "IT"),
    "facebook-com": (5, 30, "IE"),
    "fiduciagad-de": (1, 0, ""),
    "fitbit-com": (1, 0, ""),
    "googleassistant-de": (4, 0, "IE"),
    "gruene-de": (4, 16, "DE IE IR"),
    "hm-com": (2, 4, "SE"),
    "immobilienscout24-de": (1, 0, ""),
    "instagram-com": (5, 25, "IE"),
    "lotto-de": (14, 0, "DE"),
    "ltur-com": (1, 0, ""),
    "man-eu": (1, 0, ""),
    "nianticlabs-com": (1, 0, ""),
    "otto-de": (7, 13, "DE LU"),
    "paypal-com": (45, 0, "LU"),
    "policies-google-com": (1, 0, ""),
    "privacy-icons-en": (5, 5, "DE"),
    "privacy-microsoft-com": (25, 0, "US"),
    "privacy-xing-com": (1, 0, ""),
    "rewe-de": (20, 0, ""),
    "runtastic-com": (1, 0, "CH"),
    "setting-io": (1, 0, ""),
    "shopify-com": (1, 0, ""),
    "siemens-com": (1, 0, ""),
    "signal-org": (3, 0, ""),
    "spd-de": (1, 0, ""),
    "spiegel-de": (1, 0, ""),
    "stihl-de": (1, 0, ""),
    "tagesschau-de": (4, 6, "DE"),
    "takeda-com": (1, 0, ""),
    "telefonica-de": (2, 3, "DE US"),
    "tk-de": (25, 0, ""),
    "tu-berlin": (4, 4, "DE"),
    "twitch-tv": (15, 60, "SE US"),
    "twitter-com": (12, 0, ""),
    "verivox-de": (1, 0, ""),
    "viessmann-de": (6, 0, "FR"),
    "viessmann-lu": (1, 0, ""),
    "volkswagen-de": (8, 11, "DE GB LU NL US"),
    "web-de": (4, 12, "DE"),
    "youporn-com": (60, 0, ""),
    "zdf-de": (2, 0, ""),
}
"""Policy id → (processes, eu-gdpr legal bases over all processes, the countries named): read off the
61 notices when the importer was written and checked by hand against the JSON (e.g. twitch-tv: 15
disclosures with 4 bases each; volkswagen-de: recipients in DE, GB, LU, NL and a transfer to the US)."""

TILT_REFERENCE = re.compile(r"^(?:GDPR|DSGVO)-(\d+)-(\d+)-([a-z])$")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dpv_almi.cli.main", *args], capture_output=True, text=True)


def _graph(out: Path, policy: str) -> Graph:
    return Graph().parse(out / f"{policy}.ttl", format="turtle")


def test_every_notice_of_the_corpus_is_expected(corpus: dict[str, Any]) -> None:
    assert sorted(corpus) == sorted(EXPECTED)
    assert len(corpus) == 61


def test_ids_follow_the_file_names() -> None:
    assert tilt.policy_id_for(Path("bahn.de.tilt.json")) == "bahn-de"
    assert tilt.policy_id_for(Path("x/privacy.xing.com.tilt.json")) == "privacy-xing-com"
    assert tilt.policy_id_for(Path("a b+c.json")) == "a-b-c"


def test_counts_per_notice(imported: tuple[Path, list[tilt.Summary]], corpus: dict[str, Any]) -> None:
    out, summaries = imported
    assert sorted(s.policy for s in summaries) == sorted(EXPECTED)
    for summary in summaries:
        graph = _graph(out, summary.policy)
        processes = set(graph.subjects(RDF.type, DPV.Process))
        bases = [
            (p, b) for p in processes for b in graph.objects(p, DPV.hasLegalBasis) if str(b).startswith(str(EU_GDPR))
        ]
        countries = {
            str(o)[len(str(LOC)) :]
            for p in (DPV.hasCountry, DPV.hasThirdCountry)
            for o in graph.objects(None, p)
            if str(o).startswith(str(LOC))
        }
        expected = EXPECTED[summary.policy]
        assert len(processes) == len(corpus[summary.policy]["dataDisclosed"]) == expected[0], summary.policy
        assert len(bases) == expected[1], summary.policy
        assert " ".join(sorted(countries)) == expected[2], summary.policy


def test_tilt_references_become_eu_gdpr_iris(imported: tuple[Path, list[tilt.Summary]], corpus: dict[str, Any]) -> None:
    """Read independently of the importer: each GDPR-6-1-x / DSGVO-6-1-x reference is on its process."""
    out, _ = imported
    checked = 0
    for policy, document in corpus.items():
        graph = _graph(out, policy)
        ns = f"{RESOURCE_BASE}{policy}/"
        for index, entry in enumerate(document["dataDisclosed"]):
            for basis in entry.get("legalBases") or []:
                reference = basis.get("reference") if isinstance(basis, dict) else None
                match = TILT_REFERENCE.match(reference or "")
                if match:
                    iri = EU_GDPR["A" + "-".join(match.groups())]
                    assert (URIRef(f"{ns}Process-{index + 1}"), DPV.hasLegalBasis, iri) in graph, (policy, index)
                    checked += 1
    assert checked >= 150


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GDPR-6-1-a", ["eu-gdpr:A6-1-a"]),
        ("DSGVO-6-1-e", ["eu-gdpr:A6-1-e"]),
        ("Art. 6(1)(f) GDPR", ["eu-gdpr:A6-1-f"]),
        ("Artikel 6 Absatz 1 Buchstabe b) DSGVO", ["eu-gdpr:A6-1-b"]),
        ("Art. 6 Abs. 1 lit. b DSGVO", ["eu-gdpr:A6-1-b"]),
        ("Rechtsgrundlage:\nArt. 6 (1) f DSGVO (berechtigtes Interesse)", ["eu-gdpr:A6-1-f"]),
        ("Einwilligung nach Art. 6.(1).a DSGVO", ["eu-gdpr:A6-1-a"]),
        ("Erfüllung rechtlicher Verpflichtungen (Art. 6 Abs. 1c DSGVO)", ["eu-gdpr:A6-1-c"]),
        ("Störungen (Art. 6 Abs. 1 S. 1 f) DS-GVO)", ["eu-gdpr:A6-1-f"]),
        ("Artikel 6 Absatz 1 Buchstabe a), Artikel 6 Absatz 1 Buchstabe b) sowie Artikel 6 Absatz 1 Buchstabe f) DSGVO",
         ["eu-gdpr:A6-1-a", "eu-gdpr:A6-1-b", "eu-gdpr:A6-1-f"]),
        ("Art. 9 Abs. 2 lit. a DSGVO", ["eu-gdpr:A9-2-a"]),
        ("§ 7 Absatz 3 UWG", []),
        ("BDSG-3", []),
        ("TMG-15-3", []),
        ("Rechtsgrundlagen:", []),
    ],
)  # fmt: skip
def test_legal_basis_spellings(text: str, expected: list[str]) -> None:
    assert mapping.legal_bases(text) == expected


def test_corpus_figures(imported: tuple[Path, list[tilt.Summary]]) -> None:
    """The figures docs/tilt.md states; most categories reach a specific pd:/dpv: concept."""
    _, summaries = imported
    categories = sum(s.categories for s in summaries)
    specific = sum(s.categories_specific for s in summaries)
    statements = sum(s.basis_statements for s in summaries)
    normalised = sum(s.bases_normalised for s in summaries)
    assert (categories, specific) == (389, 363)
    assert specific / categories > 0.9
    assert (statements, normalised) == (217, 207)
    kept = [text for s in summaries for pointer, text in s.kept_as_text if "/legalBases/" in pointer]
    assert len(kept) == statements - normalised
    assert any("UWG" in text for text in kept) and any("BDSG" in text for text in kept)


def test_categories_are_the_notices_own_concepts_under_dpv(imported: tuple[Path, list[tilt.Summary]]) -> None:
    out, _ = imported
    graph = _graph(out, "hm-com")
    categories = set(graph.objects(None, DPV.hasPersonalData))
    assert categories
    for category in categories:
        assert str(category).startswith(f"{RESOURCE_BASE}hm-com/")
        assert [label.language for label in graph.objects(category, SKOS.prefLabel)] == ["de"]
        assert set(graph.objects(category, SKOS.broader))
    twitch = _graph(out, "twitch-tv")
    labels = {str(o): s for s, o in twitch.subject_objects(SKOS.prefLabel)}
    ip = next(node for label, node in labels.items() if label.startswith("IP-Adresse"))
    assert (ip, SKOS.broader, PD.IPAddress) in twitch or any(
        (ip, SKOS.broader, target) in twitch for target in (PD.IPAddress,)
    )


def test_every_dpv_iri_of_the_output_exists_in_dpv_2_3(imported: tuple[Path, list[tilt.Summary]]) -> None:
    out, _ = imported
    index = DpvIndex.load()
    known = {index.expand(name) for name in mapping.dpv_terms()}
    unknown: set[str] = set()
    for path in out.glob("*.ttl"):
        graph = Graph().parse(path, format="turtle")
        for triple in graph:
            unknown |= {str(node) for node in triple if is_dpv_iri(node) and str(node) not in known}
    assert not unknown


def test_mapping_tables_name_only_real_dpv_terms() -> None:
    for table in (mapping.categories(), mapping.purposes()):
        targets = {concept for _, _, concept in table.rows}
        assert targets and not mapping.known(targets), table.name
        assert all(c.startswith(("pd:", "dpv:")) for c in targets)


def test_third_country_transfers(imported: tuple[Path, list[tilt.Summary]]) -> None:
    out, _ = imported
    twitch = _graph(out, "twitch-tv")
    transfers = set(twitch.subjects(SKOS.broader, DPV.CrossBorderTransfer))
    assert {o for t in transfers for o in twitch.objects(t, DPV.hasThirdCountry)} == {LOC.US}
    rewe = _graph(out, "rewe-de")  # "Standard-Datenschutzklauseln": a safeguard, though no country is named
    transfer = next(iter(rewe.subjects(SKOS.broader, DPV.CrossBorderTransfer)))
    assert (transfer, DPV.hasLegalBasis, EU_GDPR["A46-2-c"]) in rewe
    assert (transfer, DPV.hasOrganisationalMeasure, EU_GDPR.SCCByCommission) in rewe


def test_cli_imports_the_corpus_and_summarises(tilt_dir: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    result = _cli("import", "tilt", str(tilt_dir / "corpus"), "--out", str(tmp_path / "out"), "--summary", str(summary))
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out").glob("*.ttl"))) == 61
    assert "61 notices" in result.stdout.splitlines()[-1]
    assert "kept as text" in result.stdout
    document = json.loads(summary.read_text(encoding="utf-8"))
    assert document["total"]["processes"] == sum(v[0] for v in EXPECTED.values())


def test_cli_imports_single_files(tilt_dir: Path, tmp_path: Path) -> None:
    files = [tilt_dir / "corpus" / "signal.org.tilt.json", tilt_dir / "corpus" / "tu.berlin.tilt.json"]
    result = _cli("import", "tilt", *map(str, files), "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob("*.ttl")) == ["signal-org.ttl", "tu-berlin.ttl"]


def _bad(tmp_path: Path, tilt_dir: Path, change: Any) -> Path:
    document = json.loads((tilt_dir / "corpus" / "signal.org.tilt.json").read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "bad.tilt.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        (lambda d: d["dataDisclosed"][0].__setitem__("purposes", 5), "/dataDisclosed/0/purposes"),
        (lambda d: d.pop("controller"), "/: breaks the TILT schema: 'controller' is a required property"),
        (lambda d: d["meta"].pop("language"), "/meta"),
        (lambda d: d["meta"].__setitem__("version", "one"), "/meta/version"),
        (lambda d: d.__setitem__("thirdCountryTransfers", "USA"), "/thirdCountryTransfers"),
    ],
)
def test_schema_violations_exit_2_naming_file_and_pointer(
    tmp_path: Path, tilt_dir: Path, change: Any, pointer: str
) -> None:
    path = _bad(tmp_path, tilt_dir, change)
    result = _cli("import", "tilt", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert str(path) in result.stderr and pointer in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing written for bad input


def test_not_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.tilt.json"
    path.write_text('{"meta": ', encoding="utf-8")
    result = _cli("import", "tilt", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "broken.tilt.json" in result.stderr and "not JSON" in result.stderr
    array = tmp_path / "array.tilt.json"
    array.write_text("[]", encoding="utf-8")
    result = _cli("import", "tilt", str(array), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "array.tilt.json" in result.stderr


def test_strict_refuses_the_corpus_deviations(tilt_dir: Path, tmp_path: Path) -> None:
    result = _cli("import", "tilt", str(tilt_dir / "corpus" / "hm.com.tilt.json"), "--out", str(tmp_path), "--strict")
    assert result.returncode == 2 and "hm.com.tilt.json" in result.stderr


def test_the_schema_example_imports_strictly(tilt_dir: Path, tmp_path: Path) -> None:
    result = _cli("import", "tilt", str(tilt_dir / "schema" / "tilt.json"), "--out", str(tmp_path), "--strict")
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(tmp_path / "tilt.ttl", format="turtle")
    assert set(graph.subjects(RDF.type, DPV.Process))


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("IP-Adresse", "de", ["pd:IPAddress"]),
        ("Adressen von verweisenden Seiten und Beendigungsseiten", "de", ["pd:BrowsingReferral"]),
        (
            "Name, Vorname, E-Mail-Adresse und/oder Telefonnummer",
            "de",
            ["pd:EmailAddress", "pd:TelephoneNumber", "pd:Name"],
        ),
        ("usage data", "en", ["pd:ServiceConsumptionBehaviour"]),
        ("page", "en", []),
    ],
)
def test_longer_terms_win_and_words_start_a_match(text: str, language: str, expected: list[str]) -> None:
    assert mapping.categories().concepts(text, language) == expected
