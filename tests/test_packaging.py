"""A clean install works: the release command on a clean clone, then the wheel with its dependencies in a fresh venv.

Nothing of the development environment leaks in: the clone has no ``node_modules`` nor built
assets, and the venv gets only what the wheel declares (pip resolves the dependencies from its
configured indexes; its own wheel cache keeps later runs quick).  This is what caught ``httpx``
imported at start-up while only a test dependency.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

SNIPPET = """
import sysconfig
from pathlib import Path
import dpv_almi
from dpv_almi import loading, resources
from dpv_almi.validation.vocabularies import DPV_INDEX, dpv_index
site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
root = resources.data_root().resolve()
assert root.is_relative_to(site_packages), (root, site_packages)
assert Path(dpv_almi.__file__).resolve().is_relative_to(site_packages)
assert resources.queries_dir().is_dir() and resources.shapes_dir().is_dir()
assert DPV_INDEX.resolve().is_relative_to(site_packages) and len(dpv_index()) > 9000
graph = loading.load_graph(resources.default_data_files())
assert len(graph) > 0
print(len(graph))
"""

NOTICE = """\
@prefix ex:      <https://example.org/shop/> .
@prefix dpv:     <https://w3id.org/dpv#> .
@prefix pd:      <https://w3id.org/dpv/pd#> .
@prefix eu-gdpr: <https://w3id.org/dpv/legal/eu/gdpr#> .
ex:Orders a dpv:Process ; dpv:hasPersonalData pd:EmailAdress ; dpv:hasLegalBasis eu-gdpr:A6-1-b .
"""

EDITOR = ("dpv_almi/web/static/vendor/yasgui/yasgui.min.js", "dpv_almi/web/static/vendor/yasgui/yasgui.min.css")


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, f"{args}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
    return result


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}


@pytest.fixture(scope="module")
def dist(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make dist`` (the documented release command) in a clean clone of the committed tree."""
    for tool in ("git", "make", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if not (repo_root / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path_factory.mktemp("clone") / "dpv-almi"
    run("git", "clone", "--quiet", repo_root, clone)
    assert not (clone / "node_modules").exists() and not (clone / "service/dpv_almi/web/static/vendor").exists()
    # The clone's own make, with this environment's Python instead of a new .venv (-o: do not rebuild it).
    bin_dir = Path(sys.executable).parent
    run("make", "-o", "venv", "dist", f"BIN={bin_dir}", cwd=clone, env=clean_env())
    return clone / "dist"


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its declared dependencies, nothing else."""
    (wheel,) = dist.glob("dpv_almi-*.whl")
    venv = tmp_path_factory.mktemp("venv") / "venv"
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, env=clean_env())
    return venv


def test_the_release_contains_the_editor_the_dpv_index_and_the_data(dist: Path) -> None:
    (wheel,) = dist.glob("dpv_almi-0.2.0-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(EDITOR) <= names
    assert {"dpv_almi/validation/dpv/dpv-2.3.json", "dpv_almi/validation/dpv/LICENSE.md"} <= names
    assert {"dpv_almi/data/ontology/dpv-almi.ttl", "dpv_almi/data/shapes/vocabulary.ttl"} <= names
    (sdist,) = dist.glob("dpv_almi-0.2.0.tar.gz")
    listing = run("tar", "tzf", sdist).stdout
    assert all(f"service/{name}" in listing for name in EDITOR)


def test_the_wheel_loads_its_own_data(installed: Path, tmp_path: Path) -> None:
    result = run(installed / "bin" / "python", "-c", SNIPPET, cwd=tmp_path, env=clean_env())
    assert int(result.stdout.strip()) > 0


def test_help_and_version(installed: Path, tmp_path: Path) -> None:
    assert "serve" in run(installed / "bin" / "dpv-almi", "--help", cwd=tmp_path, env=clean_env()).stdout
    assert "0.2.0" in run(installed / "bin" / "dpv-almi", "--version", cwd=tmp_path, env=clean_env()).stdout


def test_validate_a_users_notice_and_the_packaged_example(installed: Path, tmp_path: Path) -> None:
    notice = tmp_path / "notice.ttl"
    notice.write_text(NOTICE, encoding="utf-8")
    script = installed / "bin" / "dpv-almi"
    result = subprocess.run(
        [script, "validate", notice], capture_output=True, text=True, cwd=tmp_path, env=clean_env(), timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "Did you mean pd:EmailAddress?" in result.stdout and "LegalBasisKind" not in result.stdout
    assert run(script, "validate", "--example", "almi", cwd=tmp_path, env=clean_env()).stdout
    empty = subprocess.run(
        [script, "validate"], capture_output=True, text=True, cwd=tmp_path, env=clean_env(), timeout=60
    )
    assert empty.returncode == 2


def test_serve_answers_and_serves_the_editor(installed: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [installed / "bin" / "dpv-almi", "serve", "--port", str(port), "--workers", "1"],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "dpv-almi serve did not become ready"
            time.sleep(0.5)
        request = urllib.request.Request(f"{base}/sparql", headers={"Accept": "text/html"})
        with urllib.request.urlopen(request, timeout=10) as response:
            page = response.read().decode()
        assert "yasgui.min.js" in page and "make assets" not in page
        with urllib.request.urlopen(f"{base}/static/vendor/yasgui/yasgui.min.js", timeout=10) as response:
            assert response.status == 200 and len(response.read()) > 100_000
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_pre_commit_hook_works_from_a_tag(dist: Path, tmp_path: Path) -> None:
    """What the README shows: another repository names this one and a tag; pre-commit installs and runs the hook."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    clone = dist.parent
    run("git", "-c", "user.name=t", "-c", "user.email=t@example.org", "tag", "v0.2.0-test", cwd=clone)
    other = tmp_path / "other"
    other.mkdir()
    run("git", "init", "-q", cwd=other)
    (other / "shop.ttl").write_text(NOTICE, encoding="utf-8")
    (other / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {clone}\n  rev: v0.2.0-test\n  hooks:\n    - id: dpv-almi-validate\n", encoding="utf-8"
    )
    run("git", "add", ".", cwd=other)
    env = {**clean_env(), "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [pre_commit, "run", "--all-files"], cwd=other, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # the notice has a typo
    assert "Did you mean pd:EmailAddress?" in result.stdout
