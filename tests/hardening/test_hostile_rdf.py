"""Hostile RDF through ``PUT /v1/admin/policies/{id}`` (a real service, memory and disk stores)
and through ``dpv-almi load`` / ``dpv-almi validate``: a clear 4xx problem (or exit 2 with
file:line:col), never a 5xx, a hang or a traceback, and nothing half-loaded: after every attempt
the service serves exactly what it served before (graphs and their sizes, the registry).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpv_almi.store.backends import DiskBackend

TOKEN = "hostile-rdf-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPHS = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
V1 = b"@prefix ex: <http://example.org/acme/> .\n" + b"".join(b'ex:s%d ex:p "old %d" .\n' % (i, i) for i in range(100))
MEDIA = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")


def nested(open_: bytes, close: bytes, depth: int) -> bytes:
    return b"<http://e/s> <http://e/p> " + open_ * depth + close * depth + b" .\n"


HOSTILE: dict[str, tuple[str, bytes, int]] = {
    "turtle syntax error": ("text/turtle", b"@prefix ex: <http://e/> .\nex:s ex:p .\n", 400),
    "empty body": ("text/turtle", b"", 400),
    "comments only": ("text/turtle", b"# nothing here\n\n", 400),
    "binary as turtle": ("text/turtle", random.Random(1).randbytes(4096), 400),
    "binary as n-triples": ("application/n-triples", random.Random(2).randbytes(4096), 400),
    "binary as rdf/xml": ("application/rdf+xml", random.Random(3).randbytes(4096), 400),
    "binary as json-ld": ("application/ld+json", random.Random(4).randbytes(4096), 400),
    "turtle declared json-ld": ("application/ld+json", b"<http://e/s> <http://e/p> <http://e/o> .", 400),
    "json-ld declared turtle": ("text/turtle", b'{"@id": "http://e/s", "http://e/p": "o"}', 400),
    "turtle declared rdf/xml": ("application/rdf+xml", b"<http://e/s> <http://e/p> <http://e/o> .", 400),
    "rdf/xml declared n-triples": (
        "application/n-triples",
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
        400,
    ),
    "n-triples iri with space": ("application/n-triples", b"<http://e/a b> <http://e/p> <http://e/o> .\n", 400),
    "n-triples relative iri": ("application/n-triples", b"<s> <http://e/p> <http://e/o> .\n", 400),
    "n-triples iri with quote": ("application/n-triples", b'<http://e/"x> <http://e/p> <http://e/o> .\n', 400),
    "json nested 3,000 deep": (
        "application/ld+json",
        b'{"@id": "http://e/s", "http://e/p": ' + b'{"@list": [' * 3000 + b"]}" * 3000 + b"}",
        400,
    ),
    "blank nodes nested 5,000 deep": ("text/turtle", nested(b"[ <http://e/p> ", b"]", 5000), 400),
    "recursive json-ld context": ("application/ld+json", b'{"@context": "acme.jsonld", "@id": "http://e/s"}', 400),
    "remote json-ld context": (
        "application/ld+json",
        b'{"@context": "http://127.0.0.1:9/c", "@id": "http://e/s"}',
        400,
    ),
    "file: json-ld context": (
        "application/ld+json",
        b'{"@context": "file:///proc/self/environ", "@id": "http://e/s"}',
        400,
    ),
    "unsupported media type": ("text/plain", b"<http://e/s> <http://e/p> <http://e/o> .", 415),
    "trig is not one graph": ("application/trig", b"<http://e/g> { <http://e/s> <http://e/p> <http://e/o> }", 415),
    "50 MB literal": ("text/turtle", b'<http://e/s> <http://e/p> "' + b"x" * (50 << 20) + b'" .\n', 413),
}


def snapshot(url: str, store: Path | None) -> tuple[object, ...]:
    """What the service serves: every graph and its size, the registry as the API shows it, and
    (disk) the live generation and the version archive."""
    graphs = httpx.get(f"{url}/sparql", params={"query": GRAPHS}, timeout=30).json()["results"]["bindings"]
    policies = httpx.get(f"{url}/v1/policies", timeout=30).json()
    versions = httpx.get(f"{url}/v1/policies/acme/versions", timeout=30).json()
    disk: tuple[object, ...] = ()
    if store is not None:
        disk = (
            (store / "CURRENT").read_text(),
            sorted(p.name for p in store.glob("gen-*")),
            sorted(str(p.relative_to(store)) for p in (store / "versions").rglob("*")),
        )
    return graphs, policies, versions, disk


def put(url: str, body: bytes | Iterator[bytes], media: str, headers: dict[str, str] = AUTH) -> httpx.Response:
    return httpx.put(
        f"{url}/v1/admin/policies/acme", content=body, timeout=60, headers={**headers, "Content-Type": media}
    )


@pytest.fixture(params=["memory", "disk"])
def admin_service(request: pytest.FixtureRequest, tmp_path: Path, serve) -> tuple[str, Path | None]:
    """A service with the admin endpoint on, holding policy ``acme`` version 1."""
    store = tmp_path / "store" if request.param == "disk" else None
    env = {"DPV_ALMI_ADMIN_TOKEN": TOKEN, **({"DPV_ALMI_STORE": str(store)} if store else {})}
    server = serve([], env)
    response = httpx.put(
        f"{server.url}/v1/admin/policies/acme",
        params={"version": "1"},
        content=V1,
        headers={**AUTH, "Content-Type": "text/turtle"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return server.url, store


def test_hostile_bodies_get_a_problem_and_change_nothing(admin_service, assert_problem) -> None:
    url, store = admin_service
    before = snapshot(url, store)
    timings = {}
    for name, (media, body, status) in HOSTILE.items():
        started = time.monotonic()
        problem = assert_problem(put(url, body, media), status)
        timings[name] = time.monotonic() - started
        assert "Traceback" not in problem["detail"] and "/tmp/" not in problem["detail"], (name, problem)
        assert snapshot(url, store) == before, name
    over_cap = (b"# %d\n" % i for i in range(300_000))  # chunked, no Content-Length: the streamed cap
    assert_problem(put(url, over_cap, "text/turtle"), 413)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        assert_problem(put(url, V1.replace(b"old", b"new"), "text/turtle", headers), 401)
    assert snapshot(url, store) == before
    slowest = max(timings, key=timings.__getitem__)
    print(
        f"\n{len(HOSTILE) + 4} hostile PUTs ({(store and 'disk') or 'memory'}): all 4xx, state unchanged; "
        f"slowest {slowest!r} {timings[slowest]:.2f} s"
    )


def test_positions_are_reported(admin_service, assert_problem) -> None:
    url, _ = admin_service
    detail = assert_problem(put(url, b"@prefix ex: <http://e/> .\nex:s ex:p .\n", "text/turtle"), 400)["detail"]
    assert "line 2" in detail and "column" in detail


@pytest.mark.parametrize(
    ("what", "body", "triples"),
    [
        ("a collection nested 100,000 deep", nested(b"(", b")", 100_000), 2 * 99_999 + 1),
        (
            "an RDF list of 100,000 items",
            b"<http://e/s> <http://e/p> (" + b" ".join(b"%d" % i for i in range(100_000)) + b") .\n",
            2 * 100_000 + 1,
        ),
    ],
)
def test_huge_but_valid_rdf_is_loaded_whole(admin_service, what: str, body: bytes, triples: int) -> None:
    """Valid, if pathological, RDF is not an error: it loads whole, in bounded time, then is replaced whole."""
    url, _store = admin_service
    started = time.monotonic()
    response = put(url, body, "text/turtle")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    count = "SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/dpv-almi/graph/acme> { ?s ?p ?o } }"
    answer = httpx.get(f"{url}/sparql", params={"query": count}, timeout=30).json()
    assert int(answer["results"]["bindings"][0]["n"]["value"]) == triples
    assert put(url, V1, "text/turtle").status_code == 200
    answer = httpx.get(f"{url}/sparql", params={"query": count}, timeout=30).json()
    assert int(answer["results"]["bindings"][0]["n"]["value"]) == 100
    print(f"\n{what} ({len(body):,} bytes, {triples:,} triples): loaded in {elapsed:.2f} s")


def test_generated_garbage_never_gets_a_5xx(admin_service, assert_problem) -> None:
    """Hypothesis: byte soup and RDF fragments spliced together, under every accepted media type."""
    url, store = admin_service
    fragments = [
        b"<http://e/s>",
        b"<http://e/p>",
        b'"o"',
        b"@prefix",
        b"ex:",
        b".",
        b";",
        b",",
        b"[",
        b"]",
        b"(",
        b")",
        b"{",
        b"}",
        b'{"@context":',
        b'"@id"',
        b"<rdf:RDF",
        b"</",
        b"/>",
        b"\x00",
        b"\xff",
        "é\u202e\U0001f600".encode(),
        b"_:b",
        b"^^",
        b"@en",
        b'"""',
        b"\\u0000",
        b"\n",
    ]
    bodies = st.one_of(st.binary(max_size=2048), st.lists(st.sampled_from(fragments), max_size=60).map(b" ".join))
    seen: dict[int, int] = {}
    state = [snapshot(url, store)]

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(body=bodies, media=st.sampled_from(MEDIA))
    def attempt(body: bytes, media: str) -> None:
        response = put(url, body, media)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        if response.status_code == 200:  # the soup happened to be RDF: it is the new version, whole
            state[0] = snapshot(url, store)
            return
        assert_problem(response, 400)
        assert snapshot(url, store) == state[0]

    attempt()
    print(f"\ngenerated bodies: {sum(seen.values())} PUTs, status counts {dict(sorted(seen.items()))}")


# --- the CLI ---------------------------------------------------------------------------------------

CLI_FILES: dict[str, tuple[bytes, bool]] = {  # name -> (content, error has a line:col)
    "syntax.ttl": (b"@prefix ex: <http://e/> .\nex:s ex:p .\n", True),
    "binary.ttl": (random.Random(5).randbytes(4096), True),
    "binary.rdf": (random.Random(6).randbytes(4096), False),
    "binary.jsonld": (random.Random(7).randbytes(4096), False),
    "empty.ttl": (b"", False),
    "turtle-in.rdf": (b"<http://e/s> <http://e/p> <http://e/o> .", False),  # Oxigraph RDF/XML: no position
    "turtle-in.jsonld": (b"<http://e/s> <http://e/p> <http://e/o> .", True),
    "bad-iri.nt": (b"<http://e/s> <http://e/p> <http://e/o> .\n<http://e/a b> <http://e/p> <http://e/o> .\n", True),
    "deep.jsonld": (b'{"@id": "http://e/s", "http://e/p": ' + b'{"@list": [' * 3000 + b"]}" * 3000 + b"}", False),
    "self.jsonld": (b'{"@context": "self.jsonld", "@id": "http://e/s"}', False),
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dpv_almi.cli.main", *args], capture_output=True, text=True, timeout=180
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], command: str, path: Path, located: bool) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    prefix = f"dpv-almi {command}: error: {path}"
    assert result.stderr.startswith(prefix), result.stderr
    if located:
        line, column = result.stderr[len(prefix) :].split(":")[1:3]
        assert line.isdigit() and column.isdigit(), result.stderr


@pytest.mark.parametrize("name", sorted(CLI_FILES))
def test_cli_load_refuses_hostile_files_and_keeps_the_store(tmp_path: Path, name: str) -> None:
    store = tmp_path / "store"
    good = tmp_path / "acme.ttl"
    good.write_bytes(V1)
    assert run_cli("load", str(good), "--policy", "acme", "--version", "1", "--store", str(store)).returncode == 0
    before = (store / "CURRENT").read_text(), DiskBackend(store).info().graphs
    path = tmp_path / name
    content, located = CLI_FILES[name]
    path.write_bytes(content)
    assert_one_line_error(
        run_cli("load", str(path), "--policy", "acme", "--store", str(store)),
        "load",
        path,
        located and name != "empty.ttl",
    )
    assert ((store / "CURRENT").read_text(), DiskBackend(store).info().graphs) == before


@pytest.mark.parametrize("name", sorted(set(CLI_FILES) - {"empty.ttl"}))  # empty data validates (no triples)
def test_cli_validate_refuses_hostile_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    content, located = CLI_FILES[name]
    path.write_bytes(content)
    assert_one_line_error(run_cli("validate", str(path)), "validate", path, located)


def test_cli_load_of_a_50_mb_literal_is_refused_whole(tmp_path: Path) -> None:
    """Oxigraph's parser caps one token at 16 MiB: a clear exit 2, not an internal error."""
    store = tmp_path / "store"
    path = tmp_path / "huge.ttl"
    path.write_bytes(b'<http://e/s> <http://e/p> "' + b"x" * (50 << 20) + b'" .\n')
    result = run_cli("load", str(path), "--policy", "acme", "--store", str(store))
    assert_one_line_error(result, "load", path, False)
    assert "too large" in result.stderr
    assert "https://w3id.org/dpv-almi/graph/acme" not in DiskBackend(store).info().graphs
    assert not (store / "versions").exists() or not any((store / "versions").iterdir())
