"""``/corpus``: the observatory page, server-rendered, sortable by links, in Swedish and English."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from dpv_almi import resources
from dpv_almi.model.synthetic import write_policies

pytestmark = pytest.mark.backends("memory")


@pytest.fixture(scope="session")
def page_client(make_client, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("corpus-page")
    write_policies(2, folder, seed=3, faults={2: "no-controller"})
    return make_client([*resources.default_data_files(), *sorted(folder.glob("*.ttl"))])


def _rows(text: str) -> list[str]:
    return re.findall(r'<tr data-policy="([^"]+)">', text)


def _cells(text: str, policy: str) -> dict[str, str]:
    row = text.split(f'<tr data-policy="{policy}">', 1)[1].split("</tr>", 1)[0]
    return dict(re.findall(r'data-requirement="([^"]+)" data-status="([^"]+)"', row))


def test_the_page_shows_the_same_matrix_as_the_api(page_client) -> None:
    response = page_client.get("/corpus", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    api = page_client.get("/v1/corpus", params={"lang": "en"}).json()
    assert _rows(text) == [item["id"] for item in api["items"]]
    for item in api["items"]:
        assert _cells(text, item["id"]) == {c["requirement"]: c["status"] for c in item["cells"]}
        assert item["organisation"] in html.unescape(text)
        assert f'data-score="{item["score"]}"' in text
    for requirement in api["requirements"]:
        assert requirement["label"] in html.unescape(text) and requirement["article"] in text
    assert 'data-requirement="A13-1-a-Controller" data-status="missing"' in text  # org-00002 has no controller


def test_no_inline_script_and_readable_words(page_client) -> None:
    text = page_client.get("/corpus", params={"lang": "en"}).text
    assert "<script" not in text
    assert not re.search(r"<[^>]+\son[a-z]+=", text)  # no event-handler attributes
    assert '<span class="visually-hidden">missing</span>' in text  # each symbol has its word


def test_sorting_by_links(page_client) -> None:
    default = page_client.get("/corpus", params={"lang": "en"}).text
    assert 'aria-sort="descending"' in default
    # the current column's link flips the order; other columns' links sort by them
    assert 'href="?sort=score&amp;order=asc&amp;lang=en"' in default
    assert 'href="?sort=organisation&amp;lang=en"' in default
    ascending = page_client.get("/corpus", params={"lang": "en", "sort": "score", "order": "asc"}).text
    assert sorted(_rows(ascending)) == sorted(_rows(default))
    scores = [float(s) for s in re.findall(r'data-score="([0-9.]+)"', ascending)]
    assert scores == sorted(scores)
    by_name = page_client.get("/corpus", params={"lang": "en", "sort": "organisation"}).text
    assert 'aria-sort="ascending"' in by_name
    by_controller = page_client.get("/corpus", params={"sort": "A13-1-a-Controller"}).text
    assert _rows(by_controller)[0] == "org-00002"


def test_an_unknown_sort_shows_the_default_order(page_client) -> None:
    response = page_client.get("/corpus", params={"sort": "<script>", "order": "up", "lang": "en"})
    assert response.status_code == 200
    assert "<script" not in response.text
    assert _rows(response.text) == _rows(page_client.get("/corpus", params={"lang": "en"}).text)


def test_swedish_and_english(page_client) -> None:
    sv = page_client.get("/corpus", params={"lang": "sv"}).text
    en = page_client.get("/corpus", headers={"Accept-Language": "en"}).text
    assert '<html lang="sv">' in sv and "Observatoriet" in sv and "den personuppgiftsansvarige namnges" in sv
    assert '<html lang="en">' in en and "The observatory" in en and "the controller is named" in en
    assert 'href="/corpus?lang=en"' in en and 'href="/corpus?lang=sv"' in sv


def test_the_score_is_explained_on_the_page(page_client) -> None:
    api = page_client.get("/v1/corpus", params={"lang": "en"}).json()
    text = page_client.get("/corpus", params={"lang": "en"}).text
    for item in api["items"]:
        section = text.split(f'id="explain-{item["id"]}"', 1)[1].split("</details>", 1)[0]
        assert f"/validation?policy={item['id']}" in section
        for lost in item["lost"]:
            assert f"−{lost['points']} points" in section


def test_the_navigation_links_the_corpus(page_client) -> None:
    text = page_client.get("/", params={"lang": "en"}).text
    assert 'href="/corpus?lang=en"' in text


def test_empty_store_has_a_page(make_client, tmp_path: Path) -> None:
    """Only vocabulary, no policy: the page says so, the API has no rows."""
    client = make_client([resources.ontology_dir() / "vocab.ttl"])
    assert client.get("/v1/corpus").json()["policies"] == 0
    response = client.get("/corpus", params={"lang": "en"})
    assert response.status_code == 200 and "No policy is loaded." in response.text
