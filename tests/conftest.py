"""Shared fixtures: where the repository, the DPV release and the model are."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from dpv_almi import loading, resources

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def dpv_release_dir(repo_root: Path) -> Path:
    """The DPV 2.3 release used as test reference data (never copied into the project)."""
    release = repo_root.parent / "shared" / "dpv" / "2.3"
    if not (release / "dpv.ttl").is_file():
        pytest.skip(f"DPV 2.3 release not found at {release}")
    return release


@pytest.fixture(scope="session")
def model_graph(repo_root: Path) -> Graph:
    """The default data files (model, vocabulary, DPV concept extract) as one graph."""
    if not (repo_root / "ontology" / "dpv-almi.ttl").is_file():
        pytest.skip("ontology/dpv-almi.ttl does not exist yet")
    return loading.load_graph(resources.default_data_files())
