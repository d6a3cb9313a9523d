"""The analysts' notebooks run from a clean kernel, and the outputs stored in them are today's.

The notebooks are committed executed, so a reader sees the answers without running anything;
this test re-executes each one (any failing cell fails it) and compares what it prints now with
what is stored, so stored answers can never drift from the model. Figures are compared by kind
only (PNG bytes differ between matplotlib builds). Refresh them with ``make notebooks``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
TEXT_KINDS = ("text/plain", "text/html", "text/markdown")


def visible(cell: Any) -> list[tuple[str, str]]:
    """What a code cell shows: (kind, text) per output; images by their media type only."""
    shown: list[tuple[str, str]] = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            shown.append((output["name"], output["text"]))
        elif output["output_type"] == "error":
            shown.append(("error", f"{output['ename']}: {output['evalue']}"))
        else:
            data = output.get("data", {})
            images = sorted(kind for kind in data if kind.startswith("image/"))
            if images:
                shown.append(("image", ",".join(images)))
            else:
                shown.extend((kind, data[kind]) for kind in TEXT_KINDS if kind in data)
    return shown


def test_notebooks_exist() -> None:
    assert [path.name for path in NOTEBOOKS] == [
        "01-tour-of-the-notice.ipynb",
        "02-validation.ipynb",
        "03-corpus.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_and_its_stored_outputs_are_current(path: Path, tmp_path: Path) -> None:
    stored = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    NotebookClient(fresh, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [(old, new) for old, new in zip(stored.cells, fresh.cells) if old.cell_type == "code"]
    assert code, f"{path.name} has no code"
    for number, (old, new) in enumerate(code, start=1):
        assert visible(old), f"{path.name}: code cell {number} has no stored output; run `make notebooks`"
        assert visible(new) == visible(old), (
            f"{path.name}: code cell {number} shows something else now than what is stored; run `make notebooks`")
