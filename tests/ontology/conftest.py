"""Fixtures for tests of the model: the notice's text and the model loaded in both engines."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from dpv_almi import loading, resources

NOTICE = "seed/000_28b9aa6785989a06.txt"


def fold_whitespace(text: str) -> str:
    """The form passages are quoted in: every run of white space is one space."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def fold() -> Callable[[str], str]:
    return fold_whitespace


@pytest.fixture(scope="session")
def notice_text(repo_root: Path) -> str:
    """The notice's extracted text, white space folded (shared/ is beside the repository in CI)."""
    path = repo_root.parent / "shared" / NOTICE
    if not path.is_file():
        pytest.skip(f"the notice's text is not at {path}")
    return fold_whitespace(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def almi_graph(repo_root: Path) -> Graph:
    """The model file alone, without vocabulary or DPV concepts."""
    return loading.load_graph([resources.model_path()])


@pytest.fixture(scope="session")
def default_store() -> pyoxigraph.Store:
    """The service's default data in Oxigraph, as the service loads it."""
    return loading.load_store(resources.default_data_files())
