"""HTTP as users expect: conditional GET, gzip, CORS, metrics, request ids, languages, health."""

from __future__ import annotations

import json
import logging

CQ = "/v1/transfers"


def test_etag_and_last_modified_give_304(client) -> None:
    first = client.get(CQ)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = client.get(CQ, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(CQ, headers={"if-modified-since": modified}).status_code == 304
    assert client.get(CQ, headers={"if-none-match": etag, "accept-language": "sv"}).status_code == 200
    sparql = client.get("/sparql", params={"query": "ASK {}"})
    assert (
        client.get("/sparql", params={"query": "ASK {}"}, headers={"if-none-match": sparql.headers["etag"]}).status_code
        == 304
    )
    assert client.get("/v1/activities/almi/Nowhere").headers.get("etag") is None


def test_gzip(client) -> None:
    response = client.get(CQ, headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip" and response.json()["count"] == 1  # one transfer


def test_cors_for_get(client) -> None:
    response = client.get(CQ, headers={"origin": "https://banner.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql", headers={"origin": "https://x.example", "access-control-request-method": "GET"}
    )
    assert preflight.status_code == 200


def test_cors_origins_are_configurable(make_client) -> None:
    limited = make_client(None, cors_origins=("https://crm.example",))
    assert (
        limited.get("/healthz", headers={"origin": "https://crm.example"}).headers["access-control-allow-origin"]
        == "https://crm.example"
    )
    assert (
        "access-control-allow-origin" not in limited.get("/healthz", headers={"origin": "https://evil.example"}).headers
    )


def test_language_by_header_or_parameter(client) -> None:
    def label(**kwargs) -> str:
        return client.get("/v1/activities/almi/Nyhetsbrev", **kwargs).json()["properties"][
            "https://w3id.org/dpv#hasPurpose"
        ][0]["label"]

    english = label()
    swedish = label(headers={"accept-language": "sv-SE,sv;q=0.9,en;q=0.5"})
    assert english != swedish
    assert label(params={"lang": "sv"}, headers={"accept-language": "en"}) == swedish


def test_request_ids_and_access_log(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="dpv_almi.access"):
        response = client.get("/healthz", headers={"x-request-id": "0123456789abcdef0123456789abcdef"})
    assert response.headers["x-request-id"] == "0123456789abcdef0123456789abcdef"
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "dpv_almi.access"]
    assert records[-1]["request_id"] == "0123456789abcdef0123456789abcdef" and records[-1]["status"] == 200
    assert client.get("/healthz").headers["x-request-id"]


def test_metrics(client) -> None:
    client.get(CQ)
    text = client.get("/metrics").text
    assert 'dpv_almi_http_requests_total{method="GET",route="/v1/transfers",status="200"}' in text
    assert "dpv_almi_queries_total" in text


def test_health_and_readiness(client, backend) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["triples"] > 2000
    # the seccomp sandbox is the local query workers'; a remote store runs queries itself
    assert ready["workerSandboxed"] is (backend in ("memory", "disk"))


def test_unexpected_errors_are_problems_without_traceback(client, assert_problem, monkeypatch) -> None:
    from dpv_almi.web.routers.v1 import policies

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(policies, "keyed_page", broken)
    body = assert_problem(client.get("/v1/policies", params={"lang": "sv", "x": "1"}), 500)
    assert "boom" not in body["detail"]
