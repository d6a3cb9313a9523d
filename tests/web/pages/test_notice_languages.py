"""The notice page of a real imported German TILT notice (``gruene.de``) and of Almi: the interface
in sv/en, the notice's words in the reader's language where labels exist, else the notice's, and in
the notice's own language when asked (``labels=notice``), every label falling back
asked → notice language → English → any.  Expected words are read from the TILT file, not the import."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from dpv_almi import resources
from dpv_almi.importers import tilt
from dpv_almi.namespaces import PREFIXES
from dpv_almi.web.labels import SWEDISH

pytestmark = pytest.mark.backends("memory", "oxigraph")

POLICY = "gruene-de"
NAME = "gruene.de.tilt.json"


@pytest.fixture(scope="module")
def tilt_file(repo_root: Path) -> Path:
    path = repo_root.parent / "shared" / "tilt" / "corpus" / NAME
    if not path.is_file():
        pytest.skip(f"TILT corpus file not found at {path}")
    return path


@pytest.fixture(scope="module")
def document(tilt_file: Path) -> dict[str, Any]:
    return json.loads(tilt_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus_client(make_client, tilt_file: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("tilt-page")
    [summary] = tilt.import_files([tilt_file], out)
    assert summary.policy == POLICY
    return make_client([*resources.default_data_files(), out / f"{POLICY}.ttl"])


def shown(page: str) -> str:
    """The page's main text, tags removed, entities decoded, spaces folded."""
    main = page.split('id="main"', 1)[1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def german_words(document: dict[str, Any]) -> list[str]:
    """The notice's own names: categories, purposes, the controller (German strings of the file)."""
    words = [document["controller"]["name"]]
    for disclosure in document["dataDisclosed"]:
        words.append(disclosure["category"])
        words += [purpose["purpose"] for purpose in disclosure.get("purposes", [])]
    return words


def test_the_notice_records_its_language_and_the_page_asks_the_data(corpus_client, document) -> None:
    assert document["meta"]["language"] == "de"
    page = corpus_client.get("/", params={"policy": POLICY, "lang": "en"}).text
    assert 'data-notice-lang="de"' in page and 'data-labels-lang="en"' in page


def test_an_english_reader_gets_english_chrome_and_the_notices_german_words(corpus_client, document) -> None:
    """No English label exists for the notice's own concepts: they fall back to German, not to IRIs;
    DPV's and the GDPR's terms have English labels and keep them."""
    page = corpus_client.get("/", params={"policy": POLICY, "lang": "en"})
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    text = shown(page.text)
    assert "Legal basis" in text and "Personal data categories and examples" in text
    missing = [word for word in german_words(document) if word not in text]
    assert missing == []
    assert "Art.6(1-a) consent" in text  # eu-gdpr:A6-1-a, English
    assert document["meta"]["name"] in text  # the notice's title
    assert "/gruene-de/" not in text  # no IRI or local-name stand-ins among the names


def test_the_notices_german_descriptions_are_shown_whatever_the_labels(corpus_client, document) -> None:
    """A description exists in the notice's language only: a reader in English still reads it."""
    description = " ".join(document["dataDisclosed"][0]["purposes"][0]["description"].split())
    for params in ({"lang": "en"}, {"lang": "sv", "labels": "notice"}):
        assert description in shown(corpus_client.get("/", params={"policy": POLICY, **params}).text), params


def test_asked_the_notice_language_the_labels_are_german_and_the_chrome_stays(corpus_client, document) -> None:
    page = corpus_client.get("/", params={"policy": POLICY, "lang": "sv", "labels": "notice"})
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text and 'data-labels-lang="de"' in page.text
    text = shown(page.text)
    assert "Rättslig grund" in text and "Personuppgiftskategorier" in text  # the interface: Swedish
    assert [word for word in german_words(document) if word not in text] == []
    consent = PREFIXES["eu-gdpr"] + "A6-1-a"
    assert SWEDISH[consent] not in text  # asked German: not the reader's Swedish …
    assert "Art.6(1-a) consent" in text  # … but German → English where German is missing


def test_a_swedish_reader_gets_swedish_gdpr_words_by_default(corpus_client) -> None:
    text = shown(corpus_client.get("/", params={"policy": POLICY, "lang": "sv"}).text)
    assert SWEDISH[PREFIXES["eu-gdpr"] + "A6-1-a"] in text
    assert "Art.6(1-a) consent" not in text


def test_the_switch_between_the_readers_and_the_notices_labels(corpus_client) -> None:
    page = corpus_client.get("/", params={"policy": POLICY, "lang": "en"}).text
    switch = re.search(r'<a id="labels-switch" href="([^"]+)" hreflang="de">', page)
    assert switch is not None
    target = html.unescape(switch.group(1))
    assert "labels=notice" in target and f"policy={POLICY}" in target and "lang=en" in target
    back = corpus_client.get(target).text
    assert 'data-labels-lang="de"' in back
    undo = re.search(r'<a id="labels-switch" href="([^"]+)" hreflang="en">', back)
    assert undo is not None and "labels=" not in html.unescape(undo.group(1))
    # the interface's switch keeps the labels' choice
    other = re.search(r'id="lang-switch" href="([^"]+)"', back)
    assert other is not None and "labels=notice" in html.unescape(other.group(1))


def test_almi_in_english_with_the_notices_labels_is_swedish_words_in_an_english_page(client) -> None:
    """Almi's notice is Swedish (dct:language "sv") with English labels beside: the reader chooses."""
    english = shown(client.get("/", params={"lang": "en"}).text)
    swedish_words = shown(client.get("/", params={"lang": "en", "labels": "notice"}).text)
    assert "Newsletter" in english or "newsletter" in english
    assert "Nyhetsbrev-anmälan via hemsida" not in english
    assert "Nyhetsbrev-anmälan via hemsida" in swedish_words
    assert "Legal basis" in swedish_words  # the interface stays English
    assert 'id="labels-switch"' not in client.get("/", params={"lang": "sv"}).text  # sv = the notice's


def test_an_unknown_labels_value_is_the_default_page(client) -> None:
    page = client.get("/", params={"lang": "en", "labels": "klingon"})
    assert page.status_code == 200 and 'data-labels-lang="en"' in page.text


def test_words_in_another_language_than_the_page_are_marked(corpus_client, client, document) -> None:
    """WCAG 3.1.2 (language of parts): a German label on an English page is ``lang="de"``, so a
    screen reader reads it in German; English words on the English page carry nothing."""
    page = corpus_client.get("/", params={"policy": POLICY, "lang": "en"}).text
    marked = {html.unescape(text) for text in re.findall(r'<(?:span|h1|h4|dd)[^>]* lang="de"[^>]*>([^<]+)<', page)}
    assert set(german_words(document)) <= marked
    assert "Art.6(1-a) consent" not in marked and not re.search(r' lang="en"[^>]*>Art\.6', page)
    description = " ".join(document["dataDisclosed"][0]["purposes"][0]["description"].split())
    assert re.search(r'class="description" lang="de">\s*— ' + re.escape(description[:30]), html.unescape(page))
    almi = client.get("/", params={"lang": "sv"}).text
    assert re.findall(r' lang="([^"]+)"', almi) == ["sv", "en"]  # <html lang="sv"> and the "In English" link
