"""The small defects a hostile client found, each with the test that failed before its fix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from dpv_almi import resources
from dpv_almi.settings import Settings
from dpv_almi.web import create_app
from dpv_almi.web.pages.common import linkable
from tests.support.local_service import free_port

TOKEN = "small-defects-token"


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = Settings(workers=1, query_timeout=10, admin_token=TOKEN)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_a_401_says_how_to_authenticate(client: TestClient) -> None:
    response = client.put("/v1/admin/policies/acme", content=b"", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { FILTER(<http://ex.org/f>(1)) }",
        "SELECT (<http://ex.org/f>(1) AS ?x) {}",
        "SELECT * { ?s ?p ?o FILTER(<urn:ext:f>(?o)) } LIMIT 1",
    ],
)
def test_an_unsupported_function_is_a_400_problem(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "not supported" in response.json()["detail"]


@pytest.mark.parametrize(
    ("address", "link"),
    [
        ("mailto:dpo@example.org", True),
        ("https://example.org/dpo", True),
        ("HTTP://example.org", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<b>x</b>", False),
        ("vbscript:x", False),
    ],
)
def test_only_web_and_mail_addresses_become_links(address: str, link: bool) -> None:
    assert linkable(address) is link


def test_a_javascript_dpo_contact_is_shown_as_text(tmp_path: Path) -> None:
    notice = tmp_path / "evil.ttl"
    notice.write_text(
        "@prefix dpv: <https://w3id.org/dpv#> .\n@prefix ex: <http://example.org/evil/> .\n"
        "ex:Notice a dpv:PrivacyNotice ; dpv:hasDataProtectionOfficer ex:DPO .\n"
        'ex:DPO dpv:hasContact "javascript:alert(document.cookie)" .\n'
    )
    settings = Settings(workers=1, queue_wait=0, data=(*resources.default_data_files(), notice))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        page = client.get("/", params={"policy": "evil", "lang": "en"})
    assert page.status_code == 200, page.text
    assert "javascript:alert(document.cookie)" in page.text
    assert 'href="javascript:' not in page.text.lower()


def test_serve_leaves_no_temporary_folder_behind(tmp_path: Path) -> None:
    """uvicorn re-raises SIGTERM after its shutdown, so only the lifespan can clean up."""
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dpv_almi.cli.main", "serve", "--port", str(port), "--workers", "2"],
        env={**os.environ, "TMPDIR": str(own_tmp), "DPV_ALMI_ARCHIVE": "", "DPV_ALMI_STORE": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert [p.name for p in own_tmp.iterdir() if p.name.startswith("dpv-almi-versions-")], "no archive made"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert not [p.name for p in own_tmp.iterdir() if p.name.startswith("dpv-almi-versions-")]


def test_the_token_is_redacted_however_a_url_spells_it(serve) -> None:
    """``%2D`` / ``%2d`` encodings and a token straddling the log's 500-character cut all used to
    leave the token, or a prefix of it, in the access log."""
    token = "secret-token-123"
    server = serve(["--log-level", "info"], {"DPV_ALMI_ADMIN_TOKEN": token})
    spellings = [
        "access_token=secret%2Dtoken%2D123",
        "access_token=secret%2dtoken%2d123",
        "token=%73%65cret-token-123",
        "q=" + "a" * (500 - len("q=") - 6) + token,  # the cut falls inside the token
        "q=" + "b" * 490 + "&t=" + token,
    ]
    for query in spellings:
        httpx.get(f"{server.url}/v1/policies?{query}", timeout=30)
    server.stop()
    log = server.log.read_text(errors="replace")
    assert "[redacted]" in log
    for leaked in ("secret", "%73%65cret", "secret%2", "token-123", "secret-tok"):
        assert leaked not in log.lower(), leaked


@pytest.mark.parametrize(
    "conditional",
    [{"If-None-Match": "*"}, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}],
    ids=["star", "future-date"],
)
def test_a_conditional_request_is_validated_before_it_is_answered(client: TestClient, conditional) -> None:
    """These used to give 304 for an unknown policy, bad parameters and malformed queries."""
    assert client.get("/v1/policies/nope", headers=conditional).status_code == 404
    assert client.get("/v1/activities", params={"limit": "-3"}, headers=conditional).status_code == 422
    assert client.get("/sparql", params={"query": "SELEC nothing"}, headers=conditional).status_code == 400
    found = client.get("/v1/policies/almi", headers=conditional)
    expected = 304 if "If-None-Match" in conditional else 200  # a future date is no valid date: ignored
    assert found.status_code == expected and (expected == 200 or found.content == b"")


def test_an_if_modified_since_after_the_last_change_is_a_304(client: TestClient) -> None:
    first = client.get("/v1/policies/almi")
    again = client.get("/v1/policies/almi", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert again.status_code == 304 and again.content == b""
