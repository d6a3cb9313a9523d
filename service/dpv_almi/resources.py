"""Where the packaged data lives.

A wheel carries ``ontology/`` and ``shapes/`` under ``dpv_almi/data``; a
development checkout keeps them at the repository root.  Everything else asks
this module for paths, so both layouts work without configuration.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED_DATA = _PACKAGE_DIR / "data"
_REPOSITORY_ROOT = _PACKAGE_DIR.parent.parent  # service/dpv_almi/../..


class MissingResourceError(FileNotFoundError):
    """A packaged data file or directory is absent (broken install or checkout)."""

    def __init__(self, what: str, path: Path) -> None:
        super().__init__(f"{what} not found: {path}")
        self.path = path


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise MissingResourceError(what, path)
    return path


def data_root() -> Path:
    """Return ``dpv_almi/data`` when installed from a wheel, else the repository root."""
    return _INSTALLED_DATA if _INSTALLED_DATA.is_dir() else _REPOSITORY_ROOT


def ontology_dir() -> Path:
    """Directory holding the model, vocabulary and DPV concept extract."""
    return _require(data_root() / "ontology", "ontology directory")


def shapes_dir() -> Path:
    """Directory holding the SHACL shapes."""
    return _require(data_root() / "shapes", "shapes directory")


def queries_dir() -> Path:
    """Directory holding the competency-question SPARQL queries."""
    return _require(ontology_dir() / "queries", "queries directory")


def model_path() -> Path:
    """The hand-written DPV model of the Almi notice."""
    return _require(ontology_dir() / "dpv-almi.ttl", "model file")


def concepts_path() -> Path:
    """The generated DPV concept extract (may not exist before the first build)."""
    return ontology_dir() / "dpv-concepts.ttl"


def default_data_files() -> list[Path]:
    """Every Turtle file in the ontology directory, sorted; the model must be among them."""
    model_path()
    return sorted(ontology_dir().glob("*.ttl"))
