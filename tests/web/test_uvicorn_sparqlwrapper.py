"""A real uvicorn process on 127.0.0.1, queried with SPARQLWrapper in every result format."""

from __future__ import annotations

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from dpv_almi import resources

THIRD_COUNTRY = (resources.queries_dir() / "third-country-transfers.rq").read_text()
CONSTRUCT = "CONSTRUCT { ?a a dpv:Process } WHERE { ?a a dpv:Process }"


def wrapper(server_url: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(f"{server_url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_select_json(server_url: str, method: str) -> None:
    result = wrapper(server_url, THIRD_COUNTRY, JSON, method).queryAndConvert()
    assert len(result["results"]["bindings"]) == 20


def test_select_xml(server_url: str) -> None:
    document = wrapper(server_url, THIRD_COUNTRY, XML).queryAndConvert()
    assert len(document.getElementsByTagName("result")) == 20


@pytest.mark.parametrize(("fmt", "separator"), [(CSV, ","), (TSV, "\t")])
def test_select_csv_tsv(server_url: str, fmt: str, separator: str) -> None:
    text = wrapper(server_url, THIRD_COUNTRY, fmt).queryAndConvert().decode()
    lines = text.strip().splitlines()
    assert len(lines) == 21 and separator in lines[0]


def test_ask(server_url: str) -> None:
    assert wrapper(server_url, "ASK { ?a a dpv:Process }", JSON).queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
def test_construct_every_format(server_url: str, fmt: str) -> None:
    result = wrapper(server_url, CONSTRUCT, fmt).queryAndConvert()
    if isinstance(result, bytes):
        result = Graph().parse(data=result, format="turtle" if fmt in (TURTLE, N3) else "json-ld")
    assert len(result) == 17  # ten activities and the seven processes whose information is elsewhere


def test_service_description_names_the_real_endpoint(server_url: str) -> None:
    import httpx
    from rdflib import URIRef

    graph = Graph().parse(data=httpx.get(f"{server_url}/sparql").text, format="turtle")
    endpoint = URIRef("http://www.w3.org/ns/sparql-service-description#endpoint")
    assert {str(o) for o in graph.objects(None, endpoint)} == {f"{server_url}/sparql"}
