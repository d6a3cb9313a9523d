"""The W3C SPARQL 1.1 Protocol and Service Description tests (from ../shared/w3c-sparql-tests).

Query tests must pass as written.  This endpoint is read-only by design, so every *update* test
must get a 4xx instead of its expected 2xx, and change nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

SUITE = Path(__file__).resolve().parents[3] / "shared" / "w3c-sparql-tests" / "sparql11"
PROTOCOL = SUITE / "protocol" / "manifest.ttl"


def _protocol_tests() -> list[tuple[str, dict[str, Any]]]:
    if not PROTOCOL.is_file():
        return []
    manifest = Graph().parse(PROTOCOL, format="turtle")
    tests = []
    for test in manifest.subjects(RDF.type, MF.ProtocolTest):
        name = str(manifest.value(test, MF.name))
        action = manifest.value(test, MF.action)
        requests = []
        for request in Collection(manifest, manifest.value(action, HT.requests)):
            body = manifest.value(request, HT.body)
            headers = {}
            header_list = manifest.value(request, HT.headers)
            if header_list is not None:
                for header in Collection(manifest, header_list):
                    headers[str(manifest.value(header, HT.fieldName))] = str(manifest.value(header, HT.fieldValue))
            response = manifest.value(request, HT.resp)
            requests.append(
                {
                    "method": str(manifest.value(request, HT.methodName)),
                    "path": str(manifest.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                    "body": None if body is None else str(manifest.value(body, CNT.chars)),
                    "encoding": None if body is None else str(manifest.value(body, CNT.characterEncoding) or "UTF-8"),
                    "headers": headers,
                    "statuses": {
                        str(s).rsplit("StatusCode", 1)[-1] for s in manifest.objects(response, MF.expectedStatus)
                    },
                    "boolean": manifest.value(response, MF.expectedBoolean),
                }
            )
        data = {
            str(manifest.value(g, RDFS.label)): str(manifest.value(g, UT.graph))
            for g in manifest.objects(test, UT.graphData)
        }
        tests.append((name, {"requests": requests, "data": data}))
    return sorted(tests, key=lambda item: item[0])


TESTS = _protocol_tests()


@pytest.fixture(scope="module")
def w3c(make_client, tmp_path_factory):
    if not (SUITE / "protocol").is_dir():
        pytest.skip(f"W3C test suite not found at {SUITE}")
    trig = tmp_path_factory.mktemp("w3c") / "protocol.trig"
    parts = []
    for number in (1, 2, 3):
        triples = (SUITE / "protocol" / f"data{number}.nt").read_text()
        parts.append(f"<http://kasei.us/2009/09/sparql/data/data{number}.rdf> {{\n{triples}}}\n")
    trig.write_text("".join(parts))
    return make_client([trig])


def _is_update(request: dict[str, Any]) -> bool:
    text = (request["body"] or "") + request["path"]
    return (
        "sparql-update" in str(request["headers"])
        or "update=" in text
        or "using-graph-uri" in text
        or "INSERT" in text
        or "CLEAR" in text
    )


@pytest.mark.skipif(not TESTS, reason=f"W3C test suite not found at {SUITE}")
@pytest.mark.parametrize("name", [name for name, _ in TESTS])
def test_protocol(w3c, name: str) -> None:
    test = dict(TESTS)[name]
    for request in test["requests"]:
        body = None if request["body"] is None else request["body"].encode(request["encoding"])
        response = w3c.request(request["method"], request["path"], content=body, headers=request["headers"])
        status_class = f"{response.status_code // 100}xx"
        if _is_update(request):
            assert status_class == "4xx", (name, response.status_code, response.text)
            break  # the requests after an update check its effect, which a read-only endpoint never has
        assert status_class in request["statuses"], (name, response.status_code, response.text)
        if request["boolean"] is not None and status_class == "2xx":
            assert response.json()["boolean"] == bool(request["boolean"].toPython())
    assert w3c.get("/readyz").json()["triples"] == 3


def test_service_description_suite(w3c) -> None:
    """GET on the endpoint returns RDF with a matching sd:endpoint and the required structure."""
    response = w3c.get("/sparql", headers={"accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert graph.value(services[0], SD.endpoint) == URIRef("http://testserver/sparql")
    assert graph.value(services[0], SD.supportedLanguage) == SD.SPARQL11Query
    dataset = graph.value(services[0], SD.defaultDataset)
    names = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    assert names == {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}
