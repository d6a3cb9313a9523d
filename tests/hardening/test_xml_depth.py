"""RDF/XML nested thousands of elements deep: both parsers take time quadratic in the depth (20,000
levels, 0.9 MB: 10 s for an admin PUT). Refused from one linear pass before they see it (#12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dpv_almi.cli.main import main
from dpv_almi.errors import EXIT_USAGE
from dpv_almi.settings import Settings
from dpv_almi.web import create_app

TOKEN = "xml-depth-token"


def nested(levels: int) -> bytes:
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/a">'
        + "<x:p><rdf:Description>" * levels
        + "</rdf:Description></x:p>" * levels
        + "</rdf:Description></rdf:RDF>"
    ).encode()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=1, admin_token=TOKEN)), raise_server_exceptions=False) as client:
        yield client


def test_deep_rdf_xml_is_refused_by_an_admin_put(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/rdf+xml"}
    response = client.put("/v1/admin/policies/deep", content=nested(20_000), headers=headers)
    assert response.status_code == 400, response.text
    assert "nested deeper" in response.json()["detail"]
    shallow = client.put("/v1/admin/policies/shallow", content=nested(50), headers=headers)
    assert shallow.status_code == 200, shallow.text


def test_deep_rdf_xml_is_refused_by_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "deep.rdf").write_bytes(nested(20_000))
    assert main(["validate", str(tmp_path / "deep.rdf")]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert "nested deeper" in error and "internal error" not in error, error
