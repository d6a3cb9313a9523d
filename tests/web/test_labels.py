"""The label chain of every page and answer: asked → (Swedish GDPR words) → the notice's language →
English → untagged → the DPV index → any language → the IRI's local name."""

from __future__ import annotations

from dpv_almi.namespaces import PREFIXES
from dpv_almi.web.labels import SWEDISH, choose

OWN = "https://w3id.org/dpv-almi/gruene-de/Cookies"
CONSENT = PREFIXES["eu-gdpr"] + "A6-1-a"
DPV_CONSENT = PREFIXES["dpv"] + "Consent"


def test_the_asked_language_comes_first() -> None:
    found = {"de": "Kontaktaufnahme", "en": "Contact", "sv": "Kontakt"}
    assert choose(OWN, "sv", found, "de") == "Kontakt"
    assert choose(OWN, "de", found, "de") == "Kontaktaufnahme"


def test_then_the_notices_language_before_english() -> None:
    found = {"de": "Kontaktaufnahme", "en": "Contact"}
    assert choose(OWN, "sv", found, "de") == "Kontaktaufnahme"
    assert choose(OWN, "sv", found, None) == "Contact"  # a notice that states no language: English


def test_swedish_gdpr_words_are_the_asked_language_not_a_fallback() -> None:
    assert choose(CONSENT, "sv", {"en": "Art.6(1-a) consent"}, "de") == SWEDISH[CONSENT]
    assert choose(CONSENT, "de", {"en": "Art.6(1-a) consent"}, "de") == "Art.6(1-a) consent"


def test_then_english_then_untagged() -> None:
    assert choose(OWN, "de", {"en": "Contact", "": "contact"}, "sv") == "Contact"
    assert choose(OWN, "de", {"": "contact"}, "sv") == "contact"


def test_region_subtags_count_as_their_language() -> None:
    assert choose(OWN, "de", {"de-DE": "Kontaktaufnahme", "en": "Contact"}, "de") == "Kontaktaufnahme"
    assert choose(OWN, "sv", {"de-AT": "Kontaktaufnahme", "en": "Contact"}, "de") == "Kontaktaufnahme"
    assert choose(OWN, "en", {"EN-gb": "Contact", "de": "Kontakt"}, "de") == "Contact"


def test_then_the_packaged_dpv_index() -> None:
    assert choose(DPV_CONSENT, "de", {}, "de") == "Consent"


def test_then_any_language_the_same_each_time() -> None:
    assert choose(OWN, "en", {"fr": "Cookies (fr)", "da": "Cookies (da)"}, "de") == "Cookies (da)"
    assert choose(OWN, "en", {"da": "Cookies (da)", "fr": "Cookies (fr)"}, "de") == "Cookies (da)"


def test_last_the_local_name() -> None:
    assert choose(OWN, "en", {}, "de") == "Cookies"
    assert choose("https://example.org/x#Thing", "en", {}, None) == "Thing"
