"""The REST contract a client relies on: the same error for the same mistake on every filter,
caches keyed on what the answer depends on, CORS for the SPARQL protocol's POST forms."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.backends("memory")


@pytest.mark.parametrize(
    ("query", "status", "title"),
    [
        ("policy=nope", 404, "Unknown policy"),
        ("category=nope:X", 400, "Unknown prefix"),
        ("purpose=nope:X", 400, "Unknown prefix"),
        ("category=pd:Contct", 404, "Unknown concept"),
        ("recipient=dpv:ThirdPartyy", 404, "Unknown concept"),
        ("basis=Consent", 400, "Bad parameter"),
        ("source=https://example.org/nothing", 404, "Unknown concept"),
    ],
)
def test_a_filter_naming_nothing_is_an_error_not_an_empty_page(client, assert_problem, query, status, title) -> None:
    body = assert_problem(client.get(f"/v1/activities?{query}"), status)
    assert body["title"] == title, body


def test_an_unknown_concept_hints_at_dpvs_nearest_term(client, assert_problem) -> None:
    body = assert_problem(client.get("/v1/activities?category=pd:Contct"), 404)
    assert "pd:Contact" in body["detail"]


@pytest.mark.parametrize("query", ["category=pd:Contact", "recipient=dpv:ThirdParty", "category=pd:Health"])
def test_a_known_concept_filters(client, query) -> None:
    """A DPV term the data does not use is known: an empty page, not an error."""
    response = client.get(f"/v1/activities?{query}")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/v1/activities", "/v1/transfers", "/v1/policies"])
def test_a_huge_offset_is_a_422_on_the_parameter(client, assert_problem, path) -> None:
    body = assert_problem(client.get(f"{path}?offset={10**30}"), 422)
    assert "offset" in body["detail"] and "SELECT" not in body["detail"]


@pytest.mark.parametrize("path", ["/v1/activities", "/v1/transfers", "/v1/categories", "/v1/policies"])
def test_one_default_limit_everywhere(client, path) -> None:
    from dpv_almi.web.routers.v1.common import DEFAULT_LIMIT

    assert client.get(path).json()["limit"] == DEFAULT_LIMIT


@pytest.mark.parametrize(
    "path", ["/v1/policies", "/v1/policies/almi", "/v1/activities", "/v1/transfers", "/v1/rights", "/v1/categories"]
)
def test_answers_that_depend_on_the_language_say_so_to_caches(client, path) -> None:
    english = client.get(path, headers={"accept-language": "en"})
    swedish = client.get(path, headers={"accept-language": "sv"})
    for response in (english, swedish):
        vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
        assert {"accept", "accept-language"} <= vary, response.headers["vary"]
    assert english.headers["etag"] != swedish.headers["etag"]


@pytest.mark.parametrize("path", ["/", "/validation", "/diagram"])
def test_a_page_in_a_language_it_lacks_is_the_default_page(client, path) -> None:
    response = client.get(f"{path}?lang=de", headers={"accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<html lang="en"' in response.text


def test_cors_allows_the_sparql_protocols_post(make_client) -> None:
    origin = "https://editor.example"
    client = make_client(cors_origins=(origin,))
    preflight = client.options(
        "/sparql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    answer = client.post(
        "/sparql",
        content=b"ASK {}",
        headers={"origin": origin, "content-type": "application/sparql-query", "accept": "application/json"},
    )
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == origin
    refused = client.options(
        "/sparql", headers={"origin": "https://elsewhere.example", "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in refused.headers
