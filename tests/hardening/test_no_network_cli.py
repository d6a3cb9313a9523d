"""No outbound connection from the CLI, the loader or the admin endpoint, whatever the RDF names.

Each entry point runs in a child process with the socket guard (``netguard/sitecustomize.py``:
an audit hook that records and refuses any non-loopback ``socket.connect``/``getaddrinfo``),
and half of the remote IRIs point at a loopback listener that records any connection at all, so
a fetch is seen whether it comes from Python or from Rust code, and even if its error is
swallowed.  Two controls show that both detectors do see a fetch when nothing prevents it.

Why not an unshared network namespace (``unshare -rn``, which works here)?  It *prevents*
connections but does not *show* an attempt: a loader that tried and swallowed the error would
pass.  The guard records, and the listener is reachable only from this network namespace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REMOTE = "http://dpv-almi-guard.example"  # not loopback: any look-up of it is recorded by the guard
TOKEN = "no-network-admin-token"


def documents(local: str) -> dict[str, str]:
    """RDF files that name remote IRIs in every way a parser might dereference; *local* is the listener."""
    rdf_xml_entity = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY remote SYSTEM "{local}/entity"> <!ENTITY other SYSTEM "{REMOTE}/entity">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xml:base="{local}/base">
  <rdf:Description rdf:about="http://example.org/s"><rdf:value>&remote;&other;</rdf:value></rdf:Description>
</rdf:RDF>
"""
    imports = (
        f"@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<http://example.org/o> a owl:Ontology ; owl:imports <{local}/onto>, <{REMOTE}/onto> .\n"
    )
    return {
        "context-local.jsonld": json.dumps({"@context": f"{local}/ctx", "@id": "http://e/s", "p": "o"}),
        "context-remote.jsonld": json.dumps({"@context": f"{REMOTE}/ctx", "@id": "http://e/s", "p": "o"}),
        "context-list.jsonld": json.dumps({"@context": [{"ex": "http://e/"}, f"{local}/ctx"], "@id": "ex:s"}),
        "import.jsonld": json.dumps({"@context": {"@import": f"{local}/ctx"}, "@id": "http://e/s"}),
        "import-remote.jsonld": json.dumps({"@context": {"@import": f"{REMOTE}/ctx"}, "@id": "http://e/s"}),
        "scoped.jsonld": json.dumps(
            {
                "@context": {"p": {"@id": "http://e/p", "@context": f"{local}/ctx"}},
                "@id": "http://e/s",
                "p": {"@id": "http://e/o"},
            }
        ),
        "self.jsonld": json.dumps({"@context": "self.jsonld", "@id": "http://e/s"}),
        "ring-a.jsonld": json.dumps({"@context": "ring-b.jsonld", "@id": "http://e/s"}),
        "ring-b.jsonld": json.dumps({"@context": "ring-a.jsonld", "@id": "http://e/s"}),
        "imports.ttl": imports,
        "imports.trig": f"{imports.splitlines()[0]}\n<http://example.org/g> {{ {imports.splitlines()[1]} }}\n",
        "entity.rdf": rdf_xml_entity,
    }


SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<http://example.org/shapes> a owl:Ontology ; owl:imports <{local}/shapes>, <{remote}/shapes> .
<http://example.org/S> a sh:NodeShape ; sh:targetNode <{local}/node>, <{remote}/node> ;
  sh:targetClass <{local}/Class> ;
  sh:property [ sh:path <{local}/p> ; sh:class <{remote}/C> ] .
"""
SERVICE_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/S> a sh:NodeShape ; sh:targetNode <http://example.org/o> ;
  sh:sparql [ a sh:SPARQLConstraint ; sh:message "remote" ;
    sh:select "SELECT $this WHERE {{ SERVICE <{local}/sparql> {{ $this ?p ?o }} }}" ] .
"""

REFUSED = {
    "context-local.jsonld",
    "context-remote.jsonld",
    "context-list.jsonld",
    "import.jsonld",
    "import-remote.jsonld",
    "scoped.jsonld",
    "self.jsonld",
    "ring-a.jsonld",
    "ring-b.jsonld",
    "entity.rdf",
}
"""Files that must be refused (exit 2 / 400); the others parse, their remote IRIs being plain data.
An external XML entity is refused from the bytes by every entry point (loading.check_xml_entities)."""
STORE_REFUSED = REFUSED


def write_all(folder: Path, local: str) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    paths = {}
    for name, text in documents(local).items():
        paths[name] = folder / name
        paths[name].write_text(text)
    return paths


def cli(guard, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dpv_almi.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **guard.env},
    )


def assert_untouched(guard, listener) -> None:
    time.sleep(0.2)  # a connection the listener has accepted but not yet recorded
    assert guard.attempts() == [], guard.attempts()
    assert listener.connections == [], listener.connections


def test_control_the_guard_records_a_non_loopback_lookup(net_guard) -> None:
    script = "import socket\ntry:\n    socket.getaddrinfo('dpv-almi-guard.example', 80)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", script], env={**os.environ, **net_guard.env}, timeout=60, check=True)
    assert len(net_guard.attempts()) == 1 and "dpv-almi-guard.example" in net_guard.attempts()[0]


def test_control_rdflib_fetches_a_remote_context_when_not_sandboxed(net_guard, listener) -> None:
    """The danger is real: plain rdflib dereferences a JSON-LD @context, and the listener sees it."""
    document = json.dumps({"@context": f"{listener.url}/ctx", "@id": "http://e/s"})
    script = f"import rdflib\ntry:\n    rdflib.Graph().parse(data={document!r}, format='json-ld')\nexcept Exception:\n    pass\n"
    subprocess.run([sys.executable, "-c", script], env={**os.environ, **net_guard.env}, timeout=60, check=True)
    deadline = time.monotonic() + 5
    while not listener.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections and listener.connections[0].startswith(b"GET /ctx")


@pytest.mark.parametrize("name", sorted(documents("http://x")))
def test_validate_never_connects(tmp_path: Path, net_guard, listener, name: str) -> None:
    path = write_all(tmp_path / "data", listener.url)[name]
    result = cli(net_guard, "validate", str(path))
    assert "Traceback" not in result.stderr
    if name in REFUSED:
        assert result.returncode == 2, result
        assert result.stderr.startswith(f"dpv-almi validate: error: {path}") and result.stderr.count("\n") == 1
        reasons = ("network access refused", "recursive context", "external XML entities are refused")
        assert sum(reason in result.stderr for reason in reasons) == 1, result.stderr
    else:
        assert result.returncode in (0, 1), result
    assert_untouched(net_guard, listener)


@pytest.mark.parametrize("name", sorted(set(documents("http://x")) - {"imports.trig"}))
def test_load_into_a_disk_store_never_connects(tmp_path: Path, net_guard, listener, name: str) -> None:
    path = write_all(tmp_path / "data", listener.url)[name]
    result = cli(net_guard, "load", str(path), "--policy", "acme", "--store", str(tmp_path / "store"))
    assert "Traceback" not in result.stderr
    if name in STORE_REFUSED:
        assert result.returncode == 2 and result.stderr.startswith(f"dpv-almi load: error: {path}"), result
    else:
        assert result.returncode == 0, result
    assert_untouched(net_guard, listener)


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
def test_shapes_naming_remote_iris_never_connect(tmp_path: Path, net_guard, listener, engine: str) -> None:
    data = tmp_path / "data.ttl"  # a data graph that suggests remote shapes graphs (SHACL 3.1)
    data.write_text(
        f"<http://example.org/o> <http://www.w3.org/ns/shacl#shapesGraph> <{listener.url}/shapes>, "
        f"<{REMOTE}/shapes> ;\n  a <{listener.url}/Class> .\n"
    )
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES.format(local=listener.url, remote=REMOTE))
    result = cli(net_guard, "validate", str(data), "--shapes", str(shapes), "--engine", engine)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result
    service = tmp_path / "service-shapes.ttl"
    service.write_text(SERVICE_SHAPES.format(local=listener.url))
    result = cli(net_guard, "validate", str(data), "--shapes", str(service), "--engine", engine)
    assert result.returncode == 2 and "SERVICE" in result.stderr and "Traceback" not in result.stderr, result
    assert_untouched(net_guard, listener)


def test_loader_functions_never_connect(tmp_path: Path, net_guard, listener) -> None:
    """``loading.py`` called directly (what the service's startup and ``check_rdf`` use)."""
    folder = tmp_path / "data"
    write_all(folder, listener.url)
    script = f"""
import json
from pathlib import Path
from dpv_almi.loading import RdfLoadError, load_graph, load_store, parse_rdf
outcome = {{}}
for path in sorted(Path({str(folder)!r}).iterdir()):
    for name, load in (("parse_rdf", parse_rdf), ("load_graph", lambda p: load_graph([p])),
                       ("load_store", lambda p: load_store([p]))):
        try:
            load(path)
            outcome[f"{{path.name}} {{name}}"] = "ok"
        except RdfLoadError as exc:
            outcome[f"{{path.name}} {{name}}"] = "refused: " + exc.message
print(json.dumps(outcome))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env={**os.environ, **net_guard.env}
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    for key, value in outcome.items():
        refused = STORE_REFUSED if key.endswith("load_store") else REFUSED
        assert value.startswith("refused") == (key.split()[0] in refused), (key, value)
    assert_untouched(net_guard, listener)


@pytest.mark.parametrize("backend", ["memory", "disk"])
def test_admin_put_never_connects(tmp_path: Path, serve, net_guard, listener, assert_problem, backend: str) -> None:
    env = {**net_guard.env, "DPV_ALMI_ADMIN_TOKEN": TOKEN}
    if backend == "disk":
        env["DPV_ALMI_STORE"] = str(tmp_path / "store")
    server = serve([], env)
    media = {".jsonld": "application/ld+json", ".ttl": "text/turtle", ".rdf": "application/rdf+xml"}
    for name, text in documents(listener.url).items():
        suffix = Path(name).suffix
        if suffix not in media:
            continue
        policy = Path(name).stem  # self.jsonld as policy "self" is stored as self.jsonld: it names itself
        response = httpx.put(
            f"{server.url}/v1/admin/policies/{policy}",
            content=text.encode(),
            timeout=60,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": media[suffix]},
        )
        if name in STORE_REFUSED:
            assert_problem(response, 400)
        else:
            assert response.status_code == 200, (name, response.text)
    assert_untouched(net_guard, listener)
