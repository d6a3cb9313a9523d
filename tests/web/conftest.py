"""Fixtures for the service: the ASGI app through TestClient (httpx), a real uvicorn process, a
listening socket that records any connection the service might make.

Every backend, one suite
------------------------
``client``, ``make_client`` and ``server_url`` are parametrized over the store backends, so each
test that uses them runs on each (ids ``[memory]``, ``[disk]``, ``[oxigraph]``, ``[virtuoso]``):

* ``memory`` -- the default: the data files loaded by every query worker;
* ``disk`` -- ``--store PATH``: a fresh on-disk Oxigraph store in a temporary folder, loaded from the
  same files;
* ``oxigraph`` -- ``oxigraph serve`` (PyPI ``oxigraph``), one per session on a free port;
* ``virtuoso`` -- ``virtuoso-t`` (Debian ``virtuoso-opensource``), one per session, in the foreground
  with a throwaway database and a generated ``virtuoso.ini``; skipped where it is not installed.

A remote server holds one data set at a time: a client on it (re)loads its own data through the
Graph Store Protocol before each request when another client loaded something else (same files,
same registry, so the same ETags).  ``@pytest.mark.backends("memory", …)`` restricts a test to
some backends; the Virtuoso run is the core set (:data:`VIRTUOSO_MODULES`), to bound CI time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from dpv_almi import resources
from dpv_almi.settings import Settings
from dpv_almi.web import create_app
from tests.support.local_service import free_port, running_service, stop_process

BACKENDS = ("memory", "disk", "oxigraph", "virtuoso")
REMOTE = ("oxigraph", "virtuoso")
VIRTUOSO_MODULES = {
    "test_rest.py",
    "test_sparql_protocol.py",
    "test_uvicorn_sparqlwrapper.py",
    "test_no_network.py",
    "test_limits.py",
    "test_named_query_parity.py",
}
"""The core set run on Virtuoso: REST == SPARQL, protocol formats and datasets, the third-country answer,
SPARQLWrapper over uvicorn, no network, row cap, every named query's answer."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"backends(*names): run this test only on these store backends ({', '.join(BACKENDS)})"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses the service on each backend (see the module docstring)."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    names = list(marker.args) if marker else list(BACKENDS)
    if Path(str(metafunc.definition.fspath)).name not in VIRTUOSO_MODULES and not marker:
        names.remove("virtuoso")
    metafunc.parametrize("backend", names, indirect=True, scope="session")


VIRTUOSO_KNOWN_DIFFERENCES: dict[str, str] = {
    # none left: xsd:duration (openlink/virtuoso-opensource#936) is handled in dpv_almi.store.remote ("durations")
}
"""Where Virtuoso still answers differently: strict xfails, so a fix shows up as XPASS."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "[virtuoso" not in item.name:
            continue
        reason = VIRTUOSO_KNOWN_DIFFERENCES.get(item.name) or VIRTUOSO_KNOWN_DIFFERENCES.get(item.originalname)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend this test runs on (parametrized by :func:`pytest_generate_tests`)."""
    return getattr(request, "param", "memory")


_free_port = free_port


def _wait_until_up(url: str, process: subprocess.Popen, name: str, log: Path | None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{name} did not start:\n{log.read_text() if log and log.exists() else ''}")
        time.sleep(0.1)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 30
MaxQueryCostEstimationTime = 0
"""
"""A throwaway database: ``dba``/``dba`` (the default of a new database) has the SPARQL_UPDATE role
the Graph Store Protocol endpoint ``/sparql-graph-crud-auth`` needs (digest auth)."""


class RemoteServer:
    """One SPARQL server process, and which data set it holds now (see the module docstring)."""

    def __init__(self, engine: str, folder: Path) -> None:
        self.engine, self.folder = engine, folder
        self.current: tuple[str, ...] | None = None
        self.graphs: list[str] = []
        port = _free_port()
        log = folder / "server.log"
        if engine == "oxigraph":
            binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
            if not Path(binary).exists():
                pytest.skip("the Oxigraph server (PyPI package oxigraph) is not installed")
            command = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
            self.spec = f"sparql+http://127.0.0.1:{port}/query"
            ready = f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"
        else:
            binary = shutil.which("virtuoso-t") or ""
            if not binary:
                pytest.skip("Virtuoso (virtuoso-t, Debian package virtuoso-opensource) is not installed")
            (folder / "vsp").mkdir()
            (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(db=folder, sql_port=_free_port(), http_port=port))
            command = [binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")]
            self.spec = f"sparql+http://dba:dba@127.0.0.1:{port}/sparql?engine=virtuoso"
            ready = f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D"
        with log.open("w") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
        _wait_until_up(ready, self.process, f"{engine} server", log)

    def ensure(self, files: tuple[Path, ...]) -> None:
        """Make the server hold exactly *files* (one GSP PUT per graph, the registry last)."""
        key = tuple(str(f) for f in files)
        if key == self.current:
            return
        from dpv_almi.store import remote as engines
        from dpv_almi.store.backends import RemoteBackend

        remote = engines.RemoteStore.parse(self.spec)
        for graph in self.graphs:
            engines.delete_graph(remote, graph)
        self.current, self.graphs = None, []
        loaded = RemoteBackend(self.spec, self.folder / "versions")
        loaded.load_files(list(files))
        self.current, self.graphs = key, list(loaded.info().graphs)

    def close(self) -> None:
        stop_process(self.process, wait=30)


@pytest.fixture(scope="session")
def remote_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """``remote_servers(engine)``: that engine's server, started on first use, stopped at the end."""
    started: dict[str, RemoteServer] = {}

    def get(engine: str) -> RemoteServer:
        if engine not in started:
            started[engine] = RemoteServer(engine, tmp_path_factory.mktemp(engine))
        return started[engine]

    yield get
    for server in started.values():
        server.close()


@pytest.fixture
def fresh_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteServer]:
    """An empty ``oxigraph serve`` of this test's own (its ``.spec`` is the store spec), for tests that
    write to the store and so cannot share the session's server."""
    server = RemoteServer("oxigraph", tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.close()


class RemoteTestClient(TestClient):
    """A TestClient whose remote server is made to hold this client's data before each request."""

    def __init__(self, app: object, server: RemoteServer, files: tuple[Path, ...], **kwargs: object) -> None:
        super().__init__(app, **kwargs)  # type: ignore[arg-type]
        self.server, self.files = server, files

    def request(self, *args: object, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        self.server.ensure(self.files)
        return super().request(*args, **kwargs)  # type: ignore[arg-type]


def _build_client(
    backend: str,
    remote_servers,
    tmp_path_factory: pytest.TempPathFactory,
    files: tuple[Path, ...],
    settings: dict[str, object],
) -> TestClient:
    """A started TestClient on *files* with *settings*, served from *backend*."""
    files = files or tuple(resources.default_data_files())
    if backend == "memory":
        test_client = TestClient(
            create_app(Settings(data=files, **settings)),  # type: ignore[arg-type]
            raise_server_exceptions=False,
        )
    elif backend == "disk":
        store = tmp_path_factory.mktemp("store") / "store"
        test_client = TestClient(
            create_app(Settings(data=files, store=str(store), **settings)),  # type: ignore[arg-type]
            raise_server_exceptions=False,
        )
    else:
        server = remote_servers(backend)
        server.ensure(files)
        # the server holds other clients' data between this client's requests: this app must not follow it
        settings = {"remote_refresh": 86_400.0, **settings}
        test_client = RemoteTestClient(
            create_app(Settings(store=server.spec, **settings)),  # type: ignore[arg-type]
            server,
            files,
            raise_server_exceptions=False,
        )
    test_client.__enter__()
    return test_client


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    assert "Traceback" not in response.text
    return body


@pytest.fixture(name="assert_problem", scope="session")
def _assert_problem_fixture():
    """Check a response is RFC 9457 problem+json with *status*; returns the body."""
    return assert_problem


@pytest.fixture(scope="session")
def client(backend: str, remote_servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service on the packaged data, on each backend."""
    test_client = _build_client(backend, remote_servers, tmp_path_factory, (), {"workers": 2, "query_timeout": 5})
    yield test_client
    test_client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def make_client(backend: str, remote_servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Build clients on given data (Turtle text or files) and settings, on each backend; closed at the end."""
    opened: list[TestClient] = []

    def make(data: str | list[Path] | None = None, **settings: object) -> TestClient:
        files: tuple[Path, ...] = ()
        if isinstance(data, str):
            path = tmp_path_factory.mktemp("data") / "test.ttl"
            path.write_text(data)
            files = (path,)
        elif data:
            files = tuple(data)
        test_client = _build_client(backend, remote_servers, tmp_path_factory, files, {"workers": 2, **settings})
        opened.append(test_client)
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def server_url(backend: str, remote_servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``dpv-almi serve`` (uvicorn) on 127.0.0.1 with a 1 s query timeout and 2 workers, per backend."""
    folder = tmp_path_factory.mktemp("server")
    env: dict[str, str | None] = {"DPV_ALMI_QUERY_TIMEOUT": "1", "DPV_ALMI_WORKERS": "2", "DPV_ALMI_STORE": None}
    if backend == "disk":
        env["DPV_ALMI_STORE"] = str(folder / "store")
    elif backend in REMOTE:
        server = remote_servers(backend)
        server.ensure(tuple(resources.default_data_files()))
        env["DPV_ALMI_STORE"] = server.spec
    with running_service(folder, env=env, wait=30) as service:
        yield service.url


@pytest.fixture(autouse=True)
def _remote_holds_the_packaged_data(request: pytest.FixtureRequest) -> None:
    """A real server on a remote store reads it directly: give the store the packaged data first."""
    if "server_url" in request.fixturenames and request.getfixturevalue("backend") in REMOTE:
        request.getfixturevalue("remote_servers")(request.getfixturevalue("backend")).ensure(
            tuple(resources.default_data_files())
        )
