"""SELECT answers of :meth:`DataStore.execute`: Oxigraph's own serialisation (the fast path) and the
row-by-row reader (answers over ``FAST_PATH_BYTES``) must give the same answer under every cap."""

from __future__ import annotations

import json

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpv_almi.store import dataset as store
from dpv_almi.store.dataset import DataStore, QueryJob, merge_default_graph

EX = "http://example.org/"

literals = st.one_of(
    st.text(max_size=20).map(pyoxigraph.Literal),
    st.tuples(st.text(max_size=10), st.sampled_from(["sv", "en", "en-GB"])).map(
        lambda t: pyoxigraph.Literal(t[0], language=t[1])
    ),
    st.integers(-(10**6), 10**6).map(
        lambda n: pyoxigraph.Literal(str(n), datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    ),
)
objects = st.one_of(
    literals,
    st.integers(0, 30).map(lambda n: pyoxigraph.NamedNode(f"{EX}o{n}")),
    st.integers(0, 5).map(lambda n: pyoxigraph.BlankNode(f"b{n}")),
)
triples = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3), objects), max_size=60)


def _store(rows: list[tuple[int, int, pyoxigraph.Term]]) -> DataStore:
    oxi = pyoxigraph.Store()
    graph = pyoxigraph.NamedNode(f"{EX}graph")
    for s, p, o in rows:
        oxi.add(pyoxigraph.Quad(pyoxigraph.NamedNode(f"{EX}s{s}"), pyoxigraph.NamedNode(f"{EX}p{p}"), o, graph))
    merge_default_graph(oxi)  # what every backend does after loading
    return DataStore(store=oxi)


QUERY = "SELECT ?s ?o ?extra { ?s ?p ?o OPTIONAL { ?s <http://example.org/p0> ?extra } } ORDER BY ?s ?p ?o ?extra"


def _both_paths(data: DataStore, job: QueryJob, monkeypatch: pytest.MonkeyPatch) -> tuple[store.Outcome, store.Outcome]:
    fast = data.execute(job)
    with monkeypatch.context() as patched:
        patched.setattr(store, "FAST_PATH_BYTES", 0)  # every answer takes the row-by-row path
        bounded = data.execute(job)
    return fast, bounded


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=triples,
    max_rows=st.integers(1, 80),
    media=st.sampled_from(
        ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values"]
    ),
)
def test_fast_and_bounded_paths_answer_alike(
    rows: list, max_rows: int, media: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _store(rows)
    fast, bounded = _both_paths(data, QueryJob(text=QUERY, max_rows=max_rows, results_type=media), monkeypatch)
    assert (fast.status, fast.rows, fast.truncated, fast.media_type) == (
        bounded.status,
        bounded.rows,
        bounded.truncated,
        bounded.media_type,
    )
    if media.endswith("json"):
        assert json.loads(fast.body) == json.loads(bounded.body)
    else:
        assert fast.body == bounded.body
    everything = len(list(data.query(QUERY)))
    assert fast.rows == min(everything, max_rows)
    assert fast.truncated == (everything > max_rows)


def test_tables_alike_and_cut_to_max_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _store([(n, 0, pyoxigraph.Literal(f"v{n}")) for n in range(25)])
    fast, bounded = _both_paths(data, QueryJob(text=QUERY, max_rows=10, table=True), monkeypatch)
    assert fast.table == bounded.table
    assert (fast.rows, fast.truncated) == (10, True)
    assert len(fast.table["results"]["bindings"]) == 10  # type: ignore[index]


def test_answer_over_the_byte_cap_is_refused_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _store([(n, 1, pyoxigraph.Literal("x" * 200)) for n in range(50)])
    fast, bounded = _both_paths(data, QueryJob(text=QUERY, max_rows=1000, max_bytes=4096), monkeypatch)
    assert (fast.status, fast.title) == (bounded.status, bounded.title) == (422, "Result too large")


def test_large_answer_is_evaluated_again_and_read_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the fast path's budget the store reads rows one by one: the answer is still cut at
    max_rows and marked, not refused."""
    data = _store([(n, 1, pyoxigraph.Literal("y" * 100)) for n in range(200)])
    monkeypatch.setattr(store, "FAST_PATH_BYTES", 2048)
    outcome = data.execute(QueryJob(text=QUERY, max_rows=20))
    assert (outcome.status, outcome.rows, outcome.truncated) == (200, 20, True)
    document = json.loads(outcome.body)
    assert document["truncated"] is True and len(document["results"]["bindings"]) == 20


def test_error_raised_while_serialising_is_returned_as_a_problem() -> None:
    """Evaluation is lazy: an error surfaces inside Oxigraph's serialiser and must come back as an
    outcome, not escape the worker.  (The runner refuses SERVICE before a worker sees it; here it is
    only a query that fails mid-evaluation without touching the network: Oxigraph refuses port 1.)"""
    data = _store([(1, 1, pyoxigraph.Literal("a"))])
    outcome = data.execute(QueryJob(text="SELECT * { ?s ?p ?o SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"))
    assert outcome.status >= 400 and outcome.title == "Query evaluation failed"
    assert "port 1" in outcome.detail


@pytest.mark.parametrize("extra", [0, 1, 2])
def test_construct_truncated_exactly_when_triples_pass_the_cap(extra: int) -> None:
    """Both readers consume the solution past the cap to know of it: one more than the cap is truncated."""
    data = _store([(n, 0, pyoxigraph.Literal("v")) for n in range(10 + extra)])
    outcome = data.execute(QueryJob(text="CONSTRUCT WHERE { ?s ?p ?o }", max_rows=10))
    assert (outcome.rows, outcome.truncated) == (10, extra > 0)
