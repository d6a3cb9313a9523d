"""``/sparql`` with generated queries: valid and invalid, odd Unicode, huge literals, deep nesting.

Whatever the text, the answer is never a 5xx: a query the parser refuses is a 400 problem with a
message, a query too long a 413, and a valid one a result.  Queries are built from SPARQL
fragments (so many parse) and mutated with arbitrary text (so many do not).
"""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpv_almi.settings import Settings
from dpv_almi.web import create_app

EXAMPLES = int(os.environ.get("DPV_ALMI_FUZZ_EXAMPLES", "1000"))
MAX_QUERY = 20_000
SEEN: dict[int, int] = {}

TERMS = st.sampled_from(
    [
        "?s",
        "?p",
        "?o",
        "?x",
        "dpv:Process",
        "almi:Nyhetsbrev",
        "<http://e/a>",
        "_:b",
        "[]",
        "skos:broader",
        "a",
        "rdf:type",
        "1",
        "2.5e3",
        "true",
        '"x"@sv',
        '"1"^^xsd:integer',
    ]
)
PATHS = st.sampled_from(
    [
        "skos:broader*",
        "skos:broader+",
        "(skos:broader|^skos:broader)*",
        "!rdf:type",
        "dpv:hasPurpose/skos:broader*",
        "^dpv:hasPurpose?",
    ]
)
REGEXES = st.sampled_from(['"^(a+)+$"', '"["', '"x"', '"("', "'(?i)dpv'"])
ODD = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    """A group graph pattern, sometimes nested, sometimes wrong."""
    triple = f"{draw(TERMS)} {draw(st.one_of(TERMS, PATHS))} {draw(TERMS)}"
    choice = draw(st.integers(0, 7 if depth < 3 else 2))
    if choice == 0:
        return triple
    if choice == 1:
        return f"FILTER(REGEX(STR(?o), {draw(REGEXES)}))"
    if choice == 2:
        return (
            f"BIND({draw(st.sampled_from(['STRLEN', 'UCASE', 'ENCODE_FOR_URI', 'STR']))}({draw(TERMS)}) AS ?b{depth})"
        )
    inner = draw(patterns(depth + 1))
    return {
        3: f"{{ {triple} }} UNION {{ {inner} }}",
        4: f"OPTIONAL {{ {inner} }}",
        5: f"MINUS {{ {inner} }}",
        6: f"GRAPH ?g {{ {inner} }}",
        7: f"FILTER EXISTS {{ {inner} }}",
    }[choice]


@st.composite
def queries(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 6))
    body = " . ".join(draw(st.lists(patterns(), min_size=1, max_size=4)))
    if kind == 0:  # plain, valid-looking
        head = draw(
            st.sampled_from(
                [
                    "SELECT *",
                    "SELECT DISTINCT ?s",
                    "ASK",
                    "CONSTRUCT WHERE",
                    "SELECT (COUNT(*) AS ?n)",
                    "SELECT (GROUP_CONCAT(STR(?o)) AS ?all)",
                    "DESCRIBE ?s",
                ]
            )
        )
        tail = draw(st.sampled_from(["", " LIMIT 5", " ORDER BY ?s", " GROUP BY ?s", " OFFSET 3 LIMIT 2"]))
        return f"{head} {{ {body} }}{tail}"
    if kind == 1:  # odd Unicode in literals, IRIs and variable names
        text = draw(ODD)
        return draw(
            st.sampled_from(
                [
                    f'SELECT * {{ ?s ?p "{text}" }}',
                    f"SELECT * {{ <{text}> ?p ?o }}",
                    f"SELECT ?{text} {{ ?s ?p ?o }}",
                    f"ASK {{ ?s ?p ?o FILTER(?o = '{text}') }}",
                ]
            )
        )
    if kind == 2:  # huge literals, around the length cap
        size = draw(st.sampled_from([1_000, 10_000, MAX_QUERY - 40, MAX_QUERY + 10]))
        return f'ASK {{ ?s ?p "{"x" * size}" }}'
    if kind == 3:  # deep nesting: braces, parentheses, brackets
        depth = draw(st.sampled_from([3, 10, 60, 65, 200, 3000]))  # the cap is 64 (sparql_text.MAX_NESTING)
        opener, _closer = draw(st.sampled_from([("{", "}"), ("(", ")"), ("[ ?p ", " ]")]))
        if opener == "{":
            return "SELECT * " + "{ " * depth + "?s ?p ?o" + " }" * depth
        if opener == "(":
            return "SELECT * { ?s ?p ?o FILTER(" + "(" * depth + "?o" + ")" * depth + ") }"
        return "SELECT * { ?s ?p " + "[ ?p " * depth + "?o" + " ]" * depth + " }"
    if kind == 4:  # arbitrary text
        return draw(ODD)
    if kind == 5:  # a valid query cut or spliced with garbage
        query = f"SELECT * {{ {body} }}"
        cut = draw(st.integers(0, len(query)))
        return query[:cut] + draw(ODD) + query[cut:]
    return f"{draw(st.sampled_from(['SELECT', 'ASK', 'PREFIX x: <y>', 'BASE <z>', 'INSERT DATA', 'LOAD']))} {draw(ODD)}"


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(
        create_app(Settings(workers=2, query_timeout=5, max_query_length=MAX_QUERY)), raise_server_exceptions=False
    ) as test_client:
        yield test_client


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(query=queries(), post=st.booleans())
def test_sparql_never_fails(client: TestClient, query: str, post: bool) -> None:
    if post:
        response = client.post(
            "/sparql",
            content=query.encode("utf-8", "surrogatepass"),
            headers={"content-type": "application/sparql-query"},
        )
    else:
        response = client.get("/sparql", params={"query": query})
    SEEN[response.status_code] = SEEN.get(response.status_code, 0) + 1
    assert response.status_code < 500, f"{response.status_code} for {query[:200]!r}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["detail"] and "Traceback" not in response.text
        if response.status_code == 400 and body["title"] == "Malformed query":
            assert body["detail"].strip()


def test_the_fuzzer_tried_enough() -> None:
    """Runs after the fuzzer: the figure docs/reliability.md quotes (valid and invalid both met)."""
    if not SEEN:
        pytest.skip("the fuzzer did not run in this session")
    assert sum(SEEN.values()) >= min(EXAMPLES, 1000)
    assert SEEN.get(200) and SEEN.get(400), SEEN
    print(f"\n/sparql fuzz: {sum(SEEN.values())} queries, statuses {dict(sorted(SEEN.items()))}")
