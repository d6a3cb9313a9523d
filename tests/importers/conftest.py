"""The TILT corpus (shared test data, never copied into the repository) and its import, once per session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dpv_almi.importers import tilt


@pytest.fixture(scope="session")
def tilt_dir(repo_root: Path) -> Path:
    folder = repo_root.parent / "shared" / "tilt"
    if not (folder / "corpus").is_dir():
        pytest.skip(f"TILT corpus not found at {folder / 'corpus'}")
    return folder


@pytest.fixture(scope="session")
def corpus_files(tilt_dir: Path) -> list[Path]:
    return sorted((tilt_dir / "corpus").glob("*.tilt.json"))


@pytest.fixture(scope="session")
def corpus(corpus_files: list[Path]) -> dict[str, dict[str, Any]]:
    """Policy id → the TILT document as JSON (read directly, not through the importer)."""
    return {tilt.policy_id_for(path): json.loads(path.read_text(encoding="utf-8")) for path in corpus_files}


@pytest.fixture(scope="session")
def imported(tilt_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tilt.Summary]]:
    """The whole corpus imported by the library (the CLI is tested separately on the same folder)."""
    out = tmp_path_factory.mktemp("tilt-import")
    return out, tilt.import_files([tilt_dir / "corpus"], out)
