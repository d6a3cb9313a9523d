"""The analyst's pages over HTTP (no browser): the notice regenerated from the graph beside the
notice's own text, the editor on GET /sparql, the validation report, the data-flow picture."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS

from dpv_almi import loading, resources
from dpv_almi.namespaces import DPV, DPVA
from dpv_almi.validation.core import Severity, validate
from dpv_almi.web.pages import diagram
from dpv_almi.web.pages.validation_page import article_of

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
NOTICE = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "000_28b9aa6785989a06.txt"

# The notice's names as the notice writes them (read from the text, not from the model).
NOTICE_ACTIVITIES = [
    "Mäta kundnöjdhet",
    "Service vid kontakt",
    "Statistik",
    "Direkt marknadsföring",
    "Bokar möte via webben",
    "Telemarketing",
    "Nyhetsbrev-anmälan via hemsida",
    "Analys av hemsida",
    "Nätverk",
    "Marknadsföring (denna behandling innebär profilering)",
]
NOTICE_CATEGORIES = [
    "Användargenererade uppgifter",
    "Demografiska uppgifter",
    "Företagsuppgifter",
    "Identitetsuppgifter",
    "Kommunikation",
    "Kontaktuppgifter",
    "Organisatorisk information",
    # used by activities, never defined by the notice's table
    "Kompetensuppgifter",
    "Identifieringsuppgifter",
]
NOTICE_EXAMPLES = [
    "Cookies",
    "loggar",
    "Födelsedatum",
    "kön",
    "civilstånd",
    "Företagsnamn",
    "organisationsnummer",
    "Namn",
    "personnummer",
    "användarnamn",
    "KundID",
    "anställningsnummer",
    "IP-adress",
    "underskrift",
    "passnummer",
    "skyddad ID",
    "Innehåll i mejl",
    "typ av ärende",
    "redaktionellt innehåll",
    "mötesanteckningar",
    "närvaro vid möten",
    "Adress",
    "telefonnummer",
    "e-post",
    "Roll",
    "titel",
    "grupptillhörighet",
]


def text_of(page: str) -> str:
    """The visible text of an HTML page, white space folded (hyphenated line breaks joined)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return fold(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "-", text)).strip()


@pytest.fixture(scope="module")
def notice_text() -> str:
    if not NOTICE.is_file():
        pytest.skip(f"the notice's text is not at {NOTICE}")
    return fold(NOTICE.read_text(encoding="utf-8")).casefold()


@pytest.fixture(scope="module")
def model() -> Graph:
    return loading.load_graph([resources.model_path()])


@pytest.fixture(scope="module")
def page(client) -> dict[str, str]:
    return {lang: client.get(f"/?lang={lang}").text for lang in ("sv", "en")}


# --- the notice, side by side with the page -----------------------------------------------


@pytest.mark.parametrize("name", NOTICE_ACTIVITIES + NOTICE_CATEGORIES + NOTICE_EXAMPLES)
def test_every_name_the_notice_gives_is_on_the_regenerated_page(name: str, notice_text: str, page) -> None:
    assert name.casefold() in notice_text, f"{name!r} is not the notice's wording"
    assert name.casefold() in text_of(page["sv"]).casefold()


def test_every_activity_and_category_of_the_model_is_on_the_page_in_both_languages(model: Graph, page) -> None:
    notice = next(model.subjects(RDF.type, DPV.PrivacyNotice))
    resources_ = set(model.objects(notice, DPV.hasProcess)) | set(model.objects(notice, DPVA.definesPersonalData))
    resources_ |= {c for a in model.objects(notice, DPV.hasProcess) for c in model.objects(a, DPV.hasPersonalData)}
    assert len(resources_) >= 10 + 9
    for lang in ("sv", "en"):
        shown = text_of(page[lang])
        labels = [
            str(label)
            for r in resources_
            for label in model.objects(r, SKOS.prefLabel)
            if isinstance(label, Literal) and label.language == lang
        ]
        assert len(labels) == len(resources_)
        assert [label for label in labels if label not in shown] == []


def test_each_activity_shows_every_aspect_the_notice_states(page) -> None:
    articles = re.findall(r'<article class="activity".*?</article>', page["en"], flags=re.S)
    assert len(articles) == 10
    for article in articles:
        for heading in (
            "Purpose",
            "Personal data",
            "Legal basis",
            "Retention",
            "Recipients",
            "Transfers to third countries",
            "Your rights",
        ):
            assert f"<dt>{heading}</dt>" in article, (heading, article[:200])
    assert "Unnamed country outside the EU (third country)" in page["en"]
    assert (
        "SCCs adopted by Commission" in page["en"] and "eu-gdpr:SCCByCommission" not in page["en"]
    )  # labels, not IRIs


def test_activities_are_grouped_by_legal_basis_as_in_the_notice(page) -> None:
    headings = re.findall(r"<h3 id=\"basis-\d\" data-iri=\"([^\"]+)\">(.*?)</h3>", page["en"])
    assert len(headings) == 2 and headings[0][0].endswith("A6-1-f") and headings[1][0].endswith("A6-1-a")
    assert "legitimate interest" in headings[0][1] and "consent" in headings[1][1]


def test_each_activity_links_to_its_rest_resource_and_a_sparql_query_that_answers(client, page) -> None:
    rest = re.findall(r'href="(/v1/activities/[^"]+)"', page["en"])
    queries = re.findall(r'href="/sparql#query=([^"]+)"', page["en"])
    assert len(rest) == len(queries) == 10
    for link in rest:
        assert client.get(html.unescape(link)).json()["properties"]
    for encoded in queries[:2]:
        response = client.post(
            "/sparql",
            content=unquote(html.unescape(encoded)).encode(),
            headers={"content-type": "application/sparql-query"},
        )
        assert response.json()["results"]["bindings"]


def test_the_language_switch_is_a_plain_link_and_accept_language_is_honoured(client, page) -> None:
    assert '<html lang="sv">' in page["sv"] and '<html lang="en">' in page["en"]
    assert re.search(r'<a class="lang-switch"[^>]*href="/\?lang=en"', page["sv"])
    assert re.search(r'<a class="lang-switch"[^>]*href="/\?lang=sv"', page["en"])
    assert '<html lang="sv">' in client.get("/", headers={"accept-language": "sv-SE,sv;q=0.9"}).text
    assert "Personuppgiftskategorier" in page["sv"] and "Personal data categories" in page["en"]


def test_unknown_policy_is_a_problem(client, assert_problem) -> None:
    assert_problem(client.get("/?policy=nope"), 404)


@pytest.mark.parametrize("path", ["/", "/validation", "/diagram", "/sparql"])
def test_pages_have_no_inline_script_and_send_a_content_security_policy(client, path: str) -> None:
    response = client.get(path, headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    for tag in re.findall(r"<script\b[^>]*>", response.text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " on" not in "".join(re.findall(r"<[a-z]+\b[^>]*\bon[a-z]+=", response.text))


# --- the editor on GET /sparql -------------------------------------------------------------


def test_a_browser_gets_the_editor_with_every_competency_question(client) -> None:
    response = client.get("/sparql", headers={"accept": BROWSER_ACCEPT})
    assert response.headers["content-type"].startswith("text/html")
    block = re.search(r'<script type="application/json" id="dpv-queries">(.*?)</script>', response.text, flags=re.S)
    questions = json.loads(block.group(1))
    assert len(questions) == len(client.app.state.services.competency_queries) == 29
    assert all(q["text"].strip() and q["title"] for q in questions)
    assert "/static/js/sparql-editor.js" in response.text


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "application/ld+json, text/html;q=0.5"])
def test_rdf_clients_still_get_the_service_description(client, accept: str | None) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert not response.headers["content-type"].startswith("text/html")
    assert "sparql-service-description" in response.text or "sd:" in response.text or "@context" in response.text


def test_the_editor_assets_are_served_locally(client) -> None:
    if not (Path(diagram.__file__).parent.parent / "static" / "vendor" / "yasgui" / "yasgui.min.js").is_file():
        pytest.skip("YASGUI assets not installed (make assets)")
    for path in (
        "/static/vendor/yasgui/yasgui.min.js",
        "/static/vendor/yasgui/yasgui.min.css",
        "/static/js/sparql-editor.js",
    ):
        assert client.get(path).status_code == 200, path


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang, heading", [("en", "Art. 13(2)(a)"), ("sv", "Art. 13.2 a")])
def test_the_validation_page_lists_every_result_by_article(client, lang: str, heading: str) -> None:
    report = validate(lang=lang)
    shown = text_of(client.get(f"/validation?lang={lang}").text)
    assert f" {heading} " in f" {shown} "
    assert report.count(Severity.WARNING) > 0
    for result in report.results:
        assert result.message in shown
    warnings = re.search(r'data-severity="warning"><strong>(\d+)</strong>', client.get(f"/validation?lang={lang}").text)
    assert int(warnings.group(1)) == report.count(Severity.WARNING)


def test_article_of_reads_the_rule_label_then_the_message() -> None:
    report = validate(lang="en")
    by_rule = {r.rule.id: article_of(r) for r in report.results}
    assert by_rule["A13-2-a-RetentionPeriod"] == "Art. 13(2)(a)"
    assert by_rule["ConsentRetention"].startswith("Art. 7(3)")


# --- the data-flow picture ------------------------------------------------------------------


def test_to_dot_quotes_labels_and_links_activities() -> None:
    rows = [
        {
            "kind": "transfer",
            "activity": "x:/A",
            "activityLabel": 'Say "hi" \\ there',
            "category": "x:/C",
            "recipient": "x:/R",
            "country": "x:/K",
            "countryLabel": "Far away",
            "safeguardLabel": "SCC",
        }
    ]
    dot = diagram.to_dot(rows, "T")
    assert r"Say \"hi\" \\ there" in dot and 'URL="/#A"' in dot and 'label="SCC"' in dot
    assert dot.count("->") == 2  # activity -> recipient (labelled C), importer -> country (labelled SCC)


@pytest.mark.skipif(not diagram.dot_available(), reason="Graphviz's dot is not installed here (CI installs it)")
def test_the_diagram_is_svg_drawn_from_the_graph(client) -> None:
    svg = client.get("/diagram.svg?lang=sv")
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.text.startswith("<svg")
    assert svg.text.count('class="node activity"') == 10
    assert "Ej namngivet land utanför EU" in svg.text and "Google" in svg.text
    page = client.get("/diagram?lang=en").text
    assert '<figure class="diagram"' in page and "<svg" in page


def test_without_graphviz_the_page_says_so(client, monkeypatch, assert_problem) -> None:
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    monkeypatch.setattr(diagram, "_SVG_CACHE", {})
    page = client.get("/diagram?lang=en&policy=almi")
    assert page.status_code == 200 and 'id="diagram-missing"' in page.text and "Graphviz" in page.text
    assert_problem(client.get("/diagram.svg?policy=almi"), 503)


@pytest.mark.backends("memory")
def test_the_swedish_notice_names_every_legal_basis_and_safeguard_in_swedish(client) -> None:
    """No English DPV label and no IRI in the Swedish page's text (legal bases, safeguards, articles)."""
    page = client.get("/", params={"lang": "sv"}).text
    text = re.sub(r"<[^>]+>", " ", page)
    assert "legitimate interest" not in text and "adequacy decision" not in text and "SCCs" not in text
    assert "eu-gdpr:" not in text and "https://" not in text and "A45-3" not in text
    assert "Intresseavvägning" in text and "Adekvansbeslut" in text and "Kan ske" in text


@pytest.mark.backends("memory")
def test_the_editor_runs_a_question_in_the_editor(client) -> None:
    page = client.get("/sparql", headers={"accept": "text/html", "accept-language": "sv"}).text
    assert 'href="/sparql#q=third-country-transfers"' in page
