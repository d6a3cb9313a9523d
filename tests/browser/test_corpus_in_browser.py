"""The observatory page in Chromium: a real ``dpv-almi serve`` with Almi and synthetic notices, the
matrix read and re-sorted by clicking its column headings (links: no script involved), in both
languages, with nothing fetched from outside and no console error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dpv_almi import resources
from dpv_almi.model.synthetic import write_policies
from tests.browser.conftest import Page
from tests.support.local_service import running_service


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-corpus")
    write_policies(5, folder / "notices", seed=11, faults={2: "no-controller"})
    files = [str(path) for path in sorted((folder / "notices").glob("*.ttl"))]
    args = ["--data", str(resources.ontology_dir()), *files]
    with running_service(folder, args=args, env={"DPV_ALMI_WORKERS": "2"}) as service:
        yield service.url


@pytest.fixture
def corpus_page(browser: object, corpus_server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")  # type: ignore[attr-defined]
    wrapped = Page(context.new_page(), corpus_server)
    yield wrapped
    context.close()
    assert wrapped.outside == [], f"the page reached outside the service: {wrapped.outside}"


def _policies(page: Page) -> list[str]:
    return page.page.locator("#matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.policy)")


def test_the_matrix_sorts_by_clicking_its_headings(corpus_page: Page) -> None:
    page = corpus_page
    page.page.goto(f"{page.base}/corpus?lang=en")
    page.page.wait_for_selector("#matrix")
    assert len(_policies(page)) == 6
    scores = [
        float(s)
        for s in page.page.locator("#matrix tbody td[data-score]").evaluate_all(
            "cells => cells.map(c => c.dataset.score)"
        )
    ]
    assert scores == sorted(scores, reverse=True)
    # the controller column: the notice without a controller comes first
    page.page.locator('#matrix thead a[data-sort="A13-1-a-Controller"]').click()
    page.page.wait_for_url("**sort=A13-1-a-Controller**")
    assert _policies(page)[0] == "org-00002"
    missing = page.page.locator('tr[data-policy="org-00002"] td[data-requirement="A13-1-a-Controller"]')
    assert missing.get_attribute("data-status") == "missing"
    assert "missing" in missing.inner_text()  # the word is there for a screen reader
    # the score heading twice: descending, then ascending
    page.page.locator('#matrix thead a[data-sort="score"]').click()
    page.page.wait_for_url("**sort=score**")
    page.page.locator('#matrix thead a[data-sort="score"]').click()
    page.page.wait_for_url("**order=asc**")
    ascending = [
        float(s)
        for s in page.page.locator("#matrix tbody td[data-score]").evaluate_all(
            "cells => cells.map(c => c.dataset.score)"
        )
    ]
    assert ascending == sorted(scores)
    assert page.page.locator('#matrix thead th[aria-sort="ascending"]').count() == 1
    page.screenshot("corpus-en")
    assert page.errors == []


def test_the_page_in_swedish_explains_a_score(corpus_page: Page) -> None:
    page = corpus_page
    page.page.goto(f"{page.base}/corpus?lang=en")
    page.page.locator("#lang-switch").click()
    page.page.wait_for_selector("html[lang=sv]")
    assert "Observatoriet" in page.page.locator("h1").inner_text()
    page.page.locator('tr[data-policy="almi"] td[data-score] a').click()
    details = page.page.locator("#explain-almi")
    assert details.get_attribute("open") is None or details.is_visible()
    details.locator("summary").click()
    assert "poäng" in details.inner_text() and "Almi AB" in details.inner_text()
    page.screenshot("corpus-sv")
    assert page.errors == []
