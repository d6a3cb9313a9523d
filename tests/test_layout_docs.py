"""The README's layout table and docs/architecture.md name the package's folders as they are (issue #13).

A newcomer finds their way by these two tables; a folder added, renamed or removed without them is
the drift this test catches.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "service" / "dpv_almi"


def top_level_folders() -> set[str]:
    return {path.parent.name for path in PACKAGE.glob("*/__init__.py")}


def top_level_modules() -> set[str]:
    return {path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py"}


def table_rows(text: str, heading: str) -> list[str]:
    """The first column of the first Markdown table after *heading*."""
    after = text.split(heading, 1)[1]
    rows = []
    for line in after.splitlines():
        if line.startswith("|"):
            rows.append(line.split("|")[1])
        elif rows:
            break
    return rows


def named(rows: list[str]) -> set[str]:
    return {name for row in rows for name in re.findall(r"`\s*([A-Za-z_]+(?:/|\.py))`", row)}


def test_the_readme_layout_table_names_every_folder_of_the_package() -> None:
    rows = named(table_rows((ROOT / "README.md").read_text(encoding="utf-8"), "## Layout"))
    folders = {name.rstrip("/") for name in rows if name.endswith("/")}
    assert top_level_folders() <= folders, f"missing from the README: {sorted(top_level_folders() - folders)}"
    for name in folders - {"ontology", "shapes", "tests", "notebooks", "bench", "docs", "queries", "checks"}:
        assert (PACKAGE / name).is_dir() or (ROOT / name).is_dir(), f"the README names {name}/, which is gone"


def test_the_architecture_note_names_every_folder_and_module_of_the_package() -> None:
    rows = named(table_rows((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), "# Architecture"))
    folders = {name.rstrip("/") for name in rows if name.endswith("/")}
    modules = {name for name in rows if name.endswith(".py")}
    assert folders == top_level_folders(), (
        f"docs/architecture.md lacks {sorted(top_level_folders() - folders)}, names gone {sorted(folders - top_level_folders())}"
    )
    assert modules == top_level_modules(), (
        f"docs/architecture.md lacks {sorted(top_level_modules() - modules)}, names gone {sorted(modules - top_level_modules())}"
    )


def test_pages_never_import_from_the_routers() -> None:
    """What pages and routers both need (named queries, answer models, the observatory) lives beside them in
    ``web/``. (A router may hand a browser's request to its page: ``/sparql`` serves the editor by content
    negotiation.)"""
    crossing = [
        str(path.relative_to(PACKAGE))
        for path in sorted((PACKAGE / "web" / "pages").rglob("*.py"))
        if re.search(r"^\s*from dpv_almi\.web\.routers\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert not crossing, f"these pages import from the routers: {crossing}"
