"""The REST API: every answer equals the same question asked directly in SPARQL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dpv_almi.sparql.catalogue import bind, load_catalogue, load_rest_catalogue
from dpv_almi.web.named_queries import simplify

REST = load_rest_catalogue()
CQ = load_catalogue()
ALMI = "https://w3id.org/dpv-almi/almi/"


def sparql_rows(client, name: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The same named query, bound the same way, asked through /sparql (POST application/sparql-query)."""
    response = client.post(
        "/sparql", content=bind(REST[name], values).encode(), headers={"content-type": "application/sparql-query"}
    )
    assert response.status_code == 200, response.text
    return simplify(response.json())


KEYS = {
    "transfers": "transfer",
    "categories": "category",
    "recipients": "recipient",
    "rights": "right",
    "contacts": "entity",
    "retention": "activity",
    "changes": "change",
    "policies": "graph",
}
"""The variable naming each listing's resources: a page holds distinct resources, not rows."""


def _item_key(path: str, item: dict[str, Any]) -> str:
    return {"retention": lambda i: i["activity"]["iri"], "policies": lambda i: i["graph"]}.get(
        path, lambda i: i["iri"]
    )(item)


@pytest.mark.parametrize("path", list(KEYS))
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_listing_equals_sparql(client, path: str, lang: str) -> None:
    body = client.get(f"/v1/{path}", params={"lang": lang}).json()
    direct = sparql_rows(client, path, {"lang": lang})
    resources = sorted({row[KEYS[path]] for row in direct})
    assert body["lang"] == lang and sorted(_item_key(path, item) for item in body["items"]) == resources
    assert body["total"] == len(resources) == body["count"] > 0, path


def test_every_iri_in_a_listing_has_a_label(client) -> None:
    """Transfers name their bases and safeguards by label: Swedish where Swedish words exist."""
    transfer = client.get("/v1/transfers", params={"lang": "sv"}).json()["items"][0]
    assert transfer["likelihood"]["label"] == "Kan ske (i flera fall)"
    bases = {b["iri"].rsplit("#", 1)[1]: b["label"] for b in transfer["bases"]}
    assert bases["A45-3"].startswith("Adekvansbeslut") and "Standardavtalsklausuler" in bases["A46-2-c"]
    english = client.get("/v1/transfers", params={"lang": "en"}).json()["items"][0]
    assert {b["label"] for b in english["bases"]} == {
        "Art 45(3) adequacy decision",
        "Art 46(2-c) Standard Data Protection Clauses adopted by Commission",
    } or all(b["label"] and b["label"] != b["iri"] for b in english["bases"])


@pytest.mark.parametrize(
    ("params", "values", "expected"),
    [
        ({}, {}, 10),
        ({"basis": "consent"}, {"basis": "eu-gdpr:A6-1-a"}, 4),
        ({"basis": "legitimate-interest"}, {"basis": "eu-gdpr:A6-1-f"}, 6),
        ({"basis": "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a"}, {"basis": "eu-gdpr:A6-1-a"}, 4),
        ({"category": "pd:Contact"}, {"category": "pd:Contact"}, 7),
        ({"category": "pd:EmailAddress"}, {"category": "pd:EmailAddress"}, 7),
        ({"purpose": "dpv:Marketing"}, {"purpose": "dpv:Marketing"}, 4),
        ({"recipient": "dpv:DataController"}, {"recipient": "dpv:DataController"}, 2),
        ({"source": "dpv:DataSubjectDataSource"}, {"source": "dpv:DataSubjectDataSource"}, 9),
        ({"transfer": "true"}, {"transfer": "true"}, 10),
        ({"profiling": "true", "basis": "consent"}, {"profiling": "true", "basis": "eu-gdpr:A6-1-a"}, 1),
    ],
)
def test_activity_filters_equal_sparql(client, params: dict, values: dict, expected: int) -> None:
    body = client.get("/v1/activities", params={**params, "lang": "sv"}).json()
    assert body["total"] == expected
    direct = sparql_rows(client, "activities", {**values, "lang": "sv"})
    assert [item["iri"] for item in body["items"]] == sorted({row["activity"] for row in direct})
    assert all(item["label"] for item in body["items"])


def test_category_filter_walks_the_dpv_hierarchy_like_the_competency_question(client) -> None:
    rest = {item["iri"] for item in client.get("/v1/activities", params={"category": "pd:Contact"}).json()["items"]}
    answer = client.get("/v1/queries/activities-by-data-category", params={"concept": "pd:Contact"}).json()
    assert rest == {row["activity"]["value"] for row in answer["results"]["bindings"]}


def test_pagination(client) -> None:
    first = client.get("/v1/activities", params={"limit": 4}).json()
    rest = client.get("/v1/activities", params={"limit": 4, "offset": 4}).json()
    assert first["total"] == rest["total"] == 10 and first["count"] == rest["count"] == 4
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in rest["items"]}


def test_the_third_country_question_answers_the_same_everywhere(client) -> None:
    """The issue's done-when: /sparql, /v1/transfers and the named query agree."""
    text = CQ["third-country-transfers"].text
    columns = ("activity", "country", "transferBasis", "safeguard", "likelihood")
    via_sparql = simplify(client.get("/sparql", params={"query": text}).json())
    via_named = simplify(client.get("/v1/queries/third-country-transfers").json())
    via_rest = [
        {
            "activity": activity["iri"],
            "country": country["iri"],
            "transferBasis": basis["iri"],
            "safeguard": safeguard["iri"],
            "likelihood": item["likelihood"]["iri"],
        }
        for item in client.get("/v1/transfers").json()["items"]
        for activity in item["activities"]
        for country in item["countries"]
        for basis in item["bases"]
        for safeguard in item["safeguards"]
    ]

    def project(rows: list[dict]) -> list[tuple]:
        return sorted(tuple(row.get(c) for c in columns) for row in rows)

    assert project(via_sparql) == project(via_named) == project(via_rest)
    assert len({row["activity"] for row in via_rest}) == 10


def test_one_activity_with_its_passages(client) -> None:
    body = client.get("/v1/activities/almi/Nyhetsbrev", params={"lang": "sv"}).json()
    rows = sparql_rows(client, "activity", {"activity": ALMI + "Nyhetsbrev", "lang": "sv"})
    assert sum(len(values) for values in body["properties"].values()) == len(rows)
    assert {"value": "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a", "label": "Samtycke"} in body["properties"][
        "https://w3id.org/dpv#hasLegalBasis"
    ] or "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a" in str(body["properties"]["https://w3id.org/dpv#hasLegalBasis"])
    assert body["passages"] == sparql_rows(client, "activity-passages", {"activity": ALMI + "Nyhetsbrev"})
    assert any("Nyhetsbrev" in passage["quote"] for passage in body["passages"])


@pytest.mark.parametrize(("accept", "marker"), [("text/turtle", "almi:Nyhetsbrev"), ("application/ld+json", '"@id"')])
def test_one_activity_as_rdf(client, accept: str, marker: str) -> None:
    response = client.get("/v1/activities/almi/Nyhetsbrev", headers={"accept": accept})
    assert response.headers["content-type"].startswith(accept) and marker in response.text


def test_policies(client) -> None:
    policies = client.get("/v1/policies").json()
    assert [p["id"] for p in policies["items"]] == ["almi"]
    summary = client.get("/v1/policies/almi").json()
    assert summary["controller"] == {"iri": ALMI + "AlmiAB", "label": "Almi AB"}
    assert summary["dpoContact"] == "mailto:dataskyddsombud@almi.se"
    assert summary["authority"]["iri"] == "https://w3id.org/dpv/legal/se#DPA-SE"
    assert (summary["activities"], summary["rights"], summary["categories"]) == (10, 9, 7)
    assert summary["lastChange"] == "2024-07-02"


def test_named_queries(client) -> None:
    listed = client.get("/v1/queries").json()
    assert listed["count"] == len(CQ) == 29
    by_name = {q["name"]: q for q in listed["items"]}
    assert by_name["activities-by-data-category"]["parameters"][0]["name"] == "concept"
    csv = client.get("/v1/queries/consent-activities", headers={"accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and len(csv.text.strip().splitlines()) == 5


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/activities/almi/Nowhere", 404),
        ("/v1/policies/nowhere", 404),
        ("/v1/policies/dpv", 404),
        ("/v1/queries/nowhere", 404),
        ("/v1/queries/contacts?bogus=1", 400),
        ("/v1/queries/activities-by-data-category?concept=not%20an%20iri", 422),
        ("/v1/queries/activities-by-data-category?concept=nope:X", 400),
        ("/v1/queries/activities-by-data-category?concept=pd:Contct", 404),
        ("/v1/activities?category=not%20an%20iri", 400),
        ("/v1/activities?limit=0", 422),
        ("/v1/activities?transfer=maybe", 422),
    ],
)
def test_rest_errors_are_problems(client, assert_problem, path: str, status: int) -> None:
    assert_problem(client.get(path), status)


def test_openapi_describes_v1(client) -> None:
    spec = client.get("/v1/openapi.json").json()
    assert {"/v1/activities", "/v1/activities/{policy}/{name}", "/v1/transfers"} <= set(spec["paths"])
    assert {f"/v1/queries/{name}" for name in CQ} <= set(spec["paths"])


def test_operation_ids_are_names_a_client_generator_keeps() -> None:
    from dpv_almi.settings import Settings
    from dpv_almi.web import create_app

    spec = create_app(Settings(workers=1)).openapi()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert {"list_activities", "get_activity", "list_policies", "get_policy", "list_transfers", "list_queries"} <= set(
        ids
    )
    # not FastAPI's default (function name + path + method: list_activities_v1_activities_get)
    assert all(re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", i) and "_v1_" not in i for i in ids), ids


def test_every_200_answer_of_v1_is_typed() -> None:
    from dpv_almi.settings import Settings
    from dpv_almi.web import create_app

    spec = create_app(Settings(workers=1)).openapi()
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/") or path.startswith(("/v1/queries/", "/v1/admin")):
            continue
        schema = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema, (path, schema)


@pytest.mark.parametrize("bad", ["concept=not%20an%20iri", "concept=%3Cno%20spaces%3E"])
def test_a_named_querys_parameters_are_declared_and_validated(client, assert_problem, bad: str) -> None:
    spec = client.get("/v1/openapi.json").json()
    declared = spec["paths"]["/v1/queries/activities-by-data-category"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in declared] == [("concept", "query")] and declared[0]["description"]
    assert_problem(client.get(f"/v1/queries/activities-by-data-category?{bad}"), 422)


def test_a_named_query_in_a_browser_is_a_table_of_labels(client) -> None:
    page = client.get(
        "/v1/queries/third-country-transfers",
        params={"lang": "sv"},
        headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-query="third-country-transfers"' in page.text and "Adekvansbeslut" in page.text
    assert '<a href="/sparql#q=third-country-transfers">' in page.text
    assert ">eu-gdpr:A45-3<" not in page.text and ">https://w3id.org/dpv/legal/eu/gdpr#A45-3<" not in page.text
