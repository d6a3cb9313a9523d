from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef

from dpv_almi.loading import FORMATS, RdfLoadError, expand_paths, load_graph, load_store, parse_rdf

S, P = URIRef("http://example.org/s"), URIRef("http://example.org/p")
EXPECTED = {(S, P, Literal("o"))}

SAME_TRIPLE = {
    "a.ttl": '@prefix ex: <http://example.org/> .\nex:s ex:p "o" .\n',
    "a.nt": '<http://example.org/s> <http://example.org/p> "o" .\n',
    "a.nq": '<http://example.org/s> <http://example.org/p> "o" <http://example.org/g> .\n',
    "a.trig": '@prefix ex: <http://example.org/> .\nex:g { ex:s ex:p "o" . }\n',
    "a.jsonld": json.dumps({"@context": {"ex": "http://example.org/"}, "@id": "ex:s", "ex:p": "o"}),
    "a.rdf": (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/s">'
        "<ex:p>o</ex:p></rdf:Description>\n</rdf:RDF>\n"
    ),
}


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize("name", sorted(SAME_TRIPLE))
def test_every_format_loads_the_same_triple(tmp_path: Path, name: str) -> None:
    """Named graphs (TriG, N-Quads) are merged into the default graph."""
    assert set(parse_rdf(write(tmp_path, name, SAME_TRIPLE[name]))) == EXPECTED


def test_load_graph_and_load_store_agree_on_a_directory(tmp_path: Path) -> None:
    for name, content in SAME_TRIPLE.items():
        write(
            tmp_path,
            name,
            content.replace('"o"', f'"{name}"').replace(">o<", f">{name}<").replace(': "o"', f': "{name}"'),
        )
    write(tmp_path, "notes.txt", "not RDF, ignored")
    assert [p.name for p in expand_paths([tmp_path])] == sorted(SAME_TRIPLE)
    assert len(load_graph([tmp_path])) == len(SAME_TRIPLE)
    assert len(load_store([tmp_path])) == len(SAME_TRIPLE)


def test_blank_nodes_survive_the_store(tmp_path: Path) -> None:
    path = write(tmp_path, "b.ttl", '@prefix ex: <http://example.org/> .\nex:s ex:p [ ex:q "x"@en ] .\n')
    store = load_store([path])
    assert bool(store.query('ASK { ?s ?p [ ?q "x"@en ] }'))


def test_turtle_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.ttl", '@prefix ex: <http://example.org/> .\nex:s ex:p "o" .\nex:s ex:p ;; .\n')
    with pytest.raises(RdfLoadError) as caught:
        parse_rdf(path)
    error = caught.value
    assert (error.path, error.line, error.column) == (path, 3, 10)
    assert str(error).startswith(f"{path}:3:10: ")
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("bad.jsonld", '{"@id": "http://example.org/s",\n "x": [1,\n}', 3),
        ("bad.rdf", '<?xml version="1.0"?>\n<rdf:RDF>\n</rdf:RDF>', 2),
    ],
)
def test_other_syntax_errors_have_positions(tmp_path: Path, name: str, content: str, line: int) -> None:
    with pytest.raises(RdfLoadError) as caught:
        parse_rdf(write(tmp_path, name, content))
    assert caught.value.line == line and caught.value.column is not None


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(RdfLoadError, match="cannot read file"):
        parse_rdf(tmp_path / "absent.ttl")
    with pytest.raises(RdfLoadError, match="unknown RDF file type"):
        parse_rdf(write(tmp_path, "a.csv", "a,b"))
    with pytest.raises(RdfLoadError):
        load_store([tmp_path / "absent.ttl"])


RDF_TOKENS = st.sampled_from(
    [
        "@prefix",
        "@base",
        "ex:",
        "<http://e/x>",
        "<",
        ">",
        '"x"',
        "'''",
        '"""',
        "@en",
        "^^",
        ".",
        ";",
        ",",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        "_:b",
        "a",
        "1",
        "1.5e",
        "true",
        "\\u00",
        "\n",
        " ",
        "#",
        '{"@context":',
        '"@id"',
        '"@type"',
        '"@graph"',
        ":",
        "<rdf:RDF",
        "xmlns:rdf=",
        "</",
        "/>",
        "\x00",
        "é",
    ]
)
GARBAGE = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.lists(RDF_TOKENS, max_size=60).map(lambda parts: "".join(parts).encode()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=GARBAGE, suffix=st.sampled_from(sorted(FORMATS)))
def test_garbage_never_raises_anything_but_rdf_load_error(tmp_path_factory, content: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("garbage") / f"input{suffix}"
    path.write_bytes(content)
    try:
        parse_rdf(path)
    except RdfLoadError as error:
        assert str(error).startswith(str(path))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    "document",
    [
        {"@context": "https://example.org/context.jsonld", "@id": "http://example.org/s", "p": "o"},
        {"@context": [{"ex": "http://example.org/"}, "http://example.org/ctx"], "@id": "ex:s"},
        {"@context": {"@import": "https://example.org/ctx.jsonld"}, "@id": "http://example.org/s"},
    ],
)
def test_remote_jsonld_context_is_refused_without_network(tmp_path: Path, no_network: None, document: dict) -> None:
    path = write(tmp_path, "remote.jsonld", json.dumps(document))
    with pytest.raises(RdfLoadError, match="network access refused"):
        parse_rdf(path)


def test_network_guard_is_lifted_after_parsing(tmp_path: Path) -> None:
    """The sandbox only applies while parsing: urllib works again afterwards."""
    with pytest.raises(RdfLoadError):
        parse_rdf(write(tmp_path, "remote.jsonld", '{"@context": "http://example.org/c", "@id": "http://e/s"}'))
    local = write(tmp_path, "plain.txt", "hello")
    with urllib.request.urlopen(local.as_uri()) as response:
        assert response.read() == b"hello"


def test_local_jsonld_context_file_is_allowed(tmp_path: Path) -> None:
    write(tmp_path, "ctx.jsonld", json.dumps({"@context": {"ex": "http://example.org/"}}))
    path = write(tmp_path, "doc.jsonld", json.dumps({"@context": "ctx.jsonld", "@id": "ex:s", "ex:p": "o"}))
    assert set(parse_rdf(path)) == EXPECTED


def test_parsed_graph_is_a_graph(tmp_path: Path) -> None:
    assert isinstance(parse_rdf(write(tmp_path, "a.ttl", SAME_TRIPLE["a.ttl"])), Graph)


@pytest.mark.parametrize("name", ["bad.nt", "bad.nq"])
def test_n_triples_errors_have_a_line_and_column(tmp_path: Path, name: str) -> None:
    """rdflib's N-Triples/N-Quads parser names no position; the error then carries Oxigraph's."""
    graph = " <http://example.org/g>" if name.endswith(".nq") else ""
    text = f'<http://example.org/s> <http://example.org/p> "o"{graph} .\n<http://e/a b> <http://e/p> "o"{graph} .\n'
    with pytest.raises(RdfLoadError) as error:
        parse_rdf(write(tmp_path, name, text))
    assert (error.value.line, error.value.column) == (2, 1) and "IRI" in error.value.message


def test_deep_nesting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RdfLoadError, match="nested too deeply"):
        parse_rdf(write(tmp_path, "deep.ttl", "<http://e/s> <http://e/p> " + "(" * 5000 + ")" * 5000 + " ."))


def test_a_missing_local_context_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.jsonld", json.dumps({"@context": "missing.jsonld", "@id": "http://e/s"}))
    with pytest.raises(RdfLoadError, match=r"cannot read .*missing\.jsonld"):
        parse_rdf(path)


def test_a_token_over_oxigraphs_cap_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.ttl", b'<http://e/s> <http://e/p> "' + b"x" * (17 << 20) + b'" .\n')
    with pytest.raises(RdfLoadError, match="too large to parse"):
        load_store([path])


@pytest.mark.parametrize("context", ["ctx.jsonld", "{folder}/ctx.jsonld", "file://{folder}/ctx.jsonld"])
def test_sent_data_cannot_read_local_context_files(tmp_path: Path, context: str) -> None:
    """``local_files=False`` (what the admin endpoint and ``dpv-almi load`` check with): a ``file:`` or
    relative @context would read the server's disk, so it is refused before the file is opened."""
    write(tmp_path, "ctx.jsonld", json.dumps({"@context": {"ex": "http://example.org/"}}))
    document = {"@context": context.format(folder=tmp_path), "@id": "ex:s", "ex:p": "o"}
    path = write(tmp_path, "doc.jsonld", json.dumps(document))
    assert set(parse_rdf(path)) == EXPECTED  # a local file of one's own is fine
    with pytest.raises(RdfLoadError, match=r"reading local file .* refused"):
        parse_rdf(path, local_files=False)
    with pytest.raises(RdfLoadError, match=r"reading local file .* refused"):
        load_store([path], local_files=False)
    inline = write(tmp_path, "inline.jsonld", json.dumps({**document, "@context": {"ex": "http://example.org/"}}))
    assert set(parse_rdf(inline, local_files=False)) == EXPECTED
