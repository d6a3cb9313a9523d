"""The competency questions answer as the notice says, in Oxigraph and in rdflib alike.

Each ``ontology/queries/NAME.rq`` has its expected answer in ``expected/NAME.json``:
``{"boolean": …}`` for ASK, else ``{"columns": […], "rows": [[…]]}`` with IRIs written as
prefixed names and literals as their lexical form. Rows are compared as multisets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from rdflib import Graph, URIRef
from rdflib.query import Result

from dpv_almi.namespaces import PREFIXES
from dpv_almi.sparql.catalogue import NamedQuery, load_catalogue

EXPECTED = Path(__file__).parent / "expected"
CATALOGUE = load_catalogue()


def compact(iri: str) -> str:
    """An IRI as the prefixed name the expected answers use (longest namespace wins)."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def answer_from_oxigraph(result: Any) -> dict[str, Any]:
    if isinstance(result, pyoxigraph.QueryBoolean):
        return {"boolean": bool(result)}
    columns = [variable.value for variable in result.variables]

    def term(value: Any) -> str | None:
        if value is None:
            return None
        return compact(value.value) if isinstance(value, pyoxigraph.NamedNode) else value.value

    return {"columns": columns, "rows": [[term(solution[c]) for c in columns] for solution in result]}


def answer_from_rdflib(result: Result) -> dict[str, Any]:
    if result.type == "ASK":
        return {"boolean": bool(result.askAnswer)}
    columns = [str(v) for v in result.vars]

    def term(value: Any) -> str | None:
        if value is None:
            return None
        return compact(str(value)) if isinstance(value, URIRef) else str(value)

    return {"columns": columns, "rows": [[term(row[c]) for c in columns] for row in result]}


def normalised(answer: dict[str, Any]) -> dict[str, Any]:
    if "boolean" in answer:
        return answer
    return {"columns": answer["columns"], "rows": sorted(answer["rows"], key=json.dumps)}


def expected_answer(query: NamedQuery) -> dict[str, Any]:
    return json.loads((EXPECTED / f"{query.name}.json").read_text(encoding="utf-8"))


def test_there_are_at_least_fifteen_competency_questions() -> None:
    assert len(CATALOGUE) >= 15


def test_every_question_has_an_expected_answer_and_every_answer_a_question() -> None:
    assert {p.stem for p in EXPECTED.glob("*.json")} == set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_question_is_asked_in_both_languages(name: str) -> None:
    query = CATALOGUE[name]
    assert query.title["en"] and query.title["sv"]
    assert query.question["en"].endswith("?") and query.question["sv"].endswith("?")
    assert query.answer


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_oxigraph_answers_as_the_notice_says(name: str, default_store: pyoxigraph.Store) -> None:
    query = CATALOGUE[name]
    answer = answer_from_oxigraph(default_store.query(query.text))
    assert normalised(answer) == normalised(expected_answer(query))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_rdflib_gives_the_same_answer(name: str, model_graph: Graph) -> None:
    query = CATALOGUE[name]
    answer = answer_from_rdflib(model_graph.query(query.text))
    assert normalised(answer) == normalised(expected_answer(query))


def test_the_third_country_answer_covers_all_ten_activities_and_both_safeguards() -> None:
    """Spelled out, since this is the question the service is built around."""
    rows = expected_answer(CATALOGUE["third-country-transfers"])["rows"]
    assert len({row[0] for row in rows}) == 10
    assert {row[2] for row in rows} == {"eu-gdpr:A45-3", "eu-gdpr:A46-2-c"}
    assert {row[1] for row in rows} == {"almi:OnamngivetTredjeLand"}
