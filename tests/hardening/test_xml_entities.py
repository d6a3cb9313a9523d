"""RDF/XML entity bombs are refused before any parser expands them, at every door.

A 1 KB body with nine levels of nested ``<!ENTITY>`` declarations aborted the service (a 3 GB
allocation in the parser), ``dpv-almi load`` reached 3.4 GB and ``validate`` ran 50 s on five
levels.  Now: the admin PUT answers 400 and the service lives, ``load``, ``serve --data`` and
``validate`` exit 2, each well under a second of work; entity abbreviations as ontology editors
write them still load.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dpv_almi.loading import MAX_ENTITY_EXPANSION, RdfLoadError, check_xml_entities, load_store, parse_rdf

TOKEN = "xml-entities-admin-token"
RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'


def _document(declarations: str, value: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{declarations}]>\n<rdf:RDF {RDF}>'
        f'<rdf:Description rdf:about="http://example.org/s"><ex:p>{value}</ex:p></rdf:Description></rdf:RDF>\n'
    ).encode()


def nested_bomb(levels: int = 9) -> bytes:
    declarations = '<!ENTITY lol0 "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, levels + 1)
    )
    return _document(declarations, f"&lol{levels};")


def flat_bomb() -> bytes:
    """One large entity used many times: no nesting, and still far past the cap when expanded."""
    size = 64 * 1024
    return _document(f'<!ENTITY big "{"x" * size}">\n', "&big;" * (MAX_ENTITY_EXPANSION // size + 2))


BOMBS = {
    "nested": nested_bomb(),
    "flat": flat_bomb(),
    "external": _document('<!ENTITY ext SYSTEM "file:///etc/passwd">\n', "&ext;"),
    "parameter": _document("<!ENTITY % p \"<!ENTITY q 'x'>\">\n", "x"),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_the_library_refuses_each_bomb_at_once(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.rdf"
    path.write_bytes(BOMBS[name])
    for parse in (lambda: load_store([path]), lambda: parse_rdf(path), lambda: check_xml_entities(path)):
        started = time.monotonic()
        with pytest.raises(RdfLoadError, match="refused"):
            parse()
        assert time.monotonic() - started < 1.0


def test_entity_abbreviations_still_load(tmp_path: Path) -> None:
    path = tmp_path / "owl-style.rdf"
    path.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY ex "http://example.org/">\n]>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        b'<rdf:Description rdf:about="&ex;s"><ex:p rdf:resource="&ex;o"/></rdf:Description></rdf:RDF>\n'
    )
    assert len(load_store([path])) == 1 and len(parse_rdf(path)) == 1


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dpv_almi.cli.main", *args], capture_output=True, text=True, timeout=timeout
    )


def test_every_command_exits_2_at_once(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.rdf"
    bomb.write_bytes(nested_bomb())
    commands = {
        "validate": ["validate", str(bomb)],
        "load": ["load", str(bomb), "--policy", "bomb", "--store", str(tmp_path / "store")],
        "serve": ["serve", "--data", str(bomb), "--port", "0"],
    }
    for name, args in commands.items():
        started = time.monotonic()
        done = _cli(*args)
        assert done.returncode == 2, (name, done.returncode, done.stderr)
        assert "refused" in done.stderr and "Traceback" not in done.stderr, (name, done.stderr)
        assert time.monotonic() - started < 20, name  # interpreter start-up included; the bomb costs nothing


def test_the_admin_put_answers_400_and_the_service_lives(serve, assert_problem) -> None:
    server = serve([], {"DPV_ALMI_ADMIN_TOKEN": TOKEN})
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/rdf+xml"}
    for name, body in BOMBS.items():
        response = httpx.put(f"{server.url}/v1/admin/policies/bomb", content=body, headers=headers, timeout=30)
        problem = assert_problem(response, 400)
        assert "refused" in problem["detail"], (name, problem)
    assert httpx.get(f"{server.url}/readyz", timeout=30).status_code == 200
    assert "bomb" not in [p["id"] for p in httpx.get(f"{server.url}/v1/policies").json()["items"]]
