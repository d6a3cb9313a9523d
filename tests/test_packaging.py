"""The wheel alone (no checkout) carries code, data and the console script."""

from __future__ import annotations

import importlib.util
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

SNIPPET = """
import sysconfig
from pathlib import Path
import dpv_almi
from dpv_almi import loading, resources
site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
root = resources.data_root().resolve()
assert root.is_relative_to(site_packages), (root, site_packages)
assert Path(dpv_almi.__file__).resolve().is_relative_to(site_packages)
assert resources.queries_dir().is_dir() and resources.shapes_dir().is_dir()
graph = loading.load_graph(resources.default_data_files())
assert len(graph) > 0
print(len(graph))
"""


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{args}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed_wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with only the wheel installed; dependencies come via a .pth file."""
    if not (repo_root / "ontology" / "dpv-almi.ttl").is_file():
        pytest.skip("ontology/dpv-almi.ttl does not exist yet")
    work = tmp_path_factory.mktemp("packaging")
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []  # offline when possible
    run(sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", work / "dist", repo_root)
    (wheel,) = (work / "dist").glob("dpv_almi-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel)
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (Path(purelib) / "outer_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}


def test_wheel_loads_its_own_data(installed_wheel: Path, tmp_path: Path) -> None:
    result = run(installed_wheel / "bin" / "python", "-c", SNIPPET, cwd=tmp_path, env=clean_env())
    assert int(result.stdout.strip()) > 0


def test_console_script_runs(installed_wheel: Path, tmp_path: Path) -> None:
    result = run(installed_wheel / "bin" / "dpv-almi", "--help", cwd=tmp_path, env=clean_env())
    assert "serve" in result.stdout
