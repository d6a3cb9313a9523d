"""The pages in a real browser: the notice and its language switch, the editor running a typed
query, the validation warnings, the diagram.  Each test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import pytest

from dpv_almi.validation.core import Severity, validate


def test_the_notice_loads_and_switches_language_by_keyboard(page) -> None:
    page.page.goto(f"{page.base}/?lang=en")
    assert page.page.locator("html").get_attribute("lang") == "en"
    assert "Information about Almi" in page.page.locator("h1").inner_text()
    assert page.page.locator("article.activity").count() == 10
    page.screenshot("notice-en")
    for _ in range(15):  # the switch is reachable with Tab alone
        page.page.keyboard.press("Tab")
        if page.page.evaluate("document.activeElement && document.activeElement.id") == "lang-switch":
            break
    else:
        raise AssertionError("the language switch cannot be reached with the keyboard")
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector("html[lang=sv]")
    assert "Information om Almis hantering av personuppgifter" in page.page.locator("h1").inner_text()
    assert page.page.get_by_role("heading", name="Nyhetsbrev-anmälan via hemsida").is_visible()
    page.screenshot("notice-sv")
    assert page.errors == []


def test_the_labels_switch_shows_the_notices_own_words_and_keeps_the_interface(page) -> None:
    """English interface, Almi's Swedish words: the second switch, by keyboard; the words are
    marked Swedish (the browser exposes each element's language to assistive technology)."""
    page.page.goto(f"{page.base}/?lang=en")
    assert page.page.get_by_role("heading", name="Newsletter sign-up via the website").is_visible()
    page.page.locator("#labels-switch").focus()
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector("article.notice[data-labels-lang=sv]")
    assert page.page.locator("html").get_attribute("lang") == "en"
    heading = page.page.get_by_role("heading", name="Nyhetsbrev-anmälan via hemsida")
    assert heading.is_visible() and heading.get_attribute("lang") == "sv"
    assert page.page.get_by_role("heading", name="Personal data categories and examples").is_visible()
    page.screenshot("notice-en-labels-sv")
    page.page.locator("#labels-switch").click()
    page.page.wait_for_selector("article.notice[data-labels-lang=en]")
    assert page.errors == []


def test_a_query_typed_in_the_editor_runs_and_shows_rows(page) -> None:
    page.page.goto(f"{page.base}/sparql")
    page.page.wait_for_selector(".yasgui .tabsList .tab")
    assert page.page.locator(".yasgui .tabsList .tab").count() >= 20
    editor = page.page.locator(".yasgui .tabPanel.active .CodeMirror").first
    editor.click()
    page.page.keyboard.press("Control+A")
    page.page.keyboard.press("Delete")
    page.page.keyboard.type(
        "SELECT ?activity ?label WHERE { ?notice dpv:hasProcess ?activity . ?activity skos:prefLabel ?label "
        'FILTER (LANG(?label) = "sv") } ORDER BY ?label'
    )
    page.page.keyboard.press("Control+Enter")
    rows = page.page.locator(".yasgui .tabPanel.active .yasr table tbody tr")
    rows.first.wait_for(timeout=15_000)
    assert rows.count() == 10
    assert "Analys av hemsida" in page.page.locator(".yasgui .tabPanel.active .yasr").inner_text()
    page.screenshot("editor-query")
    assert page.errors == []


def test_a_questions_run_link_opens_it_in_the_editor(page) -> None:
    """The Run link beside a question brings its tab forward in the editor (not raw results XML)."""
    page.page.goto(f"{page.base}/sparql")
    page.page.wait_for_selector(".yasgui .tabsList .tab")
    link = page.page.locator('a[data-question="third-country-transfers"]')
    link.click()
    active = page.page.locator(".yasgui .tabsList .tab.active").inner_text()
    title = page.page.locator("#q-third-country-transfers").inner_text()
    assert title.strip() in active  # the tab's text is its name and a close mark
    assert "dpv:CrossBorderTransfer" in page.page.locator(".yasgui .tabPanel.active .CodeMirror").first.inner_text()
    page.page.goto(f"{page.base}/sparql#q=consent-activities")
    page.page.reload()  # a new hash alone does not load the page again
    page.page.wait_for_selector(".yasgui .tabsList .tab.active")
    assert page.page.locator("#q-consent-activities").inner_text().strip() in (
        page.page.locator(".yasgui .tabsList .tab.active").inner_text()
    )
    assert page.errors == []


def test_the_validation_page_lists_the_warnings(page) -> None:
    page.page.goto(f"{page.base}/validation?lang=en")
    warnings = page.page.locator('table[data-severity="warning"] tbody tr')
    assert warnings.count() == validate(lang="en").count(Severity.WARNING) > 0
    assert page.page.get_by_role("heading", name="Art. 13(2)(a)").is_visible()
    page.screenshot("validation")


def test_the_diagram_renders(page) -> None:
    page.page.goto(f"{page.base}/diagram?lang=en")
    if page.page.locator("#diagram-missing").count():
        pytest.skip("Graphviz's dot is not installed here (apt-get install graphviz; .ci/run does)")
    activities = page.page.locator("figure.diagram svg g.node.activity")
    assert activities.count() == 10
    box = page.page.locator("figure.diagram svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    assert page.page.locator("figure.diagram svg g.node.country").count() == 1
    page.screenshot("diagram")
