"""Engine rewrites (dpv_almi.sparql.rewrite, chosen per engine in dpv_almi.store.remote) keep a query's meaning: checked by running both texts on a local Oxigraph store."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpv_almi.namespaces import PREFIXES
from dpv_almi.sparql import rewrite as sparql_rewrite
from dpv_almi.sparql.catalogue import load_rest_catalogue
from dpv_almi.store import remote as engines
from dpv_almi.store.dataset import DatasetSpec, QueryJob

EX = "http://example.org/"
P, Q = f"<{EX}p>", f"<{EX}q>"
NODES = [f"{EX}n{i}" for i in range(5)]
G1, G2 = f"{EX}g1", f"{EX}g2"


def rows(store: ox.Store, text: str, **dataset: object) -> Counter:
    """The solutions of a SELECT as a multiset (order and variable order ignored)."""
    result = store.query(text, **dataset)
    variables = [v.value for v in result.variables]
    return Counter(tuple(sorted((name, str(solution[name])) for name in variables)) for solution in result)


def make_store(edges: list[tuple[int, str, int, str]]) -> ox.Store:
    store = ox.Store()
    for s, p, o, g in edges:
        store.add(ox.Quad(ox.NamedNode(NODES[s]), ox.NamedNode(EX + p), ox.NamedNode(NODES[o]), ox.NamedNode(g)))
    return store


EDGES = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(["p", "q"]), st.integers(0, 4), st.sampled_from([G1, G2])), max_size=14
)


# --- the protocol dataset replaces FROM / FROM NAMED --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"SELECT * FROM <{G1}> {{ ?s ?p ?o }}", "SELECT *   { ?s ?p ?o }"),
        (f"SELECT * FROM <{G1}> FROM NAMED <{G2}> WHERE {{ ?s ?p ?o }}", "SELECT *     WHERE { ?s ?p ?o }"),
        (
            "PREFIX ex: <http://example.org/> ASK from ex:g1 from named ex:g2 { ?s ?p ?o }",
            "PREFIX ex: <http://example.org/> ASK       { ?s ?p ?o }",
        ),
        # FROM in a string, an IRI or a comment is not a dataset clause
        ('SELECT * { ?s ?p "FROM <x>" } # FROM <y>', 'SELECT * { ?s ?p "FROM <x>" } # FROM <y>'),
        ("SELECT * { ?s <http://example.org/FROM> ?o }", "SELECT * { ?s <http://example.org/FROM> ?o }"),
    ],
)
def test_strip_dataset_clauses(query: str, expected: str) -> None:
    assert " ".join(sparql_rewrite.strip_dataset_clauses(query).split()) == " ".join(expected.split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edges=EDGES,
    from_graphs=st.lists(st.sampled_from([G1, G2]), max_size=2),
    from_named=st.lists(st.sampled_from([G1, G2]), max_size=2),
    protocol_default=st.lists(st.sampled_from([G1, G2]), min_size=1, max_size=2, unique=True),
    body=st.sampled_from(["?s ?p ?o", "GRAPH ?g { ?s ?p ?o }", '?s ?p ?o FILTER (STR(?p) != "FROM <x>")']),
)
def test_stripping_gives_what_the_protocol_dataset_means(
    edges, from_graphs, from_named, protocol_default, body
) -> None:
    """With a protocol dataset, the stripped query answers as the original does when the dataset overrides it."""
    store = make_store(edges)
    clauses = "".join(f" FROM <{g}>" for g in from_graphs) + "".join(f" FROM NAMED <{g}>" for g in from_named)
    query = f"SELECT *{clauses} WHERE {{ {body} }}"
    stripped = sparql_rewrite.strip_dataset_clauses(query)
    assert "FROM" not in stripped.split("WHERE")[0] and stripped.split("WHERE", 1)[1] == query.split("WHERE", 1)[1]
    dataset = {"default_graph": [ox.NamedNode(g) for g in protocol_default], "named_graphs": [ox.NamedNode(G1)]}
    assert rows(store, stripped, **dataset) == rows(store, query, **dataset)


def test_query_params_strip_from_only_when_the_protocol_gives_a_dataset() -> None:
    remote = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/sparql?engine=virtuoso")
    query = f"SELECT * FROM <{G1}> {{ ?s ?p ?o }}"
    assert f"FROM <{G1}>" in dict(remote.query_params(QueryJob(query)))["query"]
    params = remote.query_params(QueryJob(query, DatasetSpec(default_graphs=(G2,))))
    assert f"FROM <{G1}>" not in dict(params)["query"] and ("default-graph-uri", G2) in params


# --- optional parameters left unbound ------------------------------------------------------------------------

UNBOUND = (
    f"SELECT ?x WHERE {{ VALUES ?c {{ UNDEF }} VALUES $d {{ <{NODES[1]}> }} ?x {Q} ?y "
    f"FILTER (!BOUND(?c) || EXISTS {{ ?y {P}* ?c }}) FILTER (!bound($d) || EXISTS {{ ?y {P}* ?d }}) }}"
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            UNBOUND,
            f"SELECT ?x WHERE {{ VALUES $d {{ <{NODES[1]}> }} ?x {Q} ?y FILTER (!bound($d) || EXISTS {{ ?y {P}* ?d }}) }}",
        ),
        # a FILTER of the parameter inside another one goes with the outer one
        (
            "SELECT * { VALUES ?c { UNDEF } ?x ?p ?y FILTER (!BOUND(?c) || EXISTS { ?x ?p ?c FILTER (!BOUND(?c) || ?y = ?c) }) }",
            "SELECT * { ?x ?p ?y }",
        ),
        # UNDEF and BOUND in strings, IRIs and comments are not clauses
        (
            'SELECT * { ?x ?p "VALUES ?c { UNDEF }" FILTER (!BOUND(?y) || ?x = <http://e/FILTER>) } # VALUES ?y { UNDEF }',
            'SELECT * { ?x ?p "VALUES ?c { UNDEF }" FILTER (!BOUND(?y) || ?x = <http://e/FILTER>) } # VALUES ?y { UNDEF }',
        ),
        # a parameter that is bound, or a FILTER of another shape, stays
        (
            "SELECT * { VALUES ?c { <http://e/c> } ?x ?p ?c FILTER (!BOUND(?c) || ?x != ?c) }",
            "SELECT * { VALUES ?c { <http://e/c> } ?x ?p ?c FILTER (!BOUND(?c) || ?x != ?c) }",
        ),
        (
            "SELECT * { VALUES ?c { UNDEF } ?x ?p ?y FILTER (BOUND(?c) || ?x != ?y) }",
            "SELECT * { ?x ?p ?y FILTER (BOUND(?c) || ?x != ?y) }",
        ),
    ],
)
def test_drop_unbound_parameters(query: str, expected: str) -> None:
    assert " ".join(sparql_rewrite.drop_unbound_parameters(query).split()) == " ".join(expected.split())


def test_every_unbound_parameter_of_the_named_queries_is_dropped() -> None:
    """Each named query as the service sends it with no parameter given: no UNDEF, no !BOUND guard of one left."""
    for query in load_rest_catalogue().values():
        text = sparql_rewrite.drop_unbound_parameters(query.text)
        unbound = [p.name for p in query.parameters if re.search(rf"VALUES\s+\?{p.name}\s*\{{\s*UNDEF", query.text)]
        assert unbound or not re.search(r"\{\s*UNDEF\s*\}", query.text), query.name
        assert not re.search(r"\{\s*UNDEF\s*\}", text) and sparql_rewrite.parses(text), query.name
        assert not [name for name in unbound if f"BOUND(?{name})" in text.replace(" ", "")], query.name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edges=EDGES)
def test_dropping_unbound_parameters_keeps_the_meaning(edges) -> None:
    store = make_store(edges)
    assert rows(store, sparql_rewrite.drop_unbound_parameters(UNBOUND), use_default_graph_as_union=True) == rows(
        store, UNBOUND, use_default_graph_as_union=True
    )


# --- arbitrary-length paths as sets (Virtuoso counts the steps it walked) --------------------------------------

CLOSURE_QUERIES = [
    # (query, rewritten?)
    (f"SELECT ?x {{ ?x {P}* <{NODES[0]}> }}", True),
    (f"SELECT ?x {{ <{NODES[0]}> {P}+ ?x }}", True),
    (f"SELECT ?x ?y {{ ?x {Q} ?y . ?y {P}+ <{NODES[1]}> }}", True),
    (f"SELECT ?x {{ ?x {Q}/{P}* <{NODES[2]}> }}", True),
    (f"SELECT ?x {{ <{NODES[0]}> {P}*/{Q} ?x }}", True),
    (f"SELECT ?x ?z {{ ?x {Q} ?z ; {P}* <{NODES[0]}> , <{NODES[1]}> }}", True),
    (f"SELECT ?x ?y {{ ?x {Q} ?y OPTIONAL {{ ?y {P}+ <{NODES[3]}> }} }}", True),
    (f"SELECT ?x {{ ?x {Q} ?y FILTER EXISTS {{ ?y {P}* <{NODES[0]}> }} }}", True),
    (f"SELECT ?x {{ {{ SELECT ?x WHERE {{ ?x ({P}|{Q})+ <{NODES[1]}> }} }} }}", True),
    (f"SELECT ?x {{ GRAPH ?g {{ ?x {P}* <{NODES[1]}> }} }}", False),  # per graph: zero-length steps differ
    (f"SELECT ?x ?y {{ ?x {P}* ?y }}", False),  # no constant end: Virtuoso cannot start the closure
    (f"SELECT ?x {{ {{ ?x {Q} ?y }} UNION {{ ?y {Q} ?x }} ?x {P}* <{NODES[0]}> }}", True),
    (
        f"SELECT ?x ?y ?k {{ ?x {Q} ?y . {{ ?y {P}* <{NODES[0]}> BIND (1 AS ?k) }} UNION {{ ?y {Q} ?x BIND (2 AS ?k) }} }}",
        True,
    ),
    (f"SELECT ?x ?y {{ ?x {Q} ?y OPTIONAL {{ ?y {P}* <{NODES[3]}> FILTER (?x != ?y) }} }} ORDER BY ?x ?y", True),
    # the shape of the REST data-flow query: a closure on a predicate variable, an OPTIONAL matching nothing, ORDER BY
    (f"SELECT ?x ?y ?s {{ ?x ?r ?y . ?r {P}* {Q} . OPTIONAL {{ ?s {Q} ?l FILTER (false) }} }} ORDER BY ?x ?y ?s", True),
    (f"SELECT ?x {{ [] {P}* ?x ; {Q} <{NODES[0]}> }}", False),  # blank node syntax: sent as written
    (f"SELECT ?x {{ ?x {P}+|{Q} <{NODES[0]}> }}", False),  # alternative at the top: no set semantics to lean on
    (f"SELECT (COUNT(*) AS ?n) {{ ?x {P} ?y FILTER (?x != ?y * 2) }}", False),
]


@pytest.mark.parametrize(("query", "rewritten"), CLOSURE_QUERIES)
def test_closures_are_rewritten_where_they_can_be(query: str, rewritten: bool) -> None:
    assert (sparql_rewrite.distinct_closures(query) != query) is rewritten


def test_closure_rewrite_example() -> None:
    query = "SELECT ?a WHERE { ?a a dpv:Process ; dpv:hasLegalBasis/skos:broader* eu-gdpr:A6-1-a . }"
    assert sparql_rewrite.distinct_closures(query) == (
        "SELECT ?a WHERE { ?a a dpv:Process .\n  ?a dpv:hasLegalBasis ?_dpv_almi_step1 .\n"
        "  { SELECT DISTINCT ?_dpv_almi_step1 WHERE { ?_dpv_almi_step1 skos:broader* eu-gdpr:A6-1-a }"
        f" LIMIT {sparql_rewrite.NO_LIMIT} }} . }}"
    )


@pytest.mark.parametrize(
    ("query", "barriers"),
    [
        # joined with the rest of its group: evaluated on its own first (Virtuoso loses solutions of the join otherwise)
        (f"SELECT ?x {{ ?x {Q} ?y . ?y {P}* <{NODES[0]}> }}", 1),
        (f"SELECT ?x {{ {{ ?x {Q} ?y }} UNION {{ ?y {Q} ?x }} ?x {P}* <{NODES[0]}> }}", 1),
        (f"SELECT ?x {{ ?x {Q} ?y OPTIONAL {{ ?y {P}* <{NODES[0]}> BIND (1 AS ?k) }} }}", 1),
        (f"SELECT ?x {{ ?x {Q} ?y FILTER EXISTS {{ ?y {Q}/{P}* <{NODES[0]}> }} }}", 1),
        # the closure alone in its group (FILTERs aside): no LIMIT, Virtuoso makes OPTIONAL { { SELECT … LIMIT n } } an inner join
        (f"SELECT ?x {{ ?x {Q} ?y OPTIONAL {{ ?y {P}+ <{NODES[3]}> }} }}", 0),
        (f"SELECT ?x {{ ?x {Q} ?y OPTIONAL {{ ?y {P}+ <{NODES[3]}> FILTER (?x != ?y) }} }}", 0),
        (f"SELECT ?x {{ ?x {P}* <{NODES[0]}> }}", 0),
    ],
)
def test_closure_barrier_only_where_the_closure_is_joined(query: str, barriers: int) -> None:
    rewritten = sparql_rewrite.distinct_closures(query)
    assert rewritten != query and rewritten.count(f"LIMIT {sparql_rewrite.NO_LIMIT}") == barriers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edges=EDGES, query=st.sampled_from([q for q, _ in CLOSURE_QUERIES]))
def test_closure_rewrite_keeps_the_meaning(edges, query: str) -> None:
    """On any data (cycles, diamonds, a triple in two graphs), the rewrite answers as the query as written."""
    store = make_store(edges)
    assert rows(store, sparql_rewrite.distinct_closures(query), use_default_graph_as_union=True) == rows(
        store, query, use_default_graph_as_union=True
    )


def test_virtuoso_gets_the_rewritten_text() -> None:
    virtuoso = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/sparql?engine=virtuoso")
    oxigraph = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/query")
    job = QueryJob(f"SELECT ?x {{ ?x {P}* <{NODES[0]}> }}")
    assert "SELECT DISTINCT" in dict(virtuoso.query_params(job))["query"]
    assert "SELECT DISTINCT" not in dict(oxigraph.query_params(job))["query"]


# --- Virtuoso: FILTER EXISTS as an uncorrelated join --------------------------------------------------------

EXISTS_QUERIES = [
    # (query, rewritten?)
    (f"SELECT ?x {{ ?x {Q} ?y FILTER EXISTS {{ ?y {P}* <{NODES[0]}> }} }}", True),
    (
        f"SELECT ?x ?y {{ ?x {Q} ?y FILTER EXISTS {{ ?y {P} ?z . {{ ?z {P}+ <{NODES[1]}> }} UNION {{ ?z {Q} ?y }} }} }}",
        True,
    ),
    # a bound parameter: !BOUND is false and the constant goes into the pattern
    (f"SELECT ?x {{ VALUES ?c {{ <{NODES[2]}> }} ?x {Q} ?y FILTER (!BOUND(?c) || EXISTS {{ ?y {P}* ?c }}) }}", True),
    # bound by a triple after an OPTIONAL: the join goes at the end of the group, where the filter applies
    (f"SELECT ?x ?z {{ OPTIONAL {{ ?x {Q} ?z }} ?x {P} ?y FILTER EXISTS {{ ?x {P}* <{NODES[0]}> }} }}", True),
    (f"SELECT ?x {{ ?x {Q} ?y FILTER NOT EXISTS {{ ?y {P}* <{NODES[0]}> }} }}", False),
    (
        f"SELECT ?x ?z {{ ?x {Q} ?y OPTIONAL {{ ?y {P} ?z }} FILTER EXISTS {{ ?z {P} ?x }} }}",
        False,
    ),  # ?z may be unbound
    (f"SELECT ?x {{ ?x {Q} ?y FILTER EXISTS {{ ?y {P} ?z FILTER (?z != ?x) }} }}", False),  # a filter inside
    (f"SELECT ?x {{ ?x {Q} ?y FILTER EXISTS {{ {{ ?y {P} ?w }} UNION {{ ?w {Q} ?w }} }} }}", False),  # ?y in one branch
    (f"SELECT ?x {{ ?x {Q} ?y OPTIONAL {{ ?y {P} ?z FILTER EXISTS {{ ?z {Q} ?x }} }} }}", False),  # not top level
    (f"SELECT ?x {{ VALUES ?c {{ UNDEF }} ?x {Q} ?y FILTER (!BOUND(?c) || EXISTS {{ ?y {P}* ?c }}) }}", False),
    (
        f"SELECT ?x {{ VALUES ?c {{ <{NODES[1]}> <{NODES[2]}> }} ?x {Q} ?y FILTER (!BOUND(?c) || EXISTS {{ ?y {P} ?c }}) }}",
        False,
    ),
]


@pytest.mark.parametrize(("query", "rewritten"), EXISTS_QUERIES)
def test_exists_become_joins_where_they_mean_the_same(query: str, rewritten: bool) -> None:
    text = sparql_rewrite.exists_as_joins(query)
    assert (text != query) is rewritten
    assert not rewritten or ("EXISTS" not in text and "SELECT DISTINCT" in text)


def test_a_bound_parameter_becomes_a_constant_in_the_join() -> None:
    query = f"SELECT ?x {{ VALUES ?c {{ <{NODES[2]}> }} ?x {Q} ?y FILTER (!BOUND(?c) || EXISTS {{ ?y {P}* ?c }}) }}"
    join = sparql_rewrite.exists_as_joins(query).split("SELECT DISTINCT", 1)[1]
    assert join.startswith(" ?y WHERE") and f"{P}* <{NODES[2]}>" in join and "?c" not in join


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edges=EDGES, query=st.sampled_from([q for q, _ in EXISTS_QUERIES]))
def test_exists_as_joins_keeps_the_meaning(edges, query: str) -> None:
    """On any data, with duplicates: the join answers the same multiset as the filter."""
    store = make_store(edges)
    assert rows(store, sparql_rewrite.exists_as_joins(query), use_default_graph_as_union=True) == rows(
        store, query, use_default_graph_as_union=True
    )


def test_virtuoso_gets_exists_as_a_join() -> None:
    virtuoso = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/sparql?engine=virtuoso")
    oxigraph = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/query")
    job = QueryJob(EXISTS_QUERIES[0][0])
    assert "EXISTS" not in dict(virtuoso.query_params(job))["query"]
    assert "EXISTS" in dict(oxigraph.query_params(job))["query"]


def _answer_with(status: int, headers: dict[str, str]) -> engines.Outcome:
    """What :func:`engines.execute` makes of a Virtuoso reply with *status* and *headers* (one JSON row)."""
    body = b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": "http://e/1"}}]}}'

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=body, headers={"content-type": "application/sparql-results+json", **headers}
        )

    remote = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/sparql?engine=virtuoso")

    async def run() -> engines.Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as client:
            return await engines.execute(client, remote, QueryJob(text="SELECT ?s { ?s ?p ?o }", table=True), 5)

    return asyncio.run(run())


def test_an_answer_the_store_cut_short_is_a_503_not_a_result() -> None:
    whole = _answer_with(200, {})
    assert whole.status == 200 and whole.rows == 1
    cut = _answer_with(
        200,
        {
            "X-SQL-State": "S1TAT",
            "X-SQL-Message": "RC...: Returning incomplete results, query interrupted by result timeout.",
        },
    )
    assert cut.status == 503 and "S1TAT" in cut.detail and "incomplete" in cut.detail
    assert _answer_with(206, {}).status == 503


# --- Virtuoso: every variable projected inside, EXISTS values as booleans ----------------------------------------

PROJECTION_QUERIES = [
    # (query, rewritten?)
    (f"SELECT ?x WHERE {{ VALUES ?v {{ <{NODES[1]}> }} ?x {Q} ?y OPTIONAL {{ ?y {P} ?z FILTER (?z = ?v) }} }}", True),
    (f"SELECT DISTINCT ?x (COUNT(*) AS ?n) {{ ?x {P} ?y }} GROUP BY ?x ORDER BY DESC(?n) ?x", True),
    (f"SELECT ?x FROM <{G1}> WHERE {{ ?x {P}* <{NODES[0]}> }} LIMIT 3", True),
    (f"SELECT * WHERE {{ ?x {P} ?y }}", False),  # every variable is projected already
    (f"ASK {{ ?x {P} ?y }}", False),
]


@pytest.mark.parametrize(("query", "rewritten"), PROJECTION_QUERIES)
def test_projection_rewrite_applies_to_selects_with_a_list(query: str, rewritten: bool) -> None:
    text = sparql_rewrite.project_all_inside(query)
    assert (text != query) is rewritten
    assert not rewritten or "{ { SELECT * WHERE {" in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edges=EDGES, query=st.sampled_from([q for q, _ in PROJECTION_QUERIES]))
def test_projection_rewrite_keeps_the_meaning(edges, query: str) -> None:
    store = make_store(edges)
    rewritten = sparql_rewrite.project_all_inside(query)
    if query.startswith("ASK"):
        assert store.query(rewritten, use_default_graph_as_union=True) == store.query(
            query, use_default_graph_as_union=True
        )
        return
    kwargs = {} if "FROM" in query else {"use_default_graph_as_union": True}
    expected = [tuple(map(str, s)) for s in store.query(query, **kwargs)]
    actual = [tuple(map(str, s)) for s in store.query(rewritten, **kwargs)]
    assert actual == expected if "ORDER BY" in query and "LIMIT" not in query else Counter(actual) == Counter(expected)


def test_exists_variables_are_only_those_bound_to_a_bare_exists() -> None:
    query = (
        "SELECT * { ?x ?p ?o BIND (EXISTS { ?x ?p ?q } AS ?a) BIND (NOT EXISTS { ?o ?p ?x } AS ?b) "
        "BIND (EXISTS { ?x ?p ?q } || ?o = 1 AS ?c) BIND (IF(EXISTS { ?o ?p ?q }, 1, 0) AS ?d) }"
    )
    assert sparql_rewrite.exists_variables(query) == {"a", "b"}
    assert sparql_rewrite.exists_variables("SELECT ?x ((EXISTS { ?x ?p ?o }) AS ?e) { ?x ?p ?o }") == set()


def test_virtuoso_integer_exists_values_become_booleans_only_for_exists_variables() -> None:
    integer = {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1"}
    body = json.dumps(
        {"head": {"vars": ["a", "n"]}, "results": {"bindings": [{"a": dict(integer), "n": dict(integer)}]}}
    )
    row = json.loads(engines.normalise_json(body.encode(), frozenset({"a"})))["results"]["bindings"][0]
    assert row["a"] == {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "true"}
    assert row["n"] == {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1"}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        (f"SELECT * {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}", True),
        ("SELECT * { graph ex:g { ?s ?p ?o } }", True),
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", False),
        ('SELECT * { ?s ?p "GRAPH <http://e/g>" } # GRAPH <http://e/h>', False),
    ],
)
def test_names_a_graph_sees_only_constant_graph_patterns(query: str, named: bool) -> None:
    assert sparql_rewrite.names_a_graph(query) is named


def test_virtuoso_system_graph_pragmas_stay_off_where_a_graph_is_named() -> None:
    """Under Virtuoso's input:…-graph-exclude pragmas GRAPH <iri> finds nothing; GRAPH ?g needs them."""
    virtuoso = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/sparql?engine=virtuoso")
    by_name = dict(virtuoso.query_params(QueryJob(f"SELECT * {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")))["query"]
    by_variable = dict(virtuoso.query_params(QueryJob("SELECT * { GRAPH ?g { ?s ?p ?o } }")))["query"]
    assert "graph-exclude" not in by_name and "named-graph-exclude" in by_variable


# --- Virtuoso: xsd:duration literals stored under a datatype it keeps verbatim (issue #5) --------------------

XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
STORED = "https://w3id.org/dpv-almi/vocab#xsdDuration"
VIRTUOSO = engines.ENGINES["virtuoso"]
DURATION_DATA = (
    f'<{EX}a> <{EX}p> "P1M"^^<{XSD_DURATION}> .\n'
    f'<{EX}b> <{EX}p> "PT60M"^^<{XSD_DURATION}> .\n'  # not canonical: the local stores hold PT1H
    f'<{EX}c> <{EX}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    f"<{EX}d> <http://www.w3.org/2000/01/rdf-schema#range> <{XSD_DURATION}> .\n"
    f'<{EX}e> <{EX}p> "x\\"^^<{XSD_DURATION}>" .\n'
).encode()


def test_the_stored_datatype_is_the_projects_own() -> None:
    from dpv_almi.namespaces import DPVA, STORED_DURATION

    assert str(STORED_DURATION) == STORED and str(STORED_DURATION).startswith(str(DPVA))


def test_durations_are_stored_under_the_stand_in_datatype_and_come_back() -> None:
    stored = engines.stored_ntriples(VIRTUOSO, DURATION_DATA).decode()
    assert f'"P1M"^^<{STORED}>' in stored and f'"PT1H"^^<{STORED}>' in stored
    assert f"rdf-schema#range> <{XSD_DURATION}>" in stored  # the IRI as a term is not a literal's datatype
    assert f'"x\\"^^<{XSD_DURATION}>"' in stored  # nor is text inside a string
    assert [line for line in stored.splitlines() if "uration" not in line] == [
        line for line in DURATION_DATA.decode().splitlines() if "uration" not in line
    ]  # the rest as it was
    no_durations = DURATION_DATA.replace(b"duration", b"date")
    assert engines.stored_ntriples(VIRTUOSO, no_durations) is no_durations
    outcome = engines.decode(
        "application/n-triples", stored.encode(), QueryJob("CONSTRUCT WHERE { ?s ?p ?o }"), VIRTUOSO.restored
    )
    assert outcome.status == 200 and STORED.encode() not in outcome.body
    back = ox.Store()
    back.load(outcome.body, format=ox.RdfFormat.TURTLE)
    original = ox.Store()
    original.load(DURATION_DATA, format=ox.RdfFormat.N_TRIPLES)
    assert set(back) == set(original)


def test_json_answers_get_xsd_duration_back_as_datatype_and_as_value() -> None:
    body = json.dumps(
        {
            "head": {"vars": ["o", "t", "s"]},
            "results": {
                "bindings": [
                    {
                        "o": {"type": "typed-literal", "datatype": STORED, "value": "P1M"},
                        "t": {"type": "uri", "value": STORED},
                        "s": {"type": "literal", "value": STORED},
                    }
                ]
            },
        }
    ).encode()
    row = json.loads(engines.normalise_json(body, frozenset(), VIRTUOSO.restored))["results"]["bindings"][0]
    assert row["o"] == {"type": "literal", "datatype": XSD_DURATION, "value": "P1M"}
    assert row["t"] == {"type": "uri", "value": XSD_DURATION}
    assert row["s"] == {"type": "literal", "value": STORED}  # STR(DATATYPE(?x)): a string, left (see the docstring)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('SELECT * { ?s ?p "P1M"^^xsd:duration }', f'SELECT * {{ ?s ?p "P1M"^^<{STORED}> }}'),
        (f'SELECT * {{ ?s ?p "PT60M"^^<{XSD_DURATION}> }}', f'SELECT * {{ ?s ?p "PT1H"^^<{STORED}> }}'),
        (
            "PREFIX x: <http://www.w3.org/2001/XMLSchema#> ASK { ?s ?p '''P1D'''^^x:duration }",
            f'PREFIX x: <http://www.w3.org/2001/XMLSchema#> ASK {{ ?s ?p "P1D"^^<{STORED}> }}',
        ),
        (
            'SELECT * { VALUES ?d { "P1M"^^xsd:duration } ?s ?p ?d }',
            f'SELECT * {{ VALUES ?d {{ "P1M"^^<{STORED}> }} ?s ?p ?d }}',
        ),
        (
            "SELECT * { ?s ?p ?o FILTER (DATATYPE(?o) = xsd:duration || xsd:duration != datatype(?o)) }",
            f"SELECT * {{ ?s ?p ?o FILTER (DATATYPE(?o) = <{STORED}> || <{STORED}> != datatype(?o)) }}",
        ),
        (
            "SELECT * { ?s ?p ?o FILTER (sameTerm(DATATYPE(?o), xsd:duration) || sameTerm(xsd:duration, DATATYPE(?o))) }",
            f"SELECT * {{ ?s ?p ?o FILTER (sameTerm(DATATYPE(?o), <{STORED}>) || sameTerm(<{STORED}>, DATATYPE(?o))) }}",
        ),
        (
            "SELECT * { ?s ?p ?o FILTER (DATATYPE(?o) NOT IN (xsd:string, xsd:duration)) }",
            f"SELECT * {{ ?s ?p ?o FILTER (DATATYPE(?o) NOT IN (xsd:string, <{STORED}>)) }}",
        ),
        # the IRI as a term, in a cast, in STRDT, compared with something else; strings and comments; another xsd:
        (
            "SELECT * { ?s rdfs:range xsd:duration BIND (xsd:duration(?o) AS ?d) BIND (STRDT(?t, xsd:duration) AS ?e) "
            "FILTER (STR(?o) = xsd:duration) }",
            None,
        ),
        ('SELECT * { ?s ?p "\\"P1M\\"^^xsd:duration" } # "P1M"^^xsd:duration', None),
        ('PREFIX xsd: <http://example.org/> SELECT * { ?s ?p "P1M"^^xsd:duration }', None),
    ],
)
def test_duration_literals_and_datatype_tests_are_rewritten(query: str, expected: str | None) -> None:
    assert sparql_rewrite.durations_stored_as(query, STORED) == (expected or query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?s { ?s ?p "P1M"^^xsd:duration }',
        'SELECT ?s { ?s ?p "PT60M"^^xsd:duration }',
        'SELECT ?s ?o { VALUES ?o { "PT1H"^^xsd:duration "P1M"^^xsd:duration } ?s ?p ?o }',
        'SELECT ?s { ?s ?p ?o FILTER (?o = "P1M"^^xsd:duration) }',
        'SELECT ?s { ?s ?p ?o FILTER (sameTerm(?o, "PT1H"^^xsd:duration)) }',
        "SELECT ?s ?o { ?s ?p ?o FILTER (DATATYPE(?o) = xsd:duration) }",
        "SELECT ?s { ?s ?p ?o FILTER (DATATYPE(?o) != xsd:duration) }",
        "SELECT ?s { ?s ?p ?o FILTER (DATATYPE(?o) IN (xsd:integer, xsd:duration)) }",
        "SELECT ?s (DATATYPE(?o) AS ?t) { ?s ?p ?o FILTER isLiteral(?o) }",
        "SELECT ?s { ?s rdfs:range xsd:duration }",
        'CONSTRUCT { ?s ?p ?o . ?s ?p "P2D"^^xsd:duration } WHERE { ?s ?p ?o }',
    ],
)
def test_duration_rewrite_keeps_the_meaning_on_the_stored_data(query: str) -> None:
    """Stored data + rewritten query, answers mapped back == the data and the query as written, on Oxigraph
    (which, like Virtuoso, compares literals of an unknown datatype as terms)."""
    original, stored = ox.Store(), ox.Store()
    original.load(DURATION_DATA, format=ox.RdfFormat.N_TRIPLES)
    stored.load(engines.stored_ntriples(VIRTUOSO, DURATION_DATA), format=ox.RdfFormat.N_TRIPLES)
    rewritten = sparql_rewrite.durations_stored_as(query, STORED)
    assert rewritten != query or "range" in query or "isLiteral" in query

    def answers(store: ox.Store, text: str) -> Counter:
        result = store.query(text, prefixes=PREFIXES)
        items = (
            (str(t) for t in result) if isinstance(result, ox.QueryTriples) else (" ".join(map(str, s)) for s in result)
        )
        return Counter(item.replace(f"<{STORED}>", f"<{XSD_DURATION}>") for item in items)

    expected = answers(original, query)
    assert expected and answers(stored, rewritten) == expected


def test_oxigraph_gets_durations_as_they_are() -> None:
    oxigraph = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/query")
    assert not oxigraph.engine.stored_durations and oxigraph.engine.restored == {}
    assert engines.stored_ntriples(oxigraph.engine, DURATION_DATA) is DURATION_DATA
    query = 'SELECT ?s { ?s ?p ?o FILTER (DATATYPE(?o) = xsd:duration || ?o = "P1M"^^xsd:duration) }'
    assert oxigraph.query_text(QueryJob(query)) == query
    virtuoso = engines.RemoteStore.parse("sparql+http://127.0.0.1:1/sparql?engine=virtuoso")
    sent = dict(virtuoso.query_params(QueryJob(query)))["query"]
    assert sent.count(f"<{STORED}>") == 2
