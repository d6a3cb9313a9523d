"""Every named query answers through the running service's ``/sparql`` as it does in memory, on every backend.

The reference is computed directly, without the service: the packaged data in an in-memory
:class:`~dpv_almi.store.backends.MemoryBackend` (the same files, so the same registry graph), queried with
the service's dataset rule.  Both answers become multisets of rows of terms (N-Triples syntax); where
the query has ``ORDER BY``, the sequence of its sort keys (the projected ones, up to the first that is
not) must match too -- ties may come in any order.  Differences that remain on Virtuoso are strict
xfails in ``VIRTUOSO_KNOWN_DIFFERENCES`` (conftest), with their cause.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pyoxigraph
import pytest

from dpv_almi import resources
from dpv_almi.sparql.catalogue import NamedQuery, load_catalogue, load_rest_catalogue
from dpv_almi.store.backends import MemoryBackend
from tests.ontology.test_cross_organisation_questions import CROSS_ORGANISATION

QUERIES: dict[str, NamedQuery] = {
    **{f"cq:{name}": query for name, query in load_catalogue().items()},
    **{f"rest:{name}": query for name, query in load_rest_catalogue().items()},
}
EMPTY_ON_THE_PACKAGED_DATA = {f"cq:{name}" for name in CROSS_ORGANISATION}
"""Questions across organisations that the Almi model rightly does not answer (no US transfer, no special
category, no automated decision, a basis for every activity): their answers are checked non-empty over
other notices in tests/ontology/test_cross_organisation_questions.py; here, that the service agrees."""
_ORDER_BY = re.compile(r"\bORDER\s+BY\b(?P<keys>[^{}]*)$", re.IGNORECASE)


@pytest.fixture(scope="module")
def reference() -> MemoryBackend:
    """The packaged data in memory, with its registry, as the memory backend serves it."""
    backend = MemoryBackend(list(resources.default_data_files()))
    yield backend
    backend.close()


def _term(term: Any) -> str:
    """A term as N-Triples text; blank node labels are the store's own, so only their kind is compared."""
    return "_:" if isinstance(term, pyoxigraph.BlankNode) else str(term)


def _answer(result: Any) -> bool | list[tuple[tuple[str, str], ...]]:
    """A parsed answer as a boolean (ASK), a list of rows (SELECT: (variable, term) pairs, unbound left out)
    or a sorted list of one-triple rows (CONSTRUCT: a graph has no order)."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return bool(result)
    if isinstance(result, pyoxigraph.QuerySolutions):
        names = [v.value for v in result.variables]
        return [
            tuple((name, _term(solution[name])) for name in names if solution[name] is not None) for solution in result
        ]
    return sorted((("triple", " ".join(_term(t) for t in triple)),) for triple in result)


def _sort_keys(query: NamedQuery, rows: list[tuple[tuple[str, str], ...]]) -> list[tuple[str | None, ...]]:
    """Each row's values of the ORDER BY variables that are projected, up to the first that is not."""
    match = _ORDER_BY.search(query.text)
    projected = {name for row in rows for name, _ in row}
    keys: list[str] = []
    for name in re.findall(r"\?(\w+)", match["keys"]) if match else []:
        if name not in projected and rows:
            break
        keys.append(name)
    return [tuple(dict(row).get(k) for k in keys) for row in rows]


def _from_service(server_url: str, query: NamedQuery) -> Any:
    accept = "application/n-triples" if query.form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
    response = httpx.post(
        f"{server_url}/sparql",
        content=query.text.encode(),
        timeout=60,
        headers={"content-type": "application/sparql-query", "accept": accept},
    )
    assert response.status_code == 200, response.text
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        return _answer(
            quad.triple for quad in pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)
        )
    return _answer(pyoxigraph.parse_query_results(response.content, format=pyoxigraph.QueryResultsFormat.JSON))


def test_every_named_query_is_checked() -> None:
    assert len([n for n in QUERIES if n.startswith("cq:")]) >= 15 and len(QUERIES) >= 30


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_answers_as_in_memory(server_url: str, reference: MemoryBackend, name: str) -> None:
    query = QUERIES[name]
    expected = _answer(reference.data.query(query.text))
    actual = _from_service(server_url, query)
    if isinstance(expected, bool):
        assert actual is expected
        return
    if not expected and name in EMPTY_ON_THE_PACKAGED_DATA:
        assert actual == expected
        return
    assert expected, f"{name}: the reference answer is empty, so it cannot tell stores apart"
    assert Counter(actual) == Counter(expected)
    assert _sort_keys(query, actual) == _sort_keys(query, expected)
